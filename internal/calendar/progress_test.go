package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestProgressAndWarnings(t *testing.T) {
	s := standard(t)
	// 4 business hours from Friday 16:00 before 春节: due Saturday (调休) 11:30.
	start := at(t, "2026-02-13 16:00")
	due := s.AddBusinessDuration(start, 4*time.Hour)
	// 80% of 240 min is 192: 90 on Friday, then 102 from 09:00 → 10:42.
	tests := []struct {
		now      string
		progress float64
		reached  bool // 80% reached
		left     time.Duration
	}{
		{"2026-02-13 15:00", 0, false, 5 * time.Hour}, // before start: an hour more than the target
		{"2026-02-13 17:00", 0.25, false, 3 * time.Hour},
		{"2026-02-13 23:00", 0.375, false, 150 * time.Minute},
		{"2026-02-14 10:00", 0.625, false, 90 * time.Minute},
		{"2026-02-14 10:41", 191.0 / 240, false, 49 * time.Minute},
		{"2026-02-14 10:42", 0.8, true, 48 * time.Minute},
		{"2026-02-14 11:30", 1, true, 0},
		{"2026-02-24 10:30", 2.5, true, -6 * time.Hour}, // 4.5 h on Saturday, 1.5 h on Tuesday
	}
	for _, tc := range tests {
		now := at(t, tc.now)
		if got := s.Progress(start, due, now); got != tc.progress {
			t.Errorf("Progress at %s = %v, want %v", tc.now, got, tc.progress)
		}
		if got := s.Reached(start, due, now, 80); got != tc.reached {
			t.Errorf("Reached 80%% at %s = %v", tc.now, got)
		}
		if got := s.Remaining(due, now); got != tc.left {
			t.Errorf("Remaining at %s = %v, want %v", tc.now, got, tc.left)
		}
	}
	if got := s.WarnAt(start, due, 80); !got.Equal(at(t, "2026-02-14 10:42")) {
		t.Errorf("WarnAt 80 = %v", got)
	}
	if got := s.WarnAt(start, due, 150); !got.Equal(due) {
		t.Errorf("WarnAt clamps to 100: %v", got)
	}
	if got := s.WarnAt(start, due, -5); !got.Equal(at(t, "2026-02-13 16:00")) {
		t.Errorf("WarnAt clamps to 0: %v", got)
	}
	// A day-based target works the same way: half of 10 days is 5 days.
	due = s.AddBusinessDays(at(t, "2026-09-24 10:00"), 10)
	if got := s.WarnAt(at(t, "2026-09-24 10:00"), due, 50); !got.Equal(at(t, "2026-10-09 10:00")) {
		t.Errorf("WarnAt 50%% of 10 days = %v", got)
	}
	// No working time between start and due.
	night := at(t, "2026-03-02 20:00")
	if s.Progress(night, night, night.Add(-time.Minute)) != 0 || s.Progress(night, night, night) != 1 {
		t.Error("Progress with an empty target")
	}
}

// Random tickets: the due from AddBusinessDays is working time and exactly
// n working days of clock away, and WarnAt lies between start and due.
func TestAddBusinessDaysProperties(t *testing.T) {
	s := standard(t)
	rng := rand.New(rand.NewPCG(10, 10))
	lo := at(t, "2024-12-20 00:00").Unix()
	for range 3000 {
		start := time.Unix(lo+rng.Int64N(800*86400), 0)
		n := rng.IntN(30)
		due := s.AddBusinessDays(start, n)
		if !s.IsWorking(due) {
			t.Fatalf("%v + %d = %v is not working time", start, n, due)
		}
		if e := s.Elapsed(start, due); e != time.Duration(n)*7*time.Hour {
			t.Fatalf("%v + %d: Elapsed %v", start, n, e)
		}
		p := rng.IntN(101)
		w := s.WarnAt(start, due, p)
		if w.Before(s.NextWorking(start)) || w.After(due) || !s.Reached(start, due, w, p) {
			t.Fatalf("WarnAt(%v, %v, %d) = %v", start, due, p, w)
		}
	}
}
