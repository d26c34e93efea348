package ticket

import (
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// TopBars is how many units, staff and root causes a chart names; the rest
// are summed into one bar.
const TopBars = 15

// maxAnalyticsDays bounds the period so one request cannot ask for decades
// of weekly points.
const maxAnalyticsDays = 5 * 366

// ResolvePeriod fills in the query's defaults (the last 12 months up to
// today, by month), validates it and returns the store filter: local days
// in loc turned into UTC instants, To included.
func ResolvePeriod(q AnalyticsQuery, now time.Time, loc *time.Location) (AnalyticsQuery, AnalyticsFilter, error) {
	var f guanxi.Fields
	today := now.In(loc)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if q.To != "" {
		t, err := time.Parse(time.DateOnly, q.To)
		if err != nil {
			f.Add("to", "validation.date")
		}
		to = t
	}
	from := time.Date(to.Year(), to.Month()-11, 1, 0, 0, 0, 0, time.UTC)
	if q.From != "" {
		t, err := time.Parse(time.DateOnly, q.From)
		if err != nil {
			f.Add("from", "validation.date")
		}
		from = t
	}
	if q.Granularity == "" {
		q.Granularity = Monthly
	}
	if q.Granularity != Monthly && q.Granularity != Weekly {
		f.Add("granularity", "validation.enum")
	}
	if q.Channel != "" && !validChannel(q.Channel) {
		f.Add("channel", "validation.enum")
	}
	if len(f) == 0 {
		if to.Before(from) {
			f.Add("to", "validation.date_order")
		} else if to.Sub(from) > maxAnalyticsDays*24*time.Hour {
			f.Add("from", "analytics.period_too_long", map[string]any{"years": 5})
		}
	}
	if err := f.Err(); err != nil {
		return q, AnalyticsFilter{}, err
	}
	q.From, q.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	local := func(d time.Time) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).UTC()
	}
	return q, AnalyticsFilter{Start: local(from), End: local(to.AddDate(0, 0, 1)),
		OrgUnitID: q.OrgUnitID, CategoryID: q.CategoryID, Channel: q.Channel}, nil
}

// PeriodStart is the first day of the period holding day: the 1st of the
// month, or the Monday of the (ISO) week.
func PeriodStart(day time.Time, g Granularity) time.Time {
	if g == Weekly {
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return time.Date(day.Year(), day.Month(), day.Day()-back, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// PeriodLabel names the period starting at start: 2026-03, or 2026-W09
// (ISO week-numbering year).
func PeriodLabel(start time.Time, g Granularity) string {
	if g == Weekly {
		y, w := start.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	}
	return start.Format("2006-01")
}

func nextPeriod(start time.Time, g Granularity) time.Time {
	if g == Weekly {
		return start.AddDate(0, 0, 7)
	}
	return start.AddDate(0, 1, 0)
}

// Volume spreads day counts over every period of the query, empty periods
// included; days outside the query's periods are ignored.
func Volume(q AnalyticsQuery, days []DayCount) []VolumePoint {
	from, err1 := time.Parse(time.DateOnly, q.From)
	to, err2 := time.Parse(time.DateOnly, q.To)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []VolumePoint
	index := map[string]int{}
	for s := PeriodStart(from, q.Granularity); !s.After(to); s = nextPeriod(s, q.Granularity) {
		key := s.Format(time.DateOnly)
		index[key] = len(out)
		out = append(out, VolumePoint{Label: PeriodLabel(s, q.Granularity), Start: key})
	}
	for _, d := range days {
		day, err := time.Parse(time.DateOnly, d.Day)
		if err != nil {
			continue
		}
		i, ok := index[PeriodStart(day, q.Granularity).Format(time.DateOnly)]
		if !ok {
			continue
		}
		switch d.Kind {
		case DayReceived:
			out[i].Registered += d.N
		case DayClosed:
			out[i].Closed += d.N
		}
	}
	return out
}

// CategoryPareto returns the Pareto of the top level of the tree (each
// count rolled up to its root) and of the categories as recorded, named in
// lang; a child is named "parent / child".
func CategoryPareto(groups []GroupCount, cats []Category, lang string) (top, sub []ParetoRow) {
	byID := make(map[guanxi.ID]Category, len(cats))
	for _, c := range cats {
		byID[c.ID] = c
	}
	root := func(id guanxi.ID) guanxi.ID {
		for range 16 { // a bound against a cycle in bad data
			c, ok := byID[id]
			if !ok || c.ParentID == nil {
				return id
			}
			id = *c.ParentID
		}
		return id
	}
	name := func(id guanxi.ID) string {
		c, ok := byID[id]
		if !ok {
			return ""
		}
		if c.ParentID != nil {
			if p, ok := byID[*c.ParentID]; ok {
				return p.Name(lang) + " / " + c.Name(lang)
			}
		}
		return c.Name(lang)
	}
	topN, subN := map[guanxi.ID]int64{}, map[guanxi.ID]int64{}
	for _, g := range groups {
		id := g.CategoryID
		if _, ok := byID[id]; !ok {
			id = 0
		}
		subN[id] += g.N
		if id != 0 {
			id = root(id)
		}
		topN[id] += g.N
	}
	rows := func(m map[guanxi.ID]int64) []ParetoRow {
		out := make([]ParetoRow, 0, len(m))
		for id, n := range m {
			out = append(out, ParetoRow{ID: id, Name: name(id), N: n})
		}
		return Pareto(out)
	}
	return rows(topN), rows(subN)
}

// groupBars sums the groups along one axis into a top list.
func groupBars(groups []GroupCount, key func(GroupCount) (guanxi.ID, string)) []BarRow {
	idx := map[guanxi.ID]int{}
	var rows []BarRow
	for _, g := range groups {
		id, label := key(g)
		i, ok := idx[id]
		if !ok {
			i = len(rows)
			idx[id] = i
			rows = append(rows, BarRow{ID: id, Label: label})
		}
		rows[i].N += g.N
	}
	return TopN(rows, TopBars)
}

// BuildReport turns the store's counts into the report of q (already
// resolved by ResolvePeriod), naming categories in lang.
func BuildReport(q AnalyticsQuery, c AnalyticsCounts, cats []Category, g Targets, lang string) Report {
	r := Report{Query: q, Totals: c.Totals, KPIs: KPIs(c.Totals, c.ActiveCustomers, g), Volume: Volume(q, c.Days)}
	r.Categories, r.Subcategories = CategoryPareto(c.Groups, cats, lang)
	r.Units = groupBars(c.Groups, func(g GroupCount) (guanxi.ID, string) { return g.UnitID, g.UnitName })
	r.Staff = groupBars(c.Groups, func(g GroupCount) (guanxi.ID, string) { return g.AssigneeID, g.AssigneeName })
	r.RootCauses = causeBars(c.RootCauses, c.Totals.WithCause)
	r.FirstResponse = Distribute(c.Durations, DurFirstResponse)
	r.Resolution = Distribute(c.Durations, DurResolution)
	return r
}

// ParetoTotal is the number of tickets a Pareto counts.
func ParetoTotal(rows []ParetoRow) int64 {
	var n int64
	for _, r := range rows {
		n += r.N
	}
	return n
}

// causeBars lists the top root causes the store found and sums the
// tickets with any other cause into the Rest bar.
func causeBars(top []LabelCount, withCause int64) []BarRow {
	rows := make([]BarRow, 0, len(top)+1)
	for _, x := range top {
		rows = append(rows, BarRow{Label: x.Label, N: x.N})
		withCause -= x.N
	}
	rows = TopN(rows, TopBars)
	switch {
	case withCause <= 0:
	case len(rows) > 0 && rows[len(rows)-1].Rest:
		rows[len(rows)-1].N += withCause
	default:
		rows = append(rows, BarRow{Rest: true, N: withCause})
	}
	var total int64
	for _, r := range rows {
		total += r.N
	}
	for i := range rows {
		rows[i].Share = pct(rows[i].N, total)
	}
	return rows
}
