package calendar

import (
	"testing"
	"time"
)

func TestDayMatchesTimePackage(t *testing.T) {
	for tm := time.Date(1899, 12, 25, 0, 0, 0, 0, time.UTC); tm.Year() < 2201; tm = tm.AddDate(0, 0, 1) {
		d := Date(tm.Date())
		if y, m, dd := d.Date(); y != tm.Year() || m != tm.Month() || dd != tm.Day() {
			t.Fatalf("Date(%v).Date() = %d-%d-%d", tm, y, m, dd)
		}
		if d.Weekday() != tm.Weekday() {
			t.Fatalf("%v: weekday %v, want %v", tm, d.Weekday(), tm.Weekday())
		}
		if d.String() != tm.Format(time.DateOnly) {
			t.Fatalf("%v: String %q", tm, d)
		}
	}
}

func TestDayOfUsesLocation(t *testing.T) {
	sh := shanghai(t)
	// 2026-02-13 17:00 UTC is already 2026-02-14 01:00 in Shanghai.
	u := time.Date(2026, 2, 13, 17, 0, 0, 0, time.UTC)
	if got := DayOf(u, time.UTC); got != Date(2026, 2, 13) {
		t.Errorf("DayOf UTC = %v", got)
	}
	if got := DayOf(u, sh); got != Date(2026, 2, 14) {
		t.Errorf("DayOf Shanghai = %v", got)
	}
	if got := Date(2026, 2, 14).At(Clock(9, 30), sh); !got.Equal(time.Date(2026, 2, 14, 9, 30, 0, 0, sh)) {
		t.Errorf("At = %v", got)
	}
	if got := Date(2026, 2, 14).At(Clock(24, 0), sh); !got.Equal(time.Date(2026, 2, 15, 0, 0, 0, 0, sh)) {
		t.Errorf("At 24:00 = %v", got)
	}
}

func TestParseDay(t *testing.T) {
	if d, err := ParseDay("2026-09-20"); err != nil || d != Date(2026, 9, 20) || d.Weekday() != time.Sunday {
		t.Errorf("ParseDay = %v, %v", d, err)
	}
	for _, s := range []string{"", "2026-9-20", "2026-02-30", "20260920", "2026-09-20x"} {
		if _, err := ParseDay(s); err == nil {
			t.Errorf("ParseDay(%q) accepted", s)
		}
	}
}
