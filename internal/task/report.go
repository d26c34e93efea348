package task

import (
	"context"
	"sort"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// TaskCount is the store's count of tasks of one owner due on one day.
type TaskCount struct {
	OwnerID   guanxi.ID `db:"owner_id"`
	OwnerName string    `db:"owner_name"`
	UnitID    guanxi.ID `db:"unit_id"`
	UnitName  string    `db:"unit_name"`
	DueOn     string    `db:"due_on"`
	Total     int       `db:"total"`
	Done      int       `db:"done"`
	Open      int       `db:"open"`
}

// InteractionCount is the store's count of one staff member's interactions
// on one local day by channel and purpose.
type InteractionCount struct {
	StaffID   guanxi.ID `db:"staff_id"`
	StaffName string    `db:"staff_name"`
	UnitID    guanxi.ID `db:"unit_id"`
	UnitName  string    `db:"unit_name"`
	Day       string    `db:"day"`
	Channel   string    `db:"channel"`
	Purpose   string    `db:"purpose"`
	N         int       `db:"n"`
}

// Counts are the raw counts of a date range in the actor's scope.
type Counts struct {
	Tasks        []TaskCount
	Interactions []InteractionCount
}

// Period is one week (Monday first) or month.
type Period struct {
	From, To string // inclusive dates
}

// Periods returns the n periods of kind ("week" or "month") ending with the
// one that holds today, oldest first.
func Periods(kind, today string, n int) []Period {
	d, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return nil
	}
	out := make([]Period, n)
	for i := n - 1; i >= 0; i-- {
		var from, to time.Time
		if kind == "month" {
			from = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
			to = from.AddDate(0, 1, -1)
			d = from.AddDate(0, 0, -1)
		} else {
			wd := (int(d.Weekday()) + 6) % 7 // Monday 0
			from = d.AddDate(0, 0, -wd)
			to = from.AddDate(0, 0, 6)
			d = from.AddDate(0, 0, -1)
		}
		out[i] = Period{from.Format(time.DateOnly), to.Format(time.DateOnly)}
	}
	return out
}

// Line is one row of the report: a staff member, a team or the total.
type Line struct {
	ID           guanxi.ID
	Name         string
	Team         string
	Due          int
	Done         int
	Overdue      int
	Interactions int
	ByChannel    map[string]int
	ByPurpose    map[string]int
}

// Rate is the completion rate in percent.
func (l Line) Rate() int { return percent(l.Done, l.Due) }

// Report is the follow-up report of the latest period with its trend.
type Report struct {
	Kind    string
	Periods []Period
	Current Period
	Staff   []Line
	Teams   []Line
	Total   Line
	// Trend has one total line per period, oldest first.
	Trend []Line
}

// TrendPeriods is how many periods the trend shows.
const TrendPeriods = 8

// Report builds the follow-up report for the actor: kind is week or month.
func (s *Service) Report(ctx context.Context, a guanxi.Actor, kind string) (Report, error) {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		if err2 := need(a, guanxi.PermAuditRead); err2 != nil {
			return Report{}, err
		}
	}
	if kind == "" {
		kind = "week"
	}
	if kind != "week" && kind != "month" {
		return Report{}, guanxi.Invalid(guanxi.Field("period", "validation.enum"))
	}
	today := s.Today()
	ps := Periods(kind, today, TrendPeriods)
	c, err := s.Store.FollowUpCounts(ctx, a, ps[0].From, ps[len(ps)-1].To)
	if err != nil {
		return Report{}, err
	}
	return Build(kind, today, ps, c), nil
}

// Build aggregates counts into the report (pure, for tests).
func Build(kind, today string, ps []Period, c Counts) Report {
	r := Report{Kind: kind, Periods: ps, Current: ps[len(ps)-1], Trend: make([]Line, len(ps))}
	staff := map[guanxi.ID]*Line{}
	teams := map[guanxi.ID]*Line{}
	r.Total = newLine(0, "", "")
	line := func(m map[guanxi.ID]*Line, id guanxi.ID, name, team string) *Line {
		l, ok := m[id]
		if !ok {
			nl := newLine(id, name, team)
			l = &nl
			m[id] = l
		}
		return l
	}
	idx := func(day string) int {
		for i, p := range ps {
			if day >= p.From && day <= p.To {
				return i
			}
		}
		return -1
	}
	for i := range r.Trend {
		r.Trend[i] = newLine(0, ps[i].From, "")
	}
	cur := len(ps) - 1
	for _, t := range c.Tasks {
		i := idx(t.DueOn)
		if i < 0 {
			continue
		}
		overdue := 0
		if t.DueOn < today {
			overdue = t.Open
		}
		r.Trend[i].Due += t.Total
		r.Trend[i].Done += t.Done
		r.Trend[i].Overdue += overdue
		if i != cur {
			continue
		}
		for _, l := range []*Line{line(staff, t.OwnerID, t.OwnerName, t.UnitName), line(teams, t.UnitID, t.UnitName, ""), &r.Total} {
			l.Due += t.Total
			l.Done += t.Done
			l.Overdue += overdue
		}
	}
	for _, x := range c.Interactions {
		i := idx(x.Day)
		if i < 0 {
			continue
		}
		r.Trend[i].Interactions += x.N
		if i != cur {
			continue
		}
		for _, l := range []*Line{line(staff, x.StaffID, x.StaffName, x.UnitName), line(teams, x.UnitID, x.UnitName, ""), &r.Total} {
			l.Interactions += x.N
			l.ByChannel[x.Channel] += x.N
			p := x.Purpose
			if p == "" {
				p = "none"
			}
			l.ByPurpose[p] += x.N
		}
	}
	r.Staff = sorted(staff)
	r.Teams = sorted(teams)
	return r
}

func newLine(id guanxi.ID, name, team string) Line {
	return Line{ID: id, Name: name, Team: team, ByChannel: map[string]int{}, ByPurpose: map[string]int{}}
}

func sorted(m map[guanxi.ID]*Line) []Line {
	out := make([]Line, 0, len(m))
	for _, l := range m {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Team != out[j].Team {
			return out[i].Team < out[j].Team
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}
