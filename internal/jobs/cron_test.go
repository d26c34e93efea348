package jobs

import (
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestCronNextInTimeZones(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	sh := mustLoc(t, "Asia/Shanghai")
	cases := []struct {
		name, cron, tz string
		after, want    time.Time
	}{
		// 09:00 Shanghai is 01:00 UTC all year (no DST).
		{"shanghai daily", "0 9 * * *", "Asia/Shanghai",
			time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)},
		{"default zone is shanghai", "0 9 * * *", "",
			time.Date(2026, 3, 1, 0, 30, 0, 0, time.UTC), time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)},
		{"shanghai monday 08:30", "30 8 * * 1", "Asia/Shanghai",
			time.Date(2026, 11, 26, 0, 0, 0, 0, sh), time.Date(2026, 11, 30, 8, 30, 0, 0, sh)},
		// New York: 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00 UTC; DST
		// began 2026-03-08 02:00 local.
		{"new york before DST", "0 9 * * *", "America/New_York",
			time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC), time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC)},
		{"new york across spring forward", "0 9 * * *", "America/New_York",
			time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 13, 0, 0, 0, time.UTC)},
		{"new york across fall back", "0 9 * * *", "America/New_York",
			time.Date(2026, 10, 31, 14, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 14, 0, 0, 0, time.UTC)},
		// 02:30 does not exist on 2026-03-08 in New York; the next 02:30 is the day after.
		{"new york skipped hour", "30 2 * * *", "America/New_York",
			time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 2, 30, 0, 0, ny)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cr, err := ParseCron(c.cron, c.tz)
			if err != nil {
				t.Fatal(err)
			}
			if got := cr.Next(c.after); !got.Equal(c.want) {
				t.Fatalf("Next(%v) = %v (%v UTC), want %v", c.after, got, got.UTC(), c.want.UTC())
			}
		})
	}
}

// An occurrence in the repeated hour of fall back fires once, not twice.
func TestCronFallBackFiresOnce(t *testing.T) {
	cr, err := ParseCron("30 1 * * *", "America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC) // 00:00 EDT
	to := time.Date(2026, 11, 2, 4, 0, 0, 0, time.UTC)
	var fires []time.Time
	for f := cr.Next(from); f.Before(to); f = cr.Next(f) {
		fires = append(fires, f)
	}
	if len(fires) != 1 || !fires[0].Equal(time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC)) {
		t.Fatalf("fires on fall-back day = %v, want only 01:30 EDT (05:30 UTC)", fires)
	}
}

func TestCronLatestDueAfterDowntime(t *testing.T) {
	cr, err := ParseCron("*/5 * * * *", "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 1, 3, 7, 12, 0, 0, time.UTC)
	got, ok := cr.LatestDue(last, now)
	if !ok || !got.Equal(time.Date(2026, 1, 3, 7, 10, 0, 0, time.UTC)) {
		t.Fatalf("LatestDue = %v %v, want 07:10 UTC", got, ok)
	}
	if _, ok := cr.LatestDue(got, now); ok {
		t.Fatal("nothing is due after the latest occurrence")
	}
	// A gap longer than the catch-up walk still lands on the latest occurrence.
	got, ok = cr.LatestDue(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), now)
	if !ok || !got.Equal(time.Date(2026, 1, 3, 7, 10, 0, 0, time.UTC)) {
		t.Fatalf("LatestDue after years = %v %v", got, ok)
	}
}

func TestParseCronRejects(t *testing.T) {
	for _, c := range []struct{ cron, tz string }{
		{"", "Asia/Shanghai"},
		{"61 * * * *", "Asia/Shanghai"},
		{"* * *", "Asia/Shanghai"},
		{"0 9 * * *", "Mars/Olympus"},
		{"CRON_TZ=UTC 0 9 * * *", "Asia/Shanghai"},
	} {
		if _, err := ParseCron(c.cron, c.tz); err == nil {
			t.Errorf("ParseCron(%q, %q) accepted", c.cron, c.tz)
		}
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	s := &Service{BackoffBase: 10 * time.Second, BackoffCap: time.Hour}
	for n := 1; n <= 12; n++ {
		full := min(10*time.Second<<(n-1), time.Hour)
		for range 50 {
			d := s.Backoff(n)
			if d < full/2 || d > full {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", n, d, full/2, full)
			}
		}
	}
	if d := s.Backoff(1000); d > time.Hour || d < 30*time.Minute {
		t.Fatalf("Backoff(1000) = %v, want capped at 1h", d)
	}
}

// An every-15-minutes schedule keeps firing through the repeated hour.
func TestCronFallBackWildcardHourKeepsFiring(t *testing.T) {
	cr, err := ParseCron("*/15 * * * *", "America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC) // 01:00 EDT
	to := time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)   // 02:00 EST
	n := 0
	for f := cr.Next(from); f.Before(to); f = cr.Next(f) {
		n++
	}
	if n != 7 { // 01:15, 01:30, 01:45 EDT, 01:00 … 01:45 EST
		t.Fatalf("fires in two real hours = %d, want 7", n)
	}
}
