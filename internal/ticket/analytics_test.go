package ticket

import (
	"fmt"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

func TestKPIState(t *testing.T) {
	for _, tc := range []struct {
		k     KPI
		value string
		state string
	}{
		{KPI{Num: 0, Den: 0, Target: 80, Cmp: AtLeast}, "—", "none"}, // no data is not 100%
		{KPI{Num: 4, Den: 5, Target: 80, Cmp: AtLeast}, "80.0", "ok"},
		{KPI{Num: 3, Den: 5, Target: 80, Cmp: AtLeast}, "60.0", "bad"},
		{KPI{Num: 2, Den: 100, Target: 2, Cmp: Below}, "2.0", "bad"}, // complaint rate must stay below 2%
		{KPI{Num: 1, Den: 100, Target: 2, Cmp: Below}, "1.0", "ok"},
		{KPI{Num: 1, Den: 10, Target: 10, Cmp: AtMost}, "10.0", "ok"},
		{KPI{Num: 2, Den: 10, Target: 10, Cmp: AtMost}, "20.0", "bad"},
		{KPI{Num: 0, Den: 10, Target: 5, Cmp: AtMost}, "0.0", "ok"},
	} {
		v, ok := tc.k.Value()
		got := "—"
		if ok {
			got = fmt.Sprintf("%.1f", v)
		}
		if got != tc.value || tc.k.State() != tc.state {
			t.Errorf("%+v: %s %s, want %s %s", tc.k, got, tc.k.State(), tc.value, tc.state)
		}
	}
}

func TestKPIs(t *testing.T) {
	ks := KPIs(Totals{Total: 10, Breached: 1, FirstContact: 6, Resolved: 8, Reopened: 1, Rated: 5, Satisfied: 4}, 1000, DefaultTargets)
	got := ""
	for _, k := range ks {
		got += fmt.Sprintf("%s %d/%d %s; ", k.Key, k.Num, k.Den, k.State())
	}
	want := "breach_rate 1/10 ok; fcr_rate 6/10 ok; complaint_rate 10/1000 ok; satisfaction 4/5 ok; reopen_rate 1/8 bad; "
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestPareto(t *testing.T) {
	rows := Pareto([]ParetoRow{{ID: 1, Name: "b", N: 2}, {ID: 2, Name: "a", N: 5}, {ID: 3, Name: "c", N: 0}, {ID: 4, Name: "a2", N: 2}, {ID: 5, Name: "d", N: 1}})
	got := ""
	for _, r := range rows {
		got += fmt.Sprintf("%d:%d %.0f/%.0f ", r.ID, r.N, r.Share, r.Cumulative)
	}
	if want := "2:5 50/50 4:2 20/70 1:2 20/90 5:1 10/100 "; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if len(Pareto(nil)) != 0 {
		t.Error("empty Pareto")
	}
	// Rounding never leaves the last cumulative share short of 100.
	thirds := Pareto([]ParetoRow{{ID: 1, N: 1}, {ID: 2, N: 1}, {ID: 3, N: 1}})
	if thirds[2].Cumulative != 100 {
		t.Errorf("last cumulative %v", thirds[2].Cumulative)
	}
}

func TestTopN(t *testing.T) {
	var rows []BarRow
	for i := 1; i <= 18; i++ {
		rows = append(rows, BarRow{ID: guanxi.ID(i), Label: fmt.Sprintf("u%02d", i), N: int64(i)})
	}
	top := TopN(rows, 15)
	if len(top) != 16 || top[0].ID != 18 || top[14].ID != 4 || !top[15].Rest || top[15].N != 1+2+3 {
		t.Fatalf("top %+v", top)
	}
	var share float64
	for _, r := range top {
		share += r.Share
	}
	if share < 99.999 || share > 100.001 {
		t.Errorf("shares sum to %v", share)
	}
	if got := TopN(rows[:3], 15); len(got) != 3 || got[0].ID != 3 {
		t.Errorf("short list %+v", got)
	}
	causes := causeBars([]LabelCount{{"态度差", 5}, {"收费", 3}}, 10)
	if len(causes) != 3 || !causes[2].Rest || causes[2].N != 2 || causes[0].Share != 50 {
		t.Errorf("causes %+v", causes)
	}
}

func TestDistribute(t *testing.T) {
	counts := []DurationCount{
		{DurFirstResponse, 30, 1}, {DurFirstResponse, 60, 1}, {DurFirstResponse, 61, 2},
		{DurFirstResponse, 1440, 1}, {DurFirstResponse, 1441, 1}, {DurFirstResponse, 20000, 4},
		{DurFirstResponse, -5, 1}, // recorded before receipt: counts as 0
		{DurResolution, 100, 7},
	}
	d := Distribute(counts, DurFirstResponse)
	if got := fmt.Sprint(d.Buckets); got != "[{le_1h 3} {h1_4 2} {h4_8 0} {h8_24 1} {d1_2 1} {d2_5 0} {d5_10 0} {gt_10d 4}]" {
		t.Errorf("buckets %s", got)
	}
	// 11 values sorted: 0 30 60 61 61 1440 1441 20000×4; rank 6 is 1440, rank 10 is 20000.
	if d.N != 11 || d.P50 != 24 || d.P90 != 20000.0/60 {
		t.Errorf("n %d p50 %v p90 %v", d.N, d.P50, d.P90)
	}
	if want := float64(0+30+60+61+61+1440+1441+80000) / 11 / 60; d.Mean != want {
		t.Errorf("mean %v, want %v", d.Mean, want)
	}
	if e := Distribute(counts, "none"); e.HasData() || len(e.Buckets) != len(DurationBuckets) {
		t.Errorf("empty %+v", e)
	}
}

func TestResolvePeriod(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 3, 31, 17, 0, 0, 0, time.UTC) // 1 April, 01:00 in Shanghai
	q, f, err := ResolvePeriod(AnalyticsQuery{}, now, loc)
	if err != nil {
		t.Fatal(err)
	}
	if q.From != "2025-05-01" || q.To != "2026-04-01" || q.Granularity != Monthly {
		t.Errorf("defaults %+v", q)
	}
	if !f.Start.Equal(time.Date(2025, 4, 30, 16, 0, 0, 0, time.UTC)) || !f.End.Equal(time.Date(2026, 4, 1, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("filter %v – %v", f.Start, f.End)
	}
	for _, tc := range []struct {
		q     AnalyticsQuery
		field string
	}{
		{AnalyticsQuery{From: "2026-13-01"}, "from"},
		{AnalyticsQuery{To: "yesterday"}, "to"},
		{AnalyticsQuery{From: "2026-03-01", To: "2026-02-01"}, "to"},
		{AnalyticsQuery{From: "2010-01-01", To: "2026-02-01"}, "from"},
		{AnalyticsQuery{Granularity: "day"}, "granularity"},
		{AnalyticsQuery{Channel: "fax"}, "channel"},
	} {
		_, _, err := ResolvePeriod(tc.q, now, loc)
		e := guanxi.AsError(err)
		if e == nil || e.Kind != guanxi.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Errorf("%+v: %v, want an error on %s", tc.q, err, tc.field)
		}
	}
}

func TestPeriods(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		day   string
		g     Granularity
		start string
		label string
	}{
		{"2026-02-01", Weekly, "2026-01-26", "2026-W05"}, // a Sunday belongs to the week of the Monday before
		{"2026-01-26", Weekly, "2026-01-26", "2026-W05"},
		{"2027-01-01", Weekly, "2026-12-28", "2026-W53"}, // ISO week-numbering year
		{"2026-02-28", Monthly, "2026-02-01", "2026-02"},
	} {
		s := PeriodStart(day(tc.day), tc.g)
		if s.Format(time.DateOnly) != tc.start || PeriodLabel(s, tc.g) != tc.label {
			t.Errorf("%s %s: %s %s", tc.day, tc.g, s.Format(time.DateOnly), PeriodLabel(s, tc.g))
		}
	}
	v := Volume(AnalyticsQuery{From: "2026-01-15", To: "2026-03-02", Granularity: Monthly},
		[]DayCount{{DayReceived, "2026-01-20", 2}, {DayClosed, "2026-03-02", 1}, {DayReceived, "2026-02-10", 3}, {DayReceived, "2025-12-31", 9}})
	if got := fmt.Sprint(v); got != "[{2026-01 2026-01-01 2 0} {2026-02 2026-02-01 3 0} {2026-03 2026-03-01 0 1}]" {
		t.Errorf("volume %s", got)
	}
}

func TestCategoryPareto(t *testing.T) {
	p := func(id guanxi.ID) *guanxi.ID { return &id }
	cats := []Category{{ID: 1, NameZh: "服务", NameEn: "Service"}, {ID: 2, ParentID: p(1), NameZh: "态度", NameEn: "Attitude"},
		{ID: 3, NameZh: "产品", NameEn: "Product"}}
	top, sub := CategoryPareto([]GroupCount{{CategoryID: 2, N: 3}, {CategoryID: 1, N: 1}, {CategoryID: 3, N: 2}, {CategoryID: 0, N: 1}, {CategoryID: 99, N: 1}}, cats, "en")
	if got := fmt.Sprintf("%v %s %d", top[0].ID, top[0].Name, top[0].N); got != "1 Service 4" || ParetoTotal(top) != 8 {
		t.Errorf("top %+v", top)
	}
	if got := fmt.Sprintf("%v %s %d", sub[0].ID, sub[0].Name, sub[0].N); got != "2 Service / Attitude 3" || ParetoTotal(sub) != 8 {
		t.Errorf("sub %+v", sub)
	}
	for _, r := range sub {
		if r.ID == 0 && r.N != 2 { // no category and an unknown one
			t.Errorf("uncategorised %+v", r)
		}
	}
}
