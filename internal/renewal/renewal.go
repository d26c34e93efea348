// Package renewal is renewal tracking and analysis (SUB-*) of
// subscriptions and contracts: due, renewed and lapsed per month, the
// renewal rate, fees and the distribution of non-renewal reasons. It does
// no I/O; the Service declares the Store it needs.
//
// A holding (customer.Holding) with a due date is decided once per due
// period: renewed, with the fee paid and the new due date (which moves the
// holding's due_on forward), or lapsed, with a reason code. Until then the
// period is pending.
package renewal

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Outcomes of a due period; Pending is a period not yet decided.
const (
	Renewed = "renewed"
	Lapsed  = "lapsed"
	Pending = "pending"
)

// Outcomes lists the outcomes that can be recorded.
var Outcomes = []string{Renewed, Lapsed}

// Statuses lists the statuses a due item can have (the list filter).
var Statuses = []string{Pending, Renewed, Lapsed}

// DefaultReasons are SUB-02's non-renewal reasons, seeded by the migration;
// care.admin may rename, reorder, deactivate and add codes.
var DefaultReasons = []string{"server_unstable", "lost_popularity", "too_expensive", "poor_service", "own_reasons", "other"}

// Record is the decision on one due period of a holding.
type Record struct {
	ID        guanxi.ID `db:"id"`
	HoldingID guanxi.ID `db:"holding_id"`
	// DueOn is the period decided: the holding's due date when recorded.
	DueOn    string `db:"due_on"`
	Outcome  string `db:"outcome"`
	FeeMinor int64  `db:"fee_minor"`
	Currency string `db:"currency"`
	// NewDueOn is the next due date of a renewal ("" for a lapse).
	NewDueOn   string     `db:"new_due_on"`
	ReasonCode string     `db:"reason_code"`
	Note       string     `db:"note"`
	RecordedBy *guanxi.ID `db:"recorded_by"`
	Version    int64      `db:"version"`
	CreatedAt  time.Time  `db:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
	// Read-only context from the holding and its customer.
	CustomerID     guanxi.ID `db:"customer_id"`
	CustomerName   string    `db:"customer_name"`
	HoldingKind    string    `db:"holding_kind"`
	HoldingName    string    `db:"holding_name"`
	RecordedByName string    `db:"recorded_by_name"`
}

// Holding is what recording needs to know about a holding in scope.
type Holding struct {
	ID           guanxi.ID `db:"id"`
	CustomerID   guanxi.ID `db:"customer_id"`
	CustomerName string    `db:"customer_name"`
	OwnerID      guanxi.ID `db:"owner_id"`
	OwnerName    string    `db:"owner_name"`
	Kind         string    `db:"kind"`
	Name         string    `db:"name"`
	AmountMinor  int64     `db:"amount_minor"`
	Currency     string    `db:"currency"`
	DueOn        string    `db:"due_on"`
	Status       string    `db:"status"`
	AttrsJSON    string    `db:"attrs"`
	Version      int64     `db:"version"`
	// Attrs is AttrsJSON decoded (by the store).
	Attrs map[string]any `db:"-"`
}

// PeriodMonths is the holding's renewal period in months: attrs
// period_months (a number) or period ("1y", "6m", "12"); 12 by default.
func (h Holding) PeriodMonths() int {
	if v, ok := h.Attrs["period_months"]; ok {
		switch n := v.(type) {
		case float64:
			if n >= 1 && n <= 120 {
				return int(n)
			}
		case string:
			if m := parsePeriod(n); m > 0 {
				return m
			}
		}
	}
	if s, ok := h.Attrs["period"].(string); ok {
		if m := parsePeriod(s); m > 0 {
			return m
		}
	}
	return 12
}

var periodRe = regexp.MustCompile(`^(\d{1,3})\s*(y|m|年|个月|月)?$`)

func parsePeriod(s string) int {
	m := periodRe.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	if m[2] == "y" || m[2] == "年" {
		n *= 12
	}
	if n < 1 || n > 120 {
		return 0
	}
	return n
}

// AddMonths adds n months to a YYYY-MM-DD date, keeping the day or, past
// the end of the target month, its last day (01-31 + 1 month = 02-28).
func AddMonths(date string, n int) (string, bool) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return "", false
	}
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), true
}

// DefaultNewDue is the due date a renewal proposes: due + the period.
func (h Holding) DefaultNewDue() string {
	s, _ := AddMonths(h.DueOn, h.PeriodMonths())
	return s
}

// Reason is a non-renewal reason code with its names.
type Reason struct {
	Code      string    `db:"code"`
	NameZh    string    `db:"name_zh"`
	NameEn    string    `db:"name_en"`
	Position  int       `db:"position"`
	Active    bool      `db:"active"`
	Version   int64     `db:"version"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Name is the reason's name in lang (the Chinese one when no English).
func (r Reason) Name(lang string) string {
	if lang == "en" && r.NameEn != "" {
		return r.NameEn
	}
	return r.NameZh
}

var codeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ValidCode reports whether s is a well-formed reason code.
func ValidCode(s string) bool { return codeRe.MatchString(s) }

// ValidateReason checks a reason before it is saved; the code's format
// matters only for a new one (an existing code is looked up instead).
func ValidateReason(r *Reason, isNew bool) error {
	var f guanxi.Fields
	r.Code, r.NameZh, r.NameEn = strings.TrimSpace(r.Code), strings.TrimSpace(r.NameZh), strings.TrimSpace(r.NameEn)
	if isNew && !codeRe.MatchString(r.Code) {
		f.Add("code", "renewal.code_format")
	}
	if r.NameZh == "" {
		f.Add("name_zh", "validation.required")
	}
	for field, v := range map[string]string{"name_zh": r.NameZh, "name_en": r.NameEn} {
		if utf8.RuneCountInString(v) > 100 {
			f.Add(field, "validation.too_long", map[string]any{"max": 100})
		}
	}
	if r.Position < 0 || r.Position > 10000 {
		f.Add("position", "renewal.position_range")
	}
	return f.Err()
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Validate checks a record against its period; active lists the reason
// codes that may be chosen (an inactive code stays valid on a record that
// already has it, see Service.Correct).
func Validate(r *Record, active []string) error {
	var f guanxi.Fields
	r.Note, r.ReasonCode, r.NewDueOn = strings.TrimSpace(r.Note), strings.TrimSpace(r.ReasonCode), strings.TrimSpace(r.NewDueOn)
	if r.Currency == "" {
		r.Currency = "CNY"
	}
	switch r.Outcome {
	case Renewed:
		if r.FeeMinor < 0 || r.FeeMinor > 1e13 {
			f.Add("fee", "renewal.fee_range")
		}
		switch {
		case r.NewDueOn == "":
			f.Add("new_due_on", "validation.required")
		case !validDate(r.NewDueOn):
			f.Add("new_due_on", "validation.date")
		case r.NewDueOn <= r.DueOn:
			f.Add("new_due_on", "renewal.new_due_after", map[string]any{"due": r.DueOn})
		}
		r.ReasonCode = ""
	case Lapsed:
		switch {
		case r.ReasonCode == "":
			f.Add("reason", "renewal.reason_required")
		case !slices.Contains(active, r.ReasonCode):
			f.Add("reason", "validation.enum")
		}
		r.FeeMinor, r.NewDueOn = 0, ""
	default:
		f.Add("outcome", "validation.enum")
	}
	if utf8.RuneCountInString(r.Note) > 1000 {
		f.Add("note", "validation.too_long", map[string]any{"max": 1000})
	}
	return f.Err()
}

// ParseYuan reads a fee typed in 元 ("1200", "1,200.50", "¥99") as 分.
func ParseYuan(s string) (int64, bool) {
	s = strings.NewReplacer(",", "", "，", "", "¥", "", "￥", "", "元", "", " ", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e11 || math.IsNaN(f) {
		return 0, false
	}
	if _, frac, _ := strings.Cut(s, "."); len(frac) > 2 {
		return 0, false
	}
	return int64(math.Round(f * 100)), true
}

// Yuan formats 分 as 元 with two decimals ("1200.50").
func Yuan(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return sign + strconv.FormatInt(minor/100, 10) + "." + pad2(minor%100)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
