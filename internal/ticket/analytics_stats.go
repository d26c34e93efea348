package ticket

import (
	"cmp"
	"math"
	"slices"
)

// KPI keys, in tile order.
const (
	KPIBreachRate    = "breach_rate"
	KPIFCR           = "fcr_rate"
	KPIComplaintRate = "complaint_rate"
	KPISatisfaction  = "satisfaction"
	KPIReopenRate    = "reopen_rate"
)

// Comparisons of a value with its target.
const (
	AtMost  = "le"
	AtLeast = "ge"
	Below   = "lt"
)

// KPI is one tile: Num of Den in percent against Target.
type KPI struct {
	Key    string
	Num    int64
	Den    int64
	Target float64
	Cmp    string // AtMost, AtLeast or Below
}

// Value is the rate in percent; ok is false when there is nothing to
// divide by (the tile shows "—", never a flattering 100%).
func (k KPI) Value() (v float64, ok bool) {
	if k.Den <= 0 {
		return 0, false
	}
	return float64(k.Num) * 100 / float64(k.Den), true
}

// Met reports whether the value meets the target; ok as for Value.
func (k KPI) Met() (met, ok bool) {
	v, ok := k.Value()
	if !ok {
		return false, false
	}
	switch k.Cmp {
	case AtLeast:
		return v >= k.Target, true
	case Below:
		return v < k.Target, true
	}
	return v <= k.Target, true
}

// State is "ok", "bad" or "none" (no data), for the tile's colour.
func (k KPI) State() string {
	met, ok := k.Met()
	switch {
	case !ok:
		return "none"
	case met:
		return "ok"
	}
	return "bad"
}

// KPIs builds the tiles from the totals and the active-customer count.
func KPIs(t Totals, activeCustomers int64, g Targets) []KPI {
	return []KPI{
		{Key: KPIBreachRate, Num: t.Breached, Den: t.Total, Target: g.BreachRate, Cmp: AtMost},
		{Key: KPIFCR, Num: t.FirstContact, Den: t.Total, Target: g.FCR, Cmp: AtLeast},
		{Key: KPIComplaintRate, Num: t.Total, Den: activeCustomers, Target: g.ComplaintRate, Cmp: Below},
		{Key: KPISatisfaction, Num: t.Satisfied, Den: t.Rated, Target: g.Satisfaction, Cmp: AtLeast},
		{Key: KPIReopenRate, Num: t.Reopened, Den: t.Resolved, Target: g.ReopenRate, Cmp: AtMost},
	}
}

// Pareto sorts rows by count (descending, then name) and fills in each
// row's share and the cumulative share, in percent. Rows without tickets
// are dropped.
func Pareto(rows []ParetoRow) []ParetoRow {
	out := slices.DeleteFunc(slices.Clone(rows), func(r ParetoRow) bool { return r.N <= 0 })
	slices.SortStableFunc(out, func(a, b ParetoRow) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	var total int64
	for _, r := range out {
		total += r.N
	}
	var run int64
	for i := range out {
		run += out[i].N
		out[i].Share = pct(out[i].N, total)
		out[i].Cumulative = pct(run, total)
	}
	if len(out) > 0 {
		out[len(out)-1].Cumulative = 100 // no 99.99 from rounding
	}
	return out
}

// TopN sorts rows by count (descending, then label) and keeps the first n,
// summing the others into one Rest row; shares are of the whole.
func TopN(rows []BarRow, n int) []BarRow {
	out := slices.DeleteFunc(slices.Clone(rows), func(r BarRow) bool { return r.N <= 0 })
	slices.SortStableFunc(out, func(a, b BarRow) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	var total int64
	for _, r := range out {
		total += r.N
	}
	if len(out) > n {
		rest := BarRow{Rest: true}
		for _, r := range out[n:] {
			rest.N += r.N
		}
		out = append(out[:n:n], rest)
	}
	for i := range out {
		out[i].Share = pct(out[i].N, total)
	}
	return out
}

func pct(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) * 100 / float64(of)
}

// Duration bucket keys with their upper bounds in minutes (wall-clock,
// inclusive); the last bucket is open.
var DurationBuckets = []struct {
	Key string
	Max int64
}{
	{"le_1h", 60}, {"h1_4", 4 * 60}, {"h4_8", 8 * 60}, {"h8_24", 24 * 60},
	{"d1_2", 2 * 1440}, {"d2_5", 5 * 1440}, {"d5_10", 10 * 1440}, {"gt_10d", math.MaxInt64},
}

// Bucket is one bar of a duration histogram.
type Bucket struct {
	Key string
	N   int64
}

// Distribution is a histogram of wall-clock durations with the median,
// 90th percentile and mean in hours.
type Distribution struct {
	Buckets        []Bucket
	N              int64
	P50, P90, Mean float64
}

// HasData reports whether any duration was counted.
func (d Distribution) HasData() bool { return d.N > 0 }

// Distribute builds the distribution of one kind from minute counts.
// Percentiles are nearest-rank over the minute values; negative durations
// (a response recorded before the receipt time) count as zero.
func Distribute(counts []DurationCount, kind string) Distribution {
	d := Distribution{Buckets: make([]Bucket, len(DurationBuckets))}
	for i, b := range DurationBuckets {
		d.Buckets[i].Key = b.Key
	}
	type mc struct{ m, n int64 }
	var ms []mc
	var sum float64
	for _, c := range counts {
		if c.Kind != kind || c.N <= 0 {
			continue
		}
		m := max(c.Minutes, 0)
		ms = append(ms, mc{m, c.N})
		d.N += c.N
		sum += float64(m) * float64(c.N)
		for i, b := range DurationBuckets {
			if m <= b.Max {
				d.Buckets[i].N += c.N
				break
			}
		}
	}
	if d.N == 0 {
		return d
	}
	slices.SortFunc(ms, func(a, b mc) int { return cmp.Compare(a.m, b.m) })
	rank := func(p float64) float64 {
		want := int64(math.Ceil(p * float64(d.N)))
		var seen int64
		for _, x := range ms {
			seen += x.n
			if seen >= want {
				return float64(x.m) / 60
			}
		}
		return float64(ms[len(ms)-1].m) / 60
	}
	d.P50, d.P90 = rank(0.5), rank(0.9)
	d.Mean = sum / float64(d.N) / 60
	return d
}
