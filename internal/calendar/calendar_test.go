package calendar

import (
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's zoneinfo
)

func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func official(t testing.TB) *Calendar {
	t.Helper()
	c, err := New(SatSun, Builtin()...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func day(s string) Day {
	d, err := ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestIsBusinessDay(t *testing.T) {
	c := official(t)
	tests := []struct {
		day  string
		want bool
		name string // holiday key expected from Lookup, if any
	}{
		{"2025-01-01", false, NewYear},
		{"2025-01-02", true, ""},
		{"2025-01-26", true, SpringFestival}, // Sunday, 调休 workday
		{"2025-01-27", true, ""},
		{"2025-01-28", false, SpringFestival},
		{"2025-02-04", false, SpringFestival},
		{"2025-02-05", true, ""},
		{"2025-02-08", true, SpringFestival}, // Saturday, 调休 workday
		{"2025-02-09", false, ""},            // plain Sunday
		{"2025-04-27", true, LabourDay},      // Sunday worked
		{"2025-05-05", false, LabourDay},
		{"2025-06-02", false, DragonBoat},
		{"2025-09-28", true, NationalDay},
		{"2025-10-06", false, MidAutumn},
		{"2025-10-08", false, NationalDay},
		{"2025-10-09", true, ""},
		{"2025-10-11", true, NationalDay},
		{"2026-01-03", false, NewYear},
		{"2026-01-04", true, NewYear}, // Sunday worked
		{"2026-02-13", true, ""},
		{"2026-02-14", true, SpringFestival},
		{"2026-02-23", false, SpringFestival}, // a Monday off
		{"2026-02-28", true, SpringFestival},
		{"2026-04-06", false, Qingming},
		{"2026-05-09", true, LabourDay},
		{"2026-06-19", false, DragonBoat},
		{"2026-09-20", true, NationalDay}, // Sunday worked
		{"2026-09-25", false, MidAutumn},
		{"2026-10-07", false, NationalDay},
		{"2026-10-08", true, ""},
		{"2026-10-10", true, NationalDay},
		{"2026-10-11", false, ""},
		{"2027-01-01", true, ""},  // no 2027 data: a plain Friday
		{"2027-02-06", false, ""}, // a plain Saturday
	}
	for _, tc := range tests {
		d := day(tc.day)
		if got := c.IsBusinessDay(d); got != tc.want {
			t.Errorf("IsBusinessDay(%s %v) = %v", tc.day, d.Weekday(), got)
		}
		if e, _ := c.Lookup(d); e.Name != tc.name {
			t.Errorf("Lookup(%s) name = %q, want %q", tc.day, e.Name, tc.name)
		}
	}
}

func TestYearsWithData(t *testing.T) {
	c := official(t)
	if !slices.Equal(c.Years(), []int{2025, 2026}) || !c.HasData(2026) || c.HasData(2027) || c.HasData(2024) {
		t.Errorf("Years = %v", c.Years())
	}
	if !c.Covers(day("2025-12-20"), day("2026-01-10")) || c.Covers(day("2026-12-20"), day("2027-01-10")) {
		t.Error("Covers")
	}
	// An admin enters 2027; it joins the years with data.
	n2027, err := ParseNotice(2027, "2027-01-01 holiday new_year\n")
	if err != nil {
		t.Fatal(err)
	}
	c, err = New(SatSun, Merge(Builtin(), n2027)...)
	if err != nil || !slices.Equal(c.Years(), []int{2025, 2026, 2027}) || c.IsBusinessDay(day("2027-01-01")) {
		t.Errorf("with 2027: %v %v", c.Years(), err)
	}
}

func TestMergeReplacesYear(t *testing.T) {
	fix := Notice{Year: 2026, Source: "admin", Entries: []Entry{{Day: day("2026-03-02"), Kind: Holiday, Name: Special}}}
	ns := Merge(Builtin(), fix)
	if len(ns) != 2 || ns[1].Source != "admin" || ns[0].Year != 2025 {
		t.Fatalf("Merge = %+v", ns)
	}
	c, err := New(SatSun, ns...)
	if err != nil {
		t.Fatal(err)
	}
	if c.IsBusinessDay(day("2026-03-02")) || !c.IsBusinessDay(day("2026-10-08")) || c.IsBusinessDay(day("2026-02-14")) {
		t.Error("the admin's 2026 should replace the built-in one entirely")
	}
}

func TestNewRefuses(t *testing.T) {
	b := Builtin()
	spill := Notice{Year: 2027, Entries: []Entry{{Day: day("2026-12-31"), Kind: Holiday, Name: NewYear}}}
	clashing := Notice{Year: 2025, Entries: []Entry{{Day: day("2026-01-01"), Kind: Workday}}} // 2026's 元旦
	tests := []struct {
		name    string
		weekend Weekend
		notices []Notice
		field   string
		key     string
	}{
		{"all week off", WeekendOf(0, 1, 2, 3, 4, 5, 6), nil, "weekend", "calendar.weekend_all"},
		{"same year twice", SatSun, []Notice{b[0], b[0]}, "notices[1].year", "calendar.duplicate_year"},
		{"invalid notice", SatSun, []Notice{{Year: 2027, Entries: []Entry{{Day: day("2027-05-01"), Kind: Holiday}}}},
			"notices[0].entries[0].name", "validation.required"},
		{"day set by two notices", SatSun, []Notice{b[1], clashing}, "notices[1].entries[0].day", "calendar.conflicting_day"},
		{"year out of range", SatSun, []Notice{{Year: 20267}}, "notices[0].year", "calendar.year_range"},
	}
	for _, tc := range tests {
		_, err := New(tc.weekend, tc.notices...)
		if !hasField(err, tc.field, tc.key) {
			t.Errorf("%s: err = %v, want %s %s", tc.name, err, tc.field, tc.key)
		}
	}
	// A notice may reach into the previous December.
	if _, err := New(SatSun, append(b, spill)...); err != nil {
		t.Errorf("spill into December: %v", err)
	}
}

func TestOtherWeekend(t *testing.T) {
	// A branch that works Saturdays: only Sunday off; holidays still apply.
	c, err := New(WeekendOf(time.Sunday), Builtin()...)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsBusinessDay(day("2026-03-07")) || c.IsBusinessDay(day("2026-03-08")) || c.IsBusinessDay(day("2026-10-03")) {
		t.Error("Sunday-only weekend")
	}
	if c.Weekend() != WeekendOf(time.Sunday) {
		t.Error("Weekend()")
	}
}

func TestCalendarAddBusinessDays(t *testing.T) {
	c := official(t)
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-09-24", 0, "2026-09-24"},
		{"2026-09-24", 1, "2026-09-28"},
		{"2026-09-24", 4, "2026-10-08"},
		{"2026-09-24", 6, "2026-10-10"}, // Saturday worked
		{"2026-09-24", 10, "2026-10-15"},
		{"2026-09-19", 1, "2026-09-20"}, // Sunday worked
		{"2025-12-31", 1, "2026-01-04"},
		{"2026-02-13", 2, "2026-02-24"},
	}
	for _, tc := range tests {
		if got := c.AddBusinessDays(day(tc.from), tc.n); got.String() != tc.want {
			t.Errorf("AddBusinessDays(%s, %d) = %v, want %s", tc.from, tc.n, got, tc.want)
		}
	}
	if got := c.NextBusinessDay(day("2026-10-01")); got != day("2026-10-08") {
		t.Errorf("NextBusinessDay = %v", got)
	}
	es := c.Entries(day("2026-09-01"), day("2026-10-31"))
	if len(es) != 12 || es[0].Day != day("2026-09-20") || es[11].Day != day("2026-10-10") {
		t.Errorf("Entries = %v", es)
	}
}
