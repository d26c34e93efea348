package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

func standard(t testing.TB) Schedule {
	t.Helper()
	s, err := NewSchedule(official(t), StandardHours(shanghai(t)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// at parses "2006-01-02 15:04" in Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// Hours are 09:00–12:00 and 13:30–17:30 (7 h a day) in every case.
func TestAddBusinessDuration(t *testing.T) {
	s := standard(t)
	h, m := time.Hour, time.Minute
	tests := []struct {
		name  string
		start string
		d     time.Duration
		want  string
	}{
		{"inside, same interval", "2026-03-02 10:00", 1 * h, "2026-03-02 11:00"},
		{"across lunch", "2026-03-02 11:00", 2 * h, "2026-03-02 14:30"},
		{"started at lunch", "2026-03-02 12:10", 1 * h, "2026-03-02 14:30"},
		{"started at an interval's end", "2026-03-02 12:00", 30 * m, "2026-03-02 14:00"},
		{"started at an interval's start", "2026-03-02 13:30", 30 * m, "2026-03-02 14:00"},
		{"uses a morning exactly", "2026-03-02 09:00", 3 * h, "2026-03-02 12:00"},
		{"uses a day exactly: due at close", "2026-03-02 09:00", 7 * h, "2026-03-02 17:30"},
		{"started at close", "2026-03-02 17:30", 1 * m, "2026-03-03 09:01"},
		{"started before opening", "2026-03-02 07:00", 1 * h, "2026-03-02 10:00"},
		{"zero inside", "2026-03-02 10:15", 0, "2026-03-02 10:15"},
		{"zero at night", "2026-03-02 22:00", 0, "2026-03-03 09:00"},
		{"negative is zero", "2026-03-02 12:30", -h, "2026-03-02 13:30"},
		{"Friday into the weekend", "2026-03-06 17:00", 1 * h, "2026-03-09 09:30"},
		{"Saturday start", "2026-03-07 10:00", 1 * h, "2026-03-09 10:00"},
		{"issue: 02-13 16:00 + 4h lands on 调休 Saturday", "2026-02-13 16:00", 4 * h, "2026-02-14 11:30"},
		{"调休 Saturday used whole", "2026-02-13 17:00", 7 * h, "2026-02-14 17:00"},
		{"调休 Saturday into 春节", "2026-02-14 17:00", 1 * h, "2026-02-24 09:30"},
		{"started during 国庆 2026", "2026-10-03 10:00", 1 * h, "2026-10-08 10:00"},
		{"调休 Sunday 09-20", "2026-09-19 10:00", 1 * h, "2026-09-20 10:00"},
		{"10 business days from 09-24", "2026-09-24 09:00", 70 * h, "2026-10-14 17:30"},
		{"year boundary into 元旦 and 调休 Sunday", "2025-12-31 17:00", 1 * h, "2026-01-04 09:30"},
		{"2025 春节 调休 Sunday", "2025-01-24 17:00", 7 * h, "2025-01-26 17:00"},
		{"2025 春节", "2025-01-27 17:00", 1 * h, "2025-02-05 09:30"},
		{"2025 国庆+中秋", "2025-09-30 17:00", 1 * h, "2025-10-09 09:30"},
		{"2025 劳动节 调休 Sunday", "2025-04-26 10:00", 1 * h, "2025-04-27 10:00"},
		{"2025 端午", "2025-05-30 17:00", 1 * h, "2025-06-03 09:30"},
		{"2027 has no data: weekends only", "2027-09-30 17:00", 1 * h, "2027-10-01 09:30"},
		{"many days across a year", "2025-12-01 09:00", 7 * 40 * h, "2026-01-26 17:30"},
	}
	for _, tc := range tests {
		start, want := at(t, tc.start), at(t, tc.want)
		if got := s.AddBusinessDuration(start, tc.d); !got.Equal(want) {
			t.Errorf("%s: %s + %v = %v, want %v", tc.name, tc.start, tc.d, got.Format("2006-01-02 15:04 Mon"), tc.want)
		}
		if got := s.Elapsed(start, want); tc.d > 0 && got != tc.d {
			t.Errorf("%s: Elapsed = %v, want %v", tc.name, got, tc.d)
		}
	}
}

func TestAddBusinessDays(t *testing.T) {
	s := standard(t)
	tests := []struct {
		name  string
		start string
		n     int
		want  string
	}{
		{"Friday afternoon to 调休 Saturday", "2026-02-13 16:00", 1, "2026-02-14 16:00"},
		{"调休 Saturday over 春节", "2026-02-14 10:00", 1, "2026-02-24 10:00"},
		{"Friday night: clock starts Monday 09:00", "2026-03-06 20:00", 1, "2026-03-10 09:00"},
		{"lunch: clock starts 13:30", "2026-03-02 12:30", 1, "2026-03-03 13:30"},
		{"at close: clock starts next morning", "2026-03-02 17:30", 1, "2026-03-04 09:00"},
		{"during 国庆, n=0", "2026-10-03 10:00", 0, "2026-10-08 09:00"},
		{"during 国庆, n=1", "2026-10-03 10:00", 1, "2026-10-09 09:00"},
		{"during 国庆, n=2 is 调休 Saturday", "2026-10-03 10:00", 2, "2026-10-10 09:00"},
		{"Saturday: clock starts on 调休 Sunday 09-20", "2026-09-19 11:00", 1, "2026-09-21 09:00"},
		{"10 business days from 09-24", "2026-09-24 10:00", 10, "2026-10-15 10:00"},
		{"year boundary", "2025-12-31 10:00", 1, "2026-01-04 10:00"},
		{"2025 春节 调休 Sunday", "2025-01-24 10:00", 1, "2025-01-26 10:00"},
		{"2025 over 春节", "2025-01-24 10:00", 3, "2025-02-05 10:00"},
		{"2025 国庆 调休 Saturday", "2025-10-09 15:00", 2, "2025-10-11 15:00"},
		{"into a year without data", "2026-12-31 10:00", 1, "2027-01-01 10:00"},
		{"a year of business days: 2025 had 248", "2025-01-02 10:00", 247, "2025-12-31 10:00"},
	}
	for _, tc := range tests {
		start, want := at(t, tc.start), at(t, tc.want)
		got := s.AddBusinessDays(start, tc.n)
		if !got.Equal(want) {
			t.Errorf("%s: %s + %d days = %v, want %v", tc.name, tc.start, tc.n, got.Format("2006-01-02 15:04 Mon"), tc.want)
		}
		// n business days after the clock starts are n full working days.
		if e := s.Elapsed(start, got); e != time.Duration(tc.n)*s.Hours().Daily() {
			t.Errorf("%s: Elapsed = %v", tc.name, e)
		}
	}
	sec := at(t, "2026-03-02 10:00").Add(17*time.Second + 5)
	if got := s.AddBusinessDays(sec, 1); !got.Equal(at(t, "2026-03-03 10:00").Add(17*time.Second + 5)) {
		t.Errorf("lost sub-minute precision: %v", got)
	}
}

func TestElapsed(t *testing.T) {
	s := standard(t)
	tests := []struct {
		start, now string
		want       time.Duration
	}{
		{"2026-02-13 16:00", "2026-02-24 10:00", 9*time.Hour + 30*time.Minute},
		{"2026-03-02 18:00", "2026-03-03 09:30", 30 * time.Minute},
		{"2026-03-02 12:00", "2026-03-02 13:30", 0},
		{"2026-03-02 10:00", "2026-03-02 10:00", 0},
		{"2026-03-03 10:00", "2026-03-02 10:00", 0}, // now before start
		{"2026-10-01 00:00", "2026-10-08 00:00", 0},
		{"2026-09-24 09:00", "2026-10-14 17:30", 70 * time.Hour},
		{"2025-01-01 00:00", "2026-01-01 00:00", 248 * 7 * time.Hour}, // 2025 had 248 working days
	}
	for _, tc := range tests {
		if got := s.Elapsed(at(t, tc.start), at(t, tc.now)); got != tc.want {
			t.Errorf("Elapsed(%s, %s) = %v, want %v", tc.start, tc.now, got, tc.want)
		}
	}
}

func TestIsWorking(t *testing.T) {
	s := standard(t)
	for in, want := range map[string]bool{
		"2026-03-02 09:00": true, "2026-03-02 11:59": true, "2026-03-02 12:00": false,
		"2026-03-02 13:30": true, "2026-03-02 17:30": false, "2026-03-02 08:59": false,
		"2026-02-14 10:00": true, "2026-02-16 10:00": false, "2026-09-20 10:00": true,
	} {
		if got := s.IsWorking(at(t, in)); got != want {
			t.Errorf("IsWorking(%s) = %v", in, got)
		}
	}
	// Time zones: 01:30 UTC is 09:30 in Shanghai.
	if !s.IsWorking(time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)) {
		t.Error("IsWorking must read instants in the schedule's zone")
	}
}

func TestNewScheduleRefuses(t *testing.T) {
	if _, err := NewSchedule(nil, StandardHours(time.UTC)); !hasField(err, "calendar", "validation.required") {
		t.Errorf("nil calendar: %v", err)
	}
	if _, err := NewSchedule(official(t), Hours{}); !hasField(err, "hours", "calendar.hours_empty") {
		t.Errorf("zero hours: %v", err)
	}
}

// schedules used by the property tests: ordinary, odd, whole-day, and one
// in a zone with daylight saving so that 23- and 25-hour days occur.
func propertySchedules(t *testing.T) map[string]Schedule {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Schedule{}
	for name, spec := range map[string]struct {
		loc   *time.Location
		hours string
	}{
		"standard": {shanghai(t), "09:00-12:00, 13:30-17:30"},
		"odd":      {shanghai(t), "00:00-00:01, 08:15-11:45, 12:00-12:01, 18:00-24:00"},
		"allday":   {shanghai(t), "00:00-24:00"},
		"newyork":  {ny, "00:30-03:30, 09:00-17:00, 23:00-24:00"},
	} {
		h, err := ParseHours(spec.loc, spec.hours)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSchedule(official(t), h)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	return out
}

// Elapsed inverts AddBusinessDuration, and the due instant is the
// earliest one: a nanosecond earlier, less time has passed.
func TestElapsedInvertsAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 214))
	lo := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	hi := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for name, s := range propertySchedules(t) {
		for range 2000 {
			start := time.Unix(0, lo+rng.Int64N(hi-lo))
			if rng.IntN(3) == 0 { // whole minutes hit boundaries exactly
				start = start.Truncate(time.Minute)
			}
			d := time.Duration(rng.Int64N(int64(300 * time.Hour)))
			if rng.IntN(3) == 0 {
				d = d.Truncate(30 * time.Minute)
			}
			due := s.AddBusinessDuration(start, d)
			if got := s.Elapsed(start, due); got != d {
				t.Fatalf("%s: Elapsed(%v, Add(%v)=%v) = %v", name, start, d, due, got)
			}
			if d > 0 && s.Elapsed(start, due.Add(-1)) >= d {
				t.Fatalf("%s: %v + %v = %v is not the earliest due", name, start, d, due)
			}
			if due.Before(start) {
				t.Fatalf("%s: due %v before start %v", name, due, start)
			}
		}
	}
}

// Elapsed agrees with a minute-by-minute count that shares none of its
// interval walking.
func TestElapsedAgainstMinuteCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 20))
	base := time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC)
	for name, s := range propertySchedules(t) {
		loc := s.Hours().Location()
		for range 40 {
			start := base.Add(time.Duration(rng.IntN(60*24*60)) * time.Minute)
			now := start.Add(time.Duration(rng.IntN(6*24*60)) * time.Minute)
			var want time.Duration
			for m := start; m.Before(now); m = m.Add(time.Minute) {
				l := m.In(loc)
				tod := TimeOfDay(l.Hour()*3600 + l.Minute()*60)
				if !s.Calendar().IsBusinessDay(DayOf(l, loc)) {
					continue
				}
				for _, iv := range s.Hours().Intervals() {
					if tod >= iv.Start && tod < iv.End {
						want += time.Minute
					}
				}
			}
			if got := s.Elapsed(start, now); got != want {
				t.Fatalf("%s: Elapsed(%v, %v) = %v, minute count %v", name, start, now, got, want)
			}
		}
	}
}

func TestDaylightSavingDay(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	h, _ := ParseHours(ny, "00:00-24:00")
	cal, _ := New(WeekendOf()) // every day a business day
	s, _ := NewSchedule(cal, h)
	springForward := time.Date(2026, 3, 8, 0, 0, 0, 0, ny)
	if got := s.Elapsed(springForward, springForward.AddDate(0, 0, 1)); got != 23*time.Hour {
		t.Errorf("2026-03-08 in New York has %v of working time, want 23h", got)
	}
	if got := s.AddBusinessDays(time.Date(2026, 3, 7, 2, 30, 0, 0, ny), 1); got.Hour() != 3 || got.Minute() != 30 {
		t.Errorf("02:30 does not exist on 03-08; want 03:30, got %v", got)
	}
}

// BenchmarkAddBusinessDays computes a 10-business-day due for 100k tickets
// opened at minute steps through 2025–2026.
func BenchmarkAddBusinessDays(b *testing.B) {
	s := standard(b)
	starts := make([]time.Time, 100_000)
	t0 := at(b, "2025-01-01 00:00")
	for i := range starts {
		starts[i] = t0.Add(time.Duration(i) * 10 * time.Minute)
	}
	var sink time.Time
	for b.Loop() {
		for _, st := range starts {
			sink = s.AddBusinessDays(st, 10)
		}
	}
	_ = sink
}

func BenchmarkAddBusinessDuration(b *testing.B) {
	s := standard(b)
	starts := make([]time.Time, 100_000)
	t0 := at(b, "2025-01-01 00:00")
	for i := range starts {
		starts[i] = t0.Add(time.Duration(i) * 10 * time.Minute)
	}
	var sink time.Time
	for b.Loop() {
		for _, st := range starts {
			sink = s.AddBusinessDuration(st, 70*time.Hour)
		}
	}
	_ = sink
}
