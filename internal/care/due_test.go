package care

import (
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/lunar"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func TestAddMonths(t *testing.T) {
	for _, c := range [][3]any{{"2026-01-15", 6, "2026-07-15"}, {"2026-08-31", 6, "2027-02-28"}, {"2024-01-31", 1, "2024-02-29"},
		{"2026-07-15", -6, "2026-01-15"}, {"2026-03-31", -1, "2026-02-28"}, {"2025-11-30", 3, "2026-02-28"}} {
		if got := AddMonths(c[0].(string), c[1].(int)); got != c[2] {
			t.Errorf("AddMonths(%v, %v) = %s, want %v", c[0], c[1], got, c[2])
		}
	}
}

// Feb 29 birthdays are celebrated on Feb 28 in years without one.
func TestFeb29(t *testing.T) {
	if md := MonthDays("2027-02-28"); !slices.Equal(md, []string{"02-28", "02-29"}) {
		t.Fatalf("2027-02-28: %v", md)
	}
	if md := MonthDays("2028-02-28"); !slices.Equal(md, []string{"02-28"}) {
		t.Fatalf("2028-02-28: %v", md)
	}
	if y, ok := CelebratedOn("1988-02-29", "2027-02-28"); !ok || y != 39 {
		t.Fatalf("non-leap year: %d %v", y, ok)
	}
	if _, ok := CelebratedOn("1988-02-29", "2028-02-28"); ok {
		t.Fatal("leap year: celebrated on the 28th")
	}
	if y, ok := CelebratedOn("1988-02-29", "2028-02-29"); !ok || y != 40 {
		t.Fatalf("leap year: %d %v", y, ok)
	}
	if _, ok := CelebratedOn("2026-07-15", "2026-07-15"); ok {
		t.Fatal("a purchase today is no anniversary")
	}
}

// A lunar birthday is the lunar month and day of the solar date of birth.
func TestLunarBirthday(t *testing.T) {
	born := "1990-07-15"
	ld, err := lunar.FromSolar(1990, time.July, 15)
	if err != nil {
		t.Fatal(err)
	}
	y, m, d, err := lunarToSolar(ld, 2026)
	if err != nil {
		t.Fatal(err)
	}
	target := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	occ, ok := LunarBirthday(born, target)
	if !ok || occ != "lunar-2026" {
		t.Fatalf("on %s: %q %v", target, occ, ok)
	}
	if target == "2026-07-15" {
		t.Fatal("the lunar birthday should differ from the solar one in 2026")
	}
	if _, ok := LunarBirthday(born, "2026-07-15"); ok {
		t.Fatal("fired on the solar date")
	}
	// 1990-07-15 is lunar 1990-05-23 (a known conversion).
	if ld.Month != 5 || ld.Day != 23 {
		t.Fatalf("lunar date %+v", ld)
	}
}

func TestExpiryOffset(t *testing.T) {
	offs := []int{1, 7, 30}
	for _, c := range []struct {
		today string
		want  int
		ok    bool
	}{
		{"2026-07-15", 0, false}, // 32 days left: too early
		{"2026-07-17", 30, true}, // 30 left
		{"2026-07-20", 30, true}, // the 30-day notice was missed: still sent
		{"2026-08-09", 7, true},
		{"2026-08-15", 1, true},
		{"2026-08-16", 1, true}, // due today
		{"2026-08-17", 0, false},
	} {
		o, ok := ExpiryOffset("2026-08-16", c.today, offs)
		if o != c.want || ok != c.ok {
			t.Errorf("%s: %d %v, want %d %v", c.today, o, ok, c.want, c.ok)
		}
	}
}

// T30 (CARE-06): last visit 15 Jan, six months → dormant on 15 Jul.
func TestDormancyT30(t *testing.T) {
	last := time.Date(2026, 1, 15, 10, 0, 0, 0, shanghai)
	if _, ok := DormantSince(last, shanghai, 6, "2026-07-14"); ok {
		t.Fatal("dormant on 14 Jul")
	}
	since, ok := DormantSince(last, shanghai, 6, "2026-07-15")
	if !ok || since != "2026-01-15" {
		t.Fatalf("15 Jul: %s %v", since, ok)
	}
	// The SQL cutoff agrees: activity before the start of 16 Jan counts.
	before := DormantBefore("2026-07-15", 6, shanghai)
	if !last.Before(before) || !before.Equal(time.Date(2026, 1, 16, 0, 0, 0, 0, shanghai)) {
		t.Fatalf("cutoff %v", before)
	}
	// A late-evening visit is the local day's (UTC is the day before).
	late := time.Date(2026, 1, 15, 23, 30, 0, 0, shanghai)
	if s, _ := DormantSince(late, shanghai, 6, "2026-07-15"); s != "2026-01-15" {
		t.Fatalf("late visit since %s", s)
	}
}

func TestServiceDue(t *testing.T) {
	if d := ServiceDueOn("2026-01-10", 6, 0, 0); d != "2026-07-10" {
		t.Fatalf("months: %s", d)
	}
	if d := ServiceDueOn("2026-01-10", 6, 5000, 2000); d != "2026-04-10" {
		t.Fatalf("km first: %s", d)
	}
	if d := ServiceDueOn("2026-01-10", 0, 5000, 500); d != "2026-11-10" {
		t.Fatalf("km only: %s", d)
	}
	if n := KMPerMonth(`{"mileage": 24000}`, "2025-01-10", "2026-01-10", 1000); n != 2002 {
		t.Fatalf("km per month from mileage: %d", n)
	}
	if n := KMPerMonth(`{"km_per_month": "1500"}`, "", "2026-01-10", 1000); n != 1500 {
		t.Fatalf("km per month attr: %d", n)
	}
	if n := KMPerMonth(`{}`, "", "2026-01-10", 1000); n != 1000 {
		t.Fatalf("default: %d", n)
	}
}

func TestQuietHours(t *testing.T) {
	in := func(s string) time.Time {
		v, _ := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		return v
	}
	for _, c := range [][2]string{
		{"2026-07-15 06:30", "2026-07-15 08:00"},
		{"2026-07-15 22:00", "2026-07-16 08:00"},
		{"2026-07-15 08:00", "2026-07-15 08:00"},
		{"2026-07-15 20:59", "2026-07-15 20:59"},
	} {
		if got := QuietSendAfter(in(c[0]), shanghai, "21:00", "08:00"); !got.Equal(in(c[1])) {
			t.Errorf("%s → %v, want %s", c[0], got.In(shanghai), c[1])
		}
	}
	if got := QuietSendAfter(in("2026-07-15 12:30"), shanghai, "12:00", "14:00"); !got.Equal(in("2026-07-15 14:00")) {
		t.Errorf("midday window: %v", got)
	}
	if got := QuietSendAfter(in("2026-07-15 12:30"), shanghai, "", ""); !got.Equal(in("2026-07-15 12:30")) {
		t.Errorf("no window: %v", got)
	}
}

func TestPercentages(t *testing.T) {
	for _, ns := range [][]int{{1, 1, 1}, {2, 1}, {5}, {1, 2, 3, 4, 5, 6, 7}, {0, 0}} {
		p := Percentages(ns)
		sum := 0
		for _, x := range p {
			sum += x
		}
		if ns[0] != 0 && sum != 100 {
			t.Errorf("%v → %v (sum %d)", ns, p, sum)
		}
	}
	if p := Percentages([]int{2, 1}); p[0] != 67 || p[1] != 33 {
		t.Errorf("2:1 → %v", p)
	}
}

func TestValidateDefaults(t *testing.T) {
	r := Rule{Name: "到期提醒", Kind: KindExpiry, Channel: ChannelSMS, Params: Params{Offsets: []int{7, 30, 1, 7}, Months: 3}}
	if err := Validate(&r); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Params.Offsets, []int{1, 7, 30}) || r.Params.Months != 0 || r.Template != "care.expiry" ||
		!slices.Equal(r.Params.HoldingKinds, []string{"subscription", "policy", "other"}) {
		t.Fatalf("normalised %+v", r)
	}
	none := Rule{Name: "x", Kind: KindBirthday, Channel: ChannelNone}
	if err := Validate(&none); err == nil {
		t.Fatal("a rule that does nothing")
	}
	d := Rule{Name: "流失", Kind: KindDormancy}
	if err := Validate(&d); err != nil || !d.CreateTask || d.Params.DormantMonths != 6 {
		t.Fatalf("dormancy defaults %+v %v", d, err)
	}
}
