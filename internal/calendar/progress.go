package calendar

import "time"

// Helpers for SLA warnings. They take the (start, due) pair rather than a
// duration so that the same code serves targets given in business hours
// (AddBusinessDuration) and in business days (AddBusinessDays).

// Progress returns the share of the working time between start and due
// that has passed at now: 0 at start, 1 at due, above 1 when overdue.
// When start and due hold no working time it is 0 before due and 1 after.
func (s Schedule) Progress(start, due, now time.Time) float64 {
	total := s.Elapsed(start, due)
	if total == 0 {
		if now.Before(due) {
			return 0
		}
		return 1
	}
	if now.After(due) {
		return 1 + float64(s.Elapsed(due, now))/float64(total)
	}
	return float64(s.Elapsed(start, now)) / float64(total)
}

// WarnAt returns when percent of the working time between start and due
// will have passed, e.g. 80 for an 80% warning; a job can be scheduled
// for it. Percent is clamped to 0–100; the arithmetic is exact.
func (s Schedule) WarnAt(start, due time.Time, percent int) time.Time {
	p := time.Duration(min(max(percent, 0), 100))
	total := s.Elapsed(start, due)
	return s.AddBusinessDuration(start, total/100*p+total%100*p/100) // no overflow, no float
}

// Reached reports whether now is at or past WarnAt(start, due, percent).
func (s Schedule) Reached(start, due, now time.Time, percent int) bool {
	return !now.Before(s.WarnAt(start, due, percent))
}

// Remaining returns the working time left until due, negative (the
// working time overdue) once now is past due.
func (s Schedule) Remaining(due, now time.Time) time.Duration {
	if now.After(due) {
		return -s.Elapsed(due, now)
	}
	return s.Elapsed(now, due)
}
