package care

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// Reason is a churn reason code (流失原因). The default codes are labelled
// by enum.churn_reason.<code>; codes added by admins carry their Label.
type Reason struct {
	Code     string `db:"code" json:"code"`
	Label    string `db:"label" json:"label"`
	Position int    `db:"position" json:"position"`
	Active   bool   `db:"active" json:"active"`
}

// DefaultReasons are the codes the migration seeds.
var DefaultReasons = []string{"sold", "moved", "unhappy_service", "price", "competitor", "low_use", "other"}

var codeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Reasons lists the churn reason codes.
func (s *Service) Reasons(ctx context.Context) ([]Reason, error) { return s.Store.ChurnReasons(ctx) }

// SaveReason adds or changes a reason code (care.admin).
func (s *Service) SaveReason(ctx context.Context, a guanxi.Actor, r Reason) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	var f guanxi.Fields
	r.Code, r.Label = strings.TrimSpace(r.Code), strings.TrimSpace(r.Label)
	if !codeRe.MatchString(r.Code) {
		f.Add("code", "validation.care_code")
	}
	if utf8.RuneCountInString(r.Label) > 50 {
		f.Add("label", "validation.too_long", map[string]any{"max": 50})
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.Store.SaveChurnReason(ctx, a, r)
}

// CloseChurn closes a churn-risk task with the reason the customer gave
// (required when done) and the vehicle-usage note (CARE-06).
func (s *Service) CloseChurn(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, c task.Close, reason, note string) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	reason, note = strings.TrimSpace(reason), strings.TrimSpace(note)
	var f guanxi.Fields
	if c.Status == task.StatusDone && reason == "" {
		f.Add("churn_reason", "validation.required")
	}
	if reason != "" {
		rs, err := s.Store.ChurnReasons(ctx)
		if err != nil {
			return err
		}
		ok := false
		for _, r := range rs {
			ok = ok || (r.Code == reason && r.Active)
		}
		if !ok {
			f.Add("churn_reason", "validation.enum")
		}
	}
	if utf8.RuneCountInString(note) > 500 {
		f.Add("usage_note", "validation.too_long", map[string]any{"max": 500})
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.Store.CloseChurnTask(ctx, a, id, version, c, reason, note)
}

// ReasonCount is the store's count of churn reasons recorded in a period.
type ReasonCount struct {
	Code string `db:"code"`
	N    int    `db:"n"`
}

// OwnerCount is the store's count of one owner's care and churn tasks due
// in a period, by status.
type OwnerCount struct {
	OwnerID   guanxi.ID `db:"owner_id"`
	OwnerName string    `db:"owner_name"`
	UnitID    guanxi.ID `db:"unit_id"`
	UnitName  string    `db:"unit_name"`
	Open      int       `db:"open"`
	Done      int       `db:"done"`
	Skipped   int       `db:"skipped"`
	Failed    int       `db:"failed"`
	Overdue   int       `db:"overdue"`
}

// ReportData is what the store counts for the care report.
type ReportData struct {
	Reasons []ReasonCount
	Owners  []OwnerCount
	// Dormant counts the customers that turned dormant in the period,
	// Base the customers at its start (KPI-18).
	Dormant int
	Base    int
}

// ReasonLine is one churn reason with its share.
type ReasonLine struct {
	Code  string
	Label string
	N     int
	Pct   int
}

// Line is one row of care completion: a staff member, a team or the total.
type Line struct {
	ID      guanxi.ID
	Name    string
	Team    string
	Open    int
	Done    int
	Skipped int
	Failed  int
	Overdue int
}

// Total is the number of tasks.
func (l Line) Total() int { return l.Open + l.Done + l.Skipped + l.Failed }

// Rate is the completion rate: done of all, in percent (100 when none).
func (l Line) Rate() int {
	if l.Total() == 0 {
		return 100
	}
	return l.Done * 100 / l.Total()
}

// Report is the care report of a period.
type Report struct {
	From, To string
	Reasons  []ReasonLine
	Churned  int // churn calls closed with a reason
	// Dormant of Base customers turned dormant: the churn rate (KPI-18).
	Dormant, Base int
	Staff         []Line
	Teams         []Line
	Total         Line
}

// Report builds the care report of the dates from..to for the actor: a
// manager sees its org subtree, auditors and admins everyone.
func (s *Service) Report(ctx context.Context, a guanxi.Actor, from, to string) (Report, error) {
	if err := need(a, guanxi.PermCareReport); err != nil {
		return Report{}, err
	}
	today := s.Today()
	if to == "" {
		to = today
	}
	if from == "" {
		from = AddDays(to, -29)
	}
	var f guanxi.Fields
	if _, ok := parseDate(from); !ok {
		f.Add("from", "validation.date")
	}
	if _, ok := parseDate(to); !ok {
		f.Add("to", "validation.date")
	}
	if err := f.Err(); err != nil {
		return Report{}, err
	}
	if from > to {
		from, to = to, from
	}
	d, err := s.Store.CareReport(ctx, a, from, to, today)
	if err != nil {
		return Report{}, err
	}
	return BuildReport(from, to, d), nil
}

// BuildReport aggregates the counts (pure, for tests).
func BuildReport(from, to string, d ReportData) Report {
	r := Report{From: from, To: to, Dormant: d.Dormant, Base: d.Base}
	ns := make([]int, len(d.Reasons))
	for i, c := range d.Reasons {
		ns[i] = c.N
		r.Churned += c.N
	}
	pcts := Percentages(ns)
	for i, c := range d.Reasons {
		r.Reasons = append(r.Reasons, ReasonLine{Code: c.Code, N: c.N, Pct: pcts[i]})
	}
	sort.SliceStable(r.Reasons, func(i, j int) bool { return r.Reasons[i].N > r.Reasons[j].N })
	teams := map[guanxi.ID]*Line{}
	for _, o := range d.Owners {
		l := Line{ID: o.OwnerID, Name: o.OwnerName, Team: o.UnitName, Open: o.Open, Done: o.Done,
			Skipped: o.Skipped, Failed: o.Failed, Overdue: o.Overdue}
		r.Staff = append(r.Staff, l)
		t, ok := teams[o.UnitID]
		if !ok {
			t = &Line{ID: o.UnitID, Name: o.UnitName}
			teams[o.UnitID] = t
		}
		for _, x := range []*Line{t, &r.Total} {
			x.Open += l.Open
			x.Done += l.Done
			x.Skipped += l.Skipped
			x.Failed += l.Failed
			x.Overdue += l.Overdue
		}
	}
	for _, t := range teams {
		r.Teams = append(r.Teams, *t)
	}
	sort.Slice(r.Staff, func(i, j int) bool {
		if r.Staff[i].Team != r.Staff[j].Team {
			return r.Staff[i].Team < r.Staff[j].Team
		}
		return r.Staff[i].Name < r.Staff[j].Name
	})
	sort.Slice(r.Teams, func(i, j int) bool { return r.Teams[i].Name < r.Teams[j].Name })
	return r
}

// ChurnRate is KPI-18 in percent with one decimal (0 without a base).
func (r Report) ChurnRate() float64 {
	if r.Base == 0 {
		return 0
	}
	return float64(r.Dormant*1000/r.Base) / 10
}

// Percentages splits 100 among counts by the largest remainder, so the
// shares of a chart sum to exactly 100 (all 0 when the counts are).
func Percentages(ns []int) []int {
	total := 0
	for _, n := range ns {
		total += n
	}
	out := make([]int, len(ns))
	if total == 0 {
		return out
	}
	type rem struct{ i, r int }
	rs := make([]rem, len(ns))
	given := 0
	for i, n := range ns {
		out[i] = n * 100 / total
		given += out[i]
		rs[i] = rem{i, n * 100 % total}
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].r > rs[b].r })
	for k := 0; given < 100; k++ {
		out[rs[k%len(rs)].i]++
		given++
	}
	return out
}
