package ticket

import (
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/calendar"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func standard(t *testing.T) calendar.Schedule {
	t.Helper()
	cal, err := calendar.New(calendar.SatSun, calendar.Builtin()...)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := calendar.NewSchedule(cal, calendar.StandardHours(shanghai))
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestSLAClocks checks due times across weekends, public holidays, 调休
// workdays and working-hour boundaries in 2025 and 2026 (hours 09:00–12:00,
// 13:30–17:30).
func TestSLAClocks(t *testing.T) {
	sch := standard(t)
	for _, tc := range []struct {
		name  string
		start string
		n     int
		unit  TargetUnit
		want  string
	}{
		{"friday afternoon rolls over the weekend", "2026-01-09 16:00", 4, Hours, "2026-01-12 11:30"},
		{"new year 2026 then the Sunday make-up workday", "2025-12-31 16:00", 1, Days, "2026-01-04 16:00"},
		{"Saturday 2026-02-14 is a workday", "2026-02-13 10:00", 1, Days, "2026-02-14 10:00"},
		{"spring festival 2026 skipped", "2026-02-13 10:00", 2, Days, "2026-02-24 10:00"},
		{"10 days over spring festival and the 02-28 workday", "2026-02-13 10:00", 10, Days, "2026-03-05 10:00"},
		{"registered at lunch starts at 13:30", "2026-03-02 12:00", 2, Hours, "2026-03-02 15:30"},
		{"target ending exactly at noon stays at noon", "2026-03-02 11:00", 1, Hours, "2026-03-02 12:00"},
		{"registered at closing time starts next morning", "2026-03-02 17:30", 1, Hours, "2026-03-03 10:00"},
		{"2025 Sunday make-up workday before spring festival", "2025-01-24 16:00", 2, Days, "2025-01-27 16:00"},
		{"national day 2025, eight days off", "2025-09-30 10:00", 1, Days, "2025-10-09 10:00"},
		{"2025-10-11 Saturday workday counts", "2025-09-30 10:00", 3, Days, "2025-10-11 10:00"},
		{"evening before qingming 2025", "2025-04-03 20:00", 4, Hours, "2025-04-07 14:30"},
		{"mid-autumn and national day 2026", "2026-09-18 10:00", 10, Days, "2026-10-09 10:00"},
		{"weekend registration counts from Monday", "2026-03-07 10:00", 1, Days, "2026-03-10 09:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := target(sch, at(tc.start), tc.n, tc.unit)
			if !got.Equal(at(tc.want)) {
				t.Errorf("%s + %d %s = %s, want %s", tc.start, tc.n, tc.unit, got.In(shanghai).Format("2006-01-02 15:04"), tc.want)
			}
		})
	}
}

func TestComputeClocks(t *testing.T) {
	sch := standard(t)
	r := DefaultRules()
	p := Policy{FirstResponse: 10, FirstResponseUnit: Hours, Resolution: 10, ResolutionUnit: Days}
	start := at("2026-03-02 09:00")
	c := ComputeClocks(sch, p, r, start, start, 1)
	check := func(name string, got time.Time, want string) {
		t.Helper()
		if !got.Equal(at(want)) {
			t.Errorf("%s = %s, want %s", name, got.In(shanghai).Format("2006-01-02 15:04"), want)
		}
	}
	check("first response due", c.FirstResponseDue, "2026-03-03 12:00")
	check("first response warning at 80%", c.FirstResponseWarn, "2026-03-03 10:00")
	check("resolution due", c.ResolutionDue, "2026-03-16 09:00")
	check("next escalation", c.NextEscalation, "2026-03-16 09:00")
	check("ombudsman after 8 weeks", c.OmbudsmanDue, "2026-04-27 09:00")
	if got := NextEscalation(sch, r, start, 3); !got.IsZero() {
		t.Errorf("level 3 escalates again at %v", got)
	}
	if got := NextEscalation(sch, r, at("2026-09-18 10:00"), 2); !got.Equal(at("2026-10-09 10:00")) {
		t.Errorf("level 2 over national day: %v", got)
	}
}

func TestMatchPolicy(t *testing.T) {
	ps := []Policy{
		{ID: 1, CategoryID: 0, Severity: "", Resolution: 9},
		{ID: 2, CategoryID: 5, Severity: "", Resolution: 8},
		{ID: 3, CategoryID: 5, Severity: SeverityHigh, Resolution: 7},
		{ID: 4, CategoryID: 0, Severity: SeverityCritical, Resolution: 6},
	}
	for _, tc := range []struct {
		chain []guanxi.ID
		sev   Severity
		want  guanxi.ID
	}{
		{[]guanxi.ID{5}, SeverityHigh, 3},
		{[]guanxi.ID{5}, SeverityLow, 2},
		{[]guanxi.ID{9, 5}, SeverityHigh, 3}, // child inherits its parent's policy
		{[]guanxi.ID{9}, SeverityCritical, 4},
		{nil, SeverityLow, 1},
	} {
		if got := Match(ps, tc.chain, tc.sev); got.ID != tc.want {
			t.Errorf("Match(%v, %s) = %d, want %d", tc.chain, tc.sev, got.ID, tc.want)
		}
	}
	if got := Match(nil, nil, SeverityCritical); got.FirstResponseUnit != Hours || got.Resolution != 2 {
		t.Errorf("default critical policy: %+v", got)
	}
}

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   string
	}{
		{DefaultNumberFormat, "TS-2026-000123"},
		{"CMP{seq:8}", "CMP00000123"},
		{"{year}/{seq}", "2026/123"},
		{"no placeholder", "TS-2026-000123"},
		{"{seq}{seq}", "TS-2026-000123"},
	} {
		if got := FormatNumber(tc.format, 2026, 123); got != tc.want {
			t.Errorf("FormatNumber(%q) = %q, want %q", tc.format, got, tc.want)
		}
	}
	if SequenceName(DefaultNumberFormat, 2026) != "ticket_number_2026" || SequenceName("CMP{seq}", 2026) != "ticket_number" {
		t.Error("sequence names")
	}
}
