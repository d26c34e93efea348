package calendar

import (
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Schedule is an org unit's business clock: working hours on the business
// days of a calendar. SLA clocks run only inside it. It is a small value,
// safe for concurrent use.
//
// The rules, shared by every method:
//   - Working time is the union of the Hours intervals, half-open
//     [start, end), on each business day, in the Hours' time zone.
//   - A clock started outside working time (at night, at lunch, at the end
//     of an interval, on a weekend or a holiday) starts at the next working
//     moment (NextWorking).
//   - Durations are real elapsed time, so on a daylight-saving change day
//     an interval lasts what the wall clock says it lasts (China has none).
//   - Every loop steps a day at a time, never a minute, so a target of n
//     business days costs O(n + days off) work.
type Schedule struct {
	cal   *Calendar
	hours Hours
}

// NewSchedule pairs a calendar with an org unit's hours.
func NewSchedule(cal *Calendar, hours Hours) (Schedule, error) {
	var f guanxi.Fields
	if cal == nil {
		f.Add("calendar", "validation.required")
	}
	if len(hours.iv) == 0 || hours.loc == nil {
		f.Add("hours", "calendar.hours_empty")
	}
	if err := f.Err(); err != nil {
		return Schedule{}, err
	}
	return Schedule{cal: cal, hours: hours}, nil
}

// Calendar returns the schedule's calendar.
func (s Schedule) Calendar() *Calendar { return s.cal }

// Hours returns the schedule's working hours.
func (s Schedule) Hours() Hours { return s.hours }

// window returns interval iv of day d as instants.
func (s Schedule) window(d Day, iv Interval) (time.Time, time.Time) {
	return d.At(iv.Start, s.hours.loc), d.At(iv.End, s.hours.loc)
}

// AddBusinessDuration returns when d of working time will have passed
// since start: the earliest instant at which Elapsed(start, due) == d.
// When the last interval is used up exactly, due is that interval's end
// (17:30, not 09:00 the next day). For d <= 0 it returns NextWorking(start).
func (s Schedule) AddBusinessDuration(start time.Time, d time.Duration) time.Time {
	rem := max(d, 0)
	for day := DayOf(start, s.hours.loc); ; day++ {
		if !s.cal.IsBusinessDay(day) {
			continue
		}
		for _, iv := range s.hours.iv {
			a, b := s.window(day, iv)
			if a.Before(start) {
				a = start
			}
			if !b.After(a) { // over before start, or skipped by a clock change
				continue
			}
			if rem == 0 {
				return a
			}
			span := b.Sub(a)
			if rem <= span {
				return a.Add(rem)
			}
			rem -= span
		}
	}
}

// NextWorking returns t if it is working time, else the start of the next
// working interval.
func (s Schedule) NextWorking(t time.Time) time.Time { return s.AddBusinessDuration(t, 0) }

// IsWorking reports whether t falls inside working time.
func (s Schedule) IsWorking(t time.Time) bool { return s.NextWorking(t).Equal(t) }

// AddBusinessDays returns the instant n business days after start at the
// same wall-clock time: the clock first moves to NextWorking(start), then
// keeps that time of day on the n-th following business day. So Friday
// 16:00 + 1 is Monday 16:00, Friday 20:00 + 1 is Tuesday 09:00 (the clock
// started Monday 09:00), and a day inside 国庆 counts from the first
// morning back. Because every business day has the same hours, the result
// is always working time. n <= 0 gives NextWorking(start).
func (s Schedule) AddBusinessDays(start time.Time, n int) time.Time {
	t := s.NextWorking(start).In(s.hours.loc)
	due := s.cal.AddBusinessDays(DayOf(t, s.hours.loc), n)
	tod := TimeOfDay(t.Hour()*3600 + t.Minute()*60 + t.Second())
	return due.At(tod, s.hours.loc).Add(time.Duration(t.Nanosecond()))
}

// Elapsed returns the working time between start and now; zero when now
// is not after start.
func (s Schedule) Elapsed(start, now time.Time) time.Duration {
	if !now.After(start) {
		return 0
	}
	var total time.Duration
	last := DayOf(now, s.hours.loc)
	for day := DayOf(start, s.hours.loc); day <= last; day++ {
		if !s.cal.IsBusinessDay(day) {
			continue
		}
		for _, iv := range s.hours.iv {
			a, b := s.window(day, iv)
			if a.Before(start) {
				a = start
			}
			if b.After(now) {
				b = now
			}
			if b.After(a) {
				total += b.Sub(a)
			}
		}
	}
	return total
}
