package ticket

import (
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Complaint analytics (CMP-03, CMP-04, CMP-10, CMP-18, CMP-20; KPI tiles
// of CMP-07): the store counts in SQL (AnalyticsCounts), BuildReport turns
// the counts into periods, Pareto shares, top lists, duration distributions
// and rates against their targets.

// Granularity is the length of one period of the volume chart.
type Granularity string

const (
	Weekly  Granularity = "week"
	Monthly Granularity = "month"
)

// AnalyticsQuery is what the user picks. From and To are local days
// (YYYY-MM-DD, To included); empty means the last 12 months.
type AnalyticsQuery struct {
	From        string
	To          string
	Granularity Granularity
	OrgUnitID   guanxi.ID // the unit and its subtree
	CategoryID  guanxi.ID // the category and its children
	Channel     string
}

// AnalyticsFilter is what the store counts over: tickets received in
// [Start, End) (UTC), never merged ones, in the actor's ticket scope.
type AnalyticsFilter struct {
	Start, End time.Time
	OrgUnitID  guanxi.ID
	CategoryID guanxi.ID
	Channel    string
}

// AnalyticsCounts are the aggregates the store computes in SQL.
type AnalyticsCounts struct {
	Totals Totals
	// ActiveCustomers counts customers at stage 'customer' (C卡), not
	// deleted, in the actor's customer scope (and the unit filter).
	ActiveCustomers int64
	// Days counts tickets received and closed per local day.
	Days []DayCount
	// Groups counts tickets per category, unit and assignee together; the
	// report sums them along each axis.
	Groups []GroupCount
	// RootCauses are the most frequent trimmed root-cause texts (at most
	// TopBars); Totals.WithCause minus their sum is the rest.
	RootCauses []LabelCount
	// Durations count tickets per whole minute to first response and to
	// resolution (wall-clock).
	Durations []DurationCount
}

// Totals are the counts behind the KPI tiles, over tickets received in the
// period.
type Totals struct {
	Total        int64 `db:"total"`
	Closed       int64 `db:"closed"`
	Breached     int64 `db:"breached"`      // a first-response or resolution breach recorded
	FirstContact int64 `db:"first_contact"` // resolved at first contact
	Resolved     int64 `db:"resolved"`      // resolved, closed or reopened at least once
	Reopened     int64 `db:"reopened"`
	Rated        int64 `db:"rated"`      // closed with a satisfaction score
	Satisfied    int64 `db:"satisfied"`  // of those, score ≥ 4
	WithCause    int64 `db:"with_cause"` // a root cause is recorded
}

// Day kinds of DayCount.
const (
	DayReceived = "received"
	DayClosed   = "closed"
)

// DayCount is the number of tickets received or closed on a local day.
type DayCount struct {
	Kind string `db:"kind"`
	Day  string `db:"day"` // YYYY-MM-DD, China time
	N    int64  `db:"n"`
}

// GroupCount is the number of tickets of one category, unit and assignee
// (0: none).
type GroupCount struct {
	CategoryID   guanxi.ID `db:"category_id"`
	UnitID       guanxi.ID `db:"unit_id"`
	UnitName     string    `db:"unit_name"`
	AssigneeID   guanxi.ID `db:"assignee_id"`
	AssigneeName string    `db:"assignee_name"`
	N            int64     `db:"n"`
}

// LabelCount is a count under a free-text label.
type LabelCount struct {
	Label string `db:"label"`
	N     int64  `db:"n"`
}

// Duration kinds of DurationCount.
const (
	DurFirstResponse = "first_response"
	DurResolution    = "resolution"
)

// DurationCount is the number of tickets whose duration rounds to Minutes.
type DurationCount struct {
	Kind    string `db:"kind"`
	Minutes int64  `db:"minutes"`
	N       int64  `db:"n"`
}

// Targets are the KPI goals in percent (settings).
type Targets struct {
	BreachRate    float64 // at most
	FCR           float64 // at least (CMP-10: 50%)
	ComplaintRate float64 // below (CMP-07: < 2%)
	Satisfaction  float64 // at least (CMP-07: ≥ 80%)
	ReopenRate    float64 // at most
}

// DefaultTargets are the goals of the requirements.
var DefaultTargets = Targets{BreachRate: 10, FCR: 50, ComplaintRate: 2, Satisfaction: 80, ReopenRate: 5}

// Report is the complaint analysis of one period.
type Report struct {
	Query  AnalyticsQuery // with From, To and Granularity filled in
	Totals Totals
	KPIs   []KPI
	Volume []VolumePoint
	// Categories is the Pareto of the top level of the category tree,
	// Subcategories of the categories as recorded (second level).
	Categories    []ParetoRow
	Subcategories []ParetoRow
	Units         []BarRow // top 15, the rest summed
	Staff         []BarRow
	RootCauses    []BarRow
	FirstResponse Distribution
	Resolution    Distribution
}

// VolumePoint is one period of the volume chart.
type VolumePoint struct {
	Label      string // 2026-03 or 2026-W09
	Start      string // first day, YYYY-MM-DD
	Registered int64
	Closed     int64
}

// ParetoRow is one bar of a Pareto chart: Share and Cumulative in percent.
type ParetoRow struct {
	ID         guanxi.ID // 0: uncategorised
	Name       string
	N          int64
	Share      float64
	Cumulative float64
}

// BarRow is one bar of a top list; Rest sums what did not make the list;
// ID 0 with an empty Label is "none" (no unit, no assignee).
type BarRow struct {
	ID    guanxi.ID
	Label string
	N     int64
	Share float64
	Rest  bool
}

// RowCount is the number of data rows the report's tables hold (what an
// export writes), for the audit row.
func (r Report) RowCount() int {
	return len(r.KPIs) + len(r.Volume) + len(r.Categories) + len(r.Subcategories) + len(r.Units) +
		len(r.Staff) + len(r.RootCauses) + len(r.FirstResponse.Buckets) + len(r.Resolution.Buckets)
}
