package care

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/lunar"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// Kinds of care rule.
const (
	KindBirthday    = "birthday"
	KindFestival    = "festival"
	KindAnniversary = "anniversary"
	KindServiceDue  = "service_due"
	KindExpiry      = "expiry"
	KindLoanDue     = "loan_due"
	KindDormancy    = "dormancy"
)

// Kinds lists every rule kind.
var Kinds = []string{KindBirthday, KindFestival, KindAnniversary, KindServiceDue, KindExpiry, KindLoanDue, KindDormancy}

// Channels a rule sends on; none makes a task only.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
	ChannelNone  = "none"
)

// Channels lists every rule channel.
var Channels = []string{ChannelSMS, ChannelEmail, ChannelNone}

// HoldingKinds are the holding kinds a rule may watch.
var HoldingKinds = []string{"vehicle", "loan", "deposit", "subscription", "property", "policy", "other"}

// Activities: what counts as activity for a dormancy rule.
const (
	ActivityVisit = "visit" // store visits and visits, and any transaction
	ActivityAny   = "any"   // any interaction or transaction
)

// Defaults of the kinds' parameters.
const (
	DefaultDormantMonths = 6
	DefaultServiceMonths = 6
)

// Params are the kind-specific settings of a rule.
type Params struct {
	Festivals     []string `json:"festivals,omitempty"`      // festival: lunar festival keys
	HoldingKinds  []string `json:"holding_kinds,omitempty"`  // anniversary, expiry: holding kinds
	Months        int      `json:"months,omitempty"`         // service_due: every N months
	KM            int      `json:"km,omitempty"`             // service_due: every M km
	KMPerMonth    int      `json:"km_per_month,omitempty"`   // service_due: average when the vehicle has none
	Offsets       []int    `json:"offsets,omitempty"`        // expiry, loan_due: days before due_on
	DormantMonths int      `json:"dormant_months,omitempty"` // dormancy: months without activity
	Activity      string   `json:"activity,omitempty"`       // dormancy: visit or any
}

// Rule is a care rule: which customers (Audience, a segment filter) are due
// what (Kind and Params), and what happens: a message on Channel with
// Template, a task for the owner, or both.
type Rule struct {
	ID         guanxi.ID  `db:"id"`
	Name       string     `db:"name"`
	Kind       string     `db:"kind"`
	Params     Params     `db:"-"`
	Audience   string     `db:"audience"` // segment filter JSON; "" = everyone
	Channel    string     `db:"channel"`
	Template   string     `db:"template"`
	CreateTask bool       `db:"create_task"`
	TaskTitle  string     `db:"task_title"`
	LeadDays   int        `db:"lead_days"`
	QuietStart string     `db:"quiet_start"` // HH:MM local; "" = no quiet hours
	QuietEnd   string     `db:"quiet_end"`
	CapCount   int        `db:"cap_count"` // at most CapCount care messages per CapDays; 0 = no cap
	CapDays    int        `db:"cap_days"`
	Enabled    bool       `db:"enabled"`
	CreatedBy  *guanxi.ID `db:"created_by"`
	Version    int64      `db:"version"`
	CreatedAt  time.Time  `db:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
	LastRunAt  *time.Time `db:"last_run_at"`
}

// ParamsJSON is the stored form of the parameters.
func (r Rule) ParamsJSON() string {
	b, _ := json.Marshal(r.Params)
	return string(b)
}

// Filter is the parsed audience (nil: everyone).
func (r Rule) Filter() (*segment.Node, error) { return segment.Parse([]byte(r.Audience)) }

// DefaultTemplate is the outbox template of a kind.
func DefaultTemplate(kind string) string {
	switch kind {
	case KindBirthday, KindFestival, KindAnniversary, KindServiceDue, KindExpiry, KindLoanDue:
		return "care." + kind
	}
	return "care.greeting"
}

var clockRe = func(s string) bool {
	_, err := time.Parse("15:04", s)
	return err == nil && len(s) == 5
}

// Validate checks and normalises a rule.
func Validate(r *Rule) error {
	var f guanxi.Fields
	r.Name = strings.TrimSpace(r.Name)
	r.TaskTitle = strings.TrimSpace(r.TaskTitle)
	r.Template = strings.TrimSpace(r.Template)
	r.Audience = strings.TrimSpace(r.Audience)
	if r.Name == "" {
		f.Add("name", "validation.required")
	} else if utf8.RuneCountInString(r.Name) > 100 {
		f.Add("name", "validation.too_long", map[string]any{"max": 100})
	}
	if !slices.Contains(Kinds, r.Kind) {
		f.Add("kind", "validation.enum")
	}
	if r.Channel == "" {
		r.Channel = ChannelNone
	}
	if !slices.Contains(Channels, r.Channel) {
		f.Add("channel", "validation.enum")
	}
	if r.Channel != ChannelNone && r.Template == "" {
		r.Template = DefaultTemplate(r.Kind)
	}
	if utf8.RuneCountInString(r.Template) > 100 {
		f.Add("template", "validation.too_long", map[string]any{"max": 100})
	}
	if utf8.RuneCountInString(r.TaskTitle) > 200 {
		f.Add("task_title", "validation.too_long", map[string]any{"max": 200})
	}
	if r.Kind == KindDormancy {
		r.CreateTask = true // the churn-risk call is the point of the rule
	}
	if r.Channel == ChannelNone && !r.CreateTask {
		f.Add("create_task", "validation.care_no_action")
	}
	if r.LeadDays < 0 || r.LeadDays > 60 {
		f.Add("lead_days", "validation.days_range", map[string]any{"min": 0, "max": 60})
	}
	if (r.QuietStart == "") != (r.QuietEnd == "") || (r.QuietStart != "" && (!clockRe(r.QuietStart) || !clockRe(r.QuietEnd))) {
		f.Add("quiet_start", "validation.care_quiet")
	}
	if r.CapCount < 0 || r.CapCount > 100 {
		f.Add("cap_count", "validation.days_range", map[string]any{"min": 0, "max": 100})
	}
	if r.CapCount > 0 && (r.CapDays < 1 || r.CapDays > 366) {
		f.Add("cap_days", "validation.days_range", map[string]any{"min": 1, "max": 366})
	}
	if r.CapCount == 0 {
		r.CapDays = 0
	}
	if _, err := r.Filter(); err != nil {
		f.Add("audience", "validation.care_audience")
	}
	p := &r.Params
	switch r.Kind {
	case KindFestival:
		known := lunar.Festivals()
		if len(p.Festivals) == 0 {
			f.Add("festivals", "validation.required")
		}
		for _, k := range p.Festivals {
			if len(known) > 0 && !slices.Contains(known, k) {
				f.Add("festivals", "validation.enum")
				break
			}
		}
	case KindAnniversary, KindExpiry:
		if len(p.HoldingKinds) == 0 {
			if r.Kind == KindAnniversary {
				p.HoldingKinds = []string{"vehicle"}
			} else {
				p.HoldingKinds = []string{"subscription", "policy", "other"}
			}
		}
		for _, k := range p.HoldingKinds {
			if !slices.Contains(HoldingKinds, k) {
				f.Add("holding_kinds", "validation.enum")
				break
			}
		}
	case KindServiceDue:
		if p.Months == 0 && p.KM == 0 {
			p.Months = DefaultServiceMonths
		}
		if p.Months < 0 || p.Months > 60 {
			f.Add("months", "validation.days_range", map[string]any{"min": 0, "max": 60})
		}
		if p.KM < 0 || p.KM > 200000 {
			f.Add("km", "validation.days_range", map[string]any{"min": 0, "max": 200000})
		}
		if p.KM > 0 && (p.KMPerMonth < 1 || p.KMPerMonth > 50000) {
			f.Add("km_per_month", "validation.days_range", map[string]any{"min": 1, "max": 50000})
		}
	case KindDormancy:
		if p.DormantMonths == 0 {
			p.DormantMonths = DefaultDormantMonths
		}
		if p.DormantMonths < 1 || p.DormantMonths > 60 {
			f.Add("dormant_months", "validation.days_range", map[string]any{"min": 1, "max": 60})
		}
		if p.Activity == "" {
			p.Activity = ActivityVisit
		}
		if p.Activity != ActivityVisit && p.Activity != ActivityAny {
			f.Add("activity", "validation.enum")
		}
	}
	if r.Kind == KindExpiry || r.Kind == KindLoanDue {
		if len(p.Offsets) == 0 {
			p.Offsets = []int{30, 7, 1}
		}
		if len(p.Offsets) > 10 {
			f.Add("offsets", "validation.too_long", map[string]any{"max": 10})
		}
		for _, o := range p.Offsets {
			if o < 0 || o > 366 {
				f.Add("offsets", "validation.days_range", map[string]any{"min": 0, "max": 366})
				break
			}
		}
		slices.Sort(p.Offsets)
		p.Offsets = slices.Compact(p.Offsets)
	}
	// Parameters of other kinds are dropped, so the stored JSON says what
	// the rule does.
	keep := Params{}
	switch r.Kind {
	case KindFestival:
		keep.Festivals = p.Festivals
	case KindAnniversary:
		keep.HoldingKinds = p.HoldingKinds
	case KindExpiry:
		keep.HoldingKinds, keep.Offsets = p.HoldingKinds, p.Offsets
	case KindLoanDue:
		keep.Offsets = p.Offsets
	case KindServiceDue:
		keep.Months, keep.KM, keep.KMPerMonth = p.Months, p.KM, p.KMPerMonth
	case KindDormancy:
		keep.DormantMonths, keep.Activity = p.DormantMonths, p.Activity
	}
	r.Params = keep
	return f.Err()
}
