package renewal

import (
	"testing"

	"github.com/guanxi-crm/guanxi"
)

func TestLargestRemainder(t *testing.T) {
	cases := []struct {
		counts []int64
		want   []int64
	}{
		{[]int64{1, 1, 1}, []int64{334, 333, 333}},
		{[]int64{2, 1}, []int64{667, 333}},
		{[]int64{1, 2, 3, 7}, []int64{77, 154, 231, 538}},
		{[]int64{5}, []int64{1000}},
		{[]int64{0, 0}, []int64{0, 0}},
		{[]int64{1, 0, 2}, []int64{333, 0, 667}},
	}
	for _, c := range cases {
		got := LargestRemainder(c.counts, 1000)
		var sum int64
		for i := range got {
			sum += got[i]
			if got[i] != c.want[i] {
				t.Errorf("%v: got %v, want %v", c.counts, got, c.want)
				break
			}
		}
		if sum != 1000 && c.counts[0]+c.counts[len(c.counts)-1] > 0 {
			t.Errorf("%v sums to %d", c.counts, sum)
		}
	}
	// Any mix of counts adds up to exactly 100.0%.
	for n := int64(1); n <= 40; n++ {
		counts := []int64{n, n * 3 % 7, 11, n % 5, 1}
		var sum int64
		for _, x := range LargestRemainder(counts, 1000) {
			sum += x
		}
		if sum != 1000 {
			t.Fatalf("%v sums to %d", counts, sum)
		}
	}
}

func TestAddMonthsAndPeriod(t *testing.T) {
	for _, c := range []struct {
		date string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-28"},
		{"2028-01-31", 1, "2028-02-29"},
		{"2026-03-15", 12, "2027-03-15"},
		{"2026-08-31", 6, "2027-02-28"},
		{"2026-12-01", 1, "2027-01-01"},
	} {
		if got, ok := AddMonths(c.date, c.n); !ok || got != c.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", c.date, c.n, got, c.want)
		}
	}
	if _, ok := AddMonths("2026-02-30", 1); ok {
		t.Error("bad date accepted")
	}
	for attrs, want := range map[string]int{"": 12, "6": 6, "1y": 12, "2年": 24, "3个月": 3, "999": 12, "x": 12} {
		h := Holding{Attrs: map[string]any{}}
		if attrs != "" {
			h.Attrs["period"] = attrs
		}
		if got := h.PeriodMonths(); got != want {
			t.Errorf("period %q = %d, want %d", attrs, got, want)
		}
	}
	h := Holding{DueOn: "2026-05-31", Attrs: map[string]any{"period_months": float64(3)}}
	if h.DefaultNewDue() != "2026-08-31" {
		t.Errorf("default new due %s", h.DefaultNewDue())
	}
}

func TestValidate(t *testing.T) {
	active := []string{"too_expensive", "other"}
	r := &Record{DueOn: "2026-03-01", Outcome: Lapsed, ReasonCode: "too_expensive", FeeMinor: 100, NewDueOn: "2027-03-01"}
	if err := Validate(r, active); err != nil || r.FeeMinor != 0 || r.NewDueOn != "" || r.Currency != "CNY" {
		t.Fatalf("lapse: %+v %v", r, err)
	}
	for name, c := range map[string]struct {
		r     Record
		field string
	}{
		"no reason":      {Record{DueOn: "2026-03-01", Outcome: Lapsed}, "reason"},
		"unknown reason": {Record{DueOn: "2026-03-01", Outcome: Lapsed, ReasonCode: "server_unstable"}, "reason"},
		"no new due":     {Record{DueOn: "2026-03-01", Outcome: Renewed}, "new_due_on"},
		"new due early":  {Record{DueOn: "2026-03-01", Outcome: Renewed, NewDueOn: "2026-03-01"}, "new_due_on"},
		"bad new due":    {Record{DueOn: "2026-03-01", Outcome: Renewed, NewDueOn: "2026-3-1"}, "new_due_on"},
		"negative fee":   {Record{DueOn: "2026-03-01", Outcome: Renewed, NewDueOn: "2027-03-01", FeeMinor: -1}, "fee"},
		"bad outcome":    {Record{DueOn: "2026-03-01", Outcome: "maybe"}, "outcome"},
	} {
		err := Validate(&c.r, active)
		if fe := guanxi.AsError(err); err == nil || len(fe.Fields) != 1 || fe.Fields[0].Field != c.field {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestYuan(t *testing.T) {
	for in, want := range map[string]int64{"1200": 120000, "1,200.5": 120050, "¥99.99": 9999, "": 0, "0.1": 10} {
		if got, ok := ParseYuan(in); !ok || got != want {
			t.Errorf("ParseYuan(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"-1", "1.234", "abc"} {
		if _, ok := ParseYuan(bad); ok {
			t.Errorf("ParseYuan(%q) accepted", bad)
		}
	}
	if Yuan(120050) != "1200.50" || Yuan(5) != "0.05" {
		t.Errorf("Yuan: %s %s", Yuan(120050), Yuan(5))
	}
}
