package survey

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Follow-up reports (回访周报/月报): per week or month, for the customers in
// the actor's scope, grouped by team or by staff.

// PeriodKind is a report period.
type PeriodKind string

const (
	Week  PeriodKind = "week"
	Month PeriodKind = "month"
)

// Group dimensions of a report.
const (
	ByTeam  = "team"
	ByStaff = "staff"
)

// TrendPeriods is how many periods the trend shows, the chosen one last.
const TrendPeriods = 8

// Period is a half-open time range [From, To) with a label.
type Period struct {
	From, To time.Time
	Label    string
}

// PeriodOf returns the week (Monday first) or month that contains t in loc.
func PeriodOf(kind PeriodKind, t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	y, m, d := t.Date()
	if kind == Month {
		from := time.Date(y, m, 1, 0, 0, 0, 0, loc)
		return Period{From: from, To: from.AddDate(0, 1, 0), Label: from.Format("2006-01")}
	}
	wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
	from := time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
	iy, iw := from.ISOWeek()
	return Period{From: from, To: from.AddDate(0, 0, 7), Label: fmt.Sprintf("%d-W%02d", iy, iw)}
}

// Periods returns n periods ending with the one containing t, oldest first.
func Periods(kind PeriodKind, t time.Time, loc *time.Location, n int) []Period {
	out := make([]Period, n)
	p := PeriodOf(kind, t, loc)
	for i := n - 1; i >= 0; i-- {
		out[i] = p
		p = PeriodOf(kind, p.From.Add(-time.Hour), loc)
	}
	return out
}

// StatsQuery selects answers and requests in [From, To).
type StatsQuery struct {
	From, To   time.Time
	By         string    // "", ByTeam or ByStaff
	TemplateID guanxi.ID // 0: every template
}

// GroupStats are the counts of one team, one staff member or the total.
type GroupStats struct {
	ID       guanxi.ID `db:"group_id"`
	Name     string    `db:"group_name"`
	Sent     int64     `db:"sent"`
	Answered int64     `db:"answered"`
	Low      int64     `db:"low"`
	Tally
}

// Completion is answered ÷ sent in percent; ok is false when nothing was sent.
func (g GroupStats) Completion() (float64, bool) {
	if g.Sent == 0 {
		return 0, false
	}
	return float64(g.Answered) * 100 / float64(g.Sent), true
}

// ItemStats are the counts of one item key.
type ItemStats struct {
	Key  string   `db:"item_key"`
	Type ItemType `db:"item_type"`
	Text string   `db:"-"`
	Tally
}

// Stats is what the store counts for one range.
type Stats struct {
	Total  GroupStats
	Groups []GroupStats
	Items  []ItemStats
}

// ReportQuery asks for a report.
type ReportQuery struct {
	Kind       PeriodKind
	At         time.Time // any moment in the period wanted
	Loc        *time.Location
	By         string
	TemplateID guanxi.ID
	Lang       string
}

// Report is a follow-up report: the period's totals, groups and items, and
// the trend of the last TrendPeriods periods.
type Report struct {
	Query  ReportQuery
	Period Period
	Stats
	Trend []TrendPoint
}

// TrendPoint is the totals of one period.
type TrendPoint struct {
	Period Period
	GroupStats
}

// Report builds the report (survey.admin; the customers of the actor's scope).
func (s *Service) Report(ctx context.Context, a guanxi.Actor, q ReportQuery) (Report, error) {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		return Report{}, err
	}
	if q.Kind != Week && q.Kind != Month {
		return Report{}, guanxi.Invalid(guanxi.Field("period", "validation.enum"))
	}
	if q.By != "" && q.By != ByTeam && q.By != ByStaff {
		return Report{}, guanxi.Invalid(guanxi.Field("by", "validation.enum"))
	}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	if q.At.IsZero() {
		q.At = s.now()
	}
	periods := Periods(q.Kind, q.At, q.Loc, TrendPeriods)
	rep := Report{Query: q, Period: periods[len(periods)-1]}
	st, err := s.Store.SurveyStats(ctx, a, StatsQuery{From: rep.Period.From.UTC(), To: rep.Period.To.UTC(), By: q.By, TemplateID: q.TemplateID})
	if err != nil {
		return Report{}, err
	}
	rep.Stats = st
	if q.TemplateID != 0 {
		if t, err := s.Store.GetTemplate(ctx, a, q.TemplateID, false); err == nil {
			for i := range rep.Items {
				if it, ok := (Version{Items: t.Items}).Item(rep.Items[i].Key); ok {
					rep.Items[i].Text = it.Text(q.Lang)
				}
			}
		}
	}
	for i, p := range periods {
		if i == len(periods)-1 {
			rep.Trend = append(rep.Trend, TrendPoint{Period: p, GroupStats: st.Total})
			break
		}
		ps, err := s.Store.SurveyStats(ctx, a, StatsQuery{From: p.From.UTC(), To: p.To.UTC(), TemplateID: q.TemplateID})
		if err != nil {
			return Report{}, err
		}
		rep.Trend = append(rep.Trend, TrendPoint{Period: p, GroupStats: ps.Total})
	}
	return rep, nil
}
