package calendar

import (
	"time"
)

// Day is a civil date counted in days since 1970-01-01 (day 0), so that
// "next day" is d+1 and days compare with < and ==. It has no time zone:
// DayOf and At convert through the caller's *time.Location.
type Day int32

const secondsPerDay = 24 * 60 * 60

// Date returns the day for y-m-d; out-of-range values normalise as in time.Date.
func Date(y int, m time.Month, d int) Day {
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	return Day(floorDiv(u, secondsPerDay))
}

// DayOf returns the civil date of t as seen in loc.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return Date(y, m, d)
}

// ParseDay parses an ISO date such as "2026-02-14".
func ParseDay(s string) (Day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, err
	}
	return Date(t.Date()), nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (d Day) utc() time.Time { return time.Unix(int64(d)*secondsPerDay, 0).UTC() }

// Date returns the year, month and day of d.
func (d Day) Date() (int, time.Month, int) { return d.utc().Date() }

// Year returns the calendar year of d.
func (d Day) Year() int { y, _, _ := d.Date(); return y }

// Weekday returns the day of the week; day 0 (1970-01-01) was a Thursday.
func (d Day) Weekday() time.Weekday {
	return time.Weekday((int64(d)%7 + 7 + int64(time.Thursday)) % 7)
}

// AddDays returns the day n days after d (before it when n < 0).
func (d Day) AddDays(n int) Day { return d + Day(n) }

// At returns the instant at time-of-day t on d in loc. A wall time that a
// daylight-saving change skips (02:30 when clocks jump 02:00→03:00) moves
// forward by the gap (03:30), where time.Date leaves the direction open; a
// repeated one resolves as time.Date does.
func (d Day) At(t TimeOfDay, loc *time.Location) time.Time {
	y, m, dd := d.Date()
	r := time.Date(y, m, dd, 0, 0, int(t), 0, loc)
	_, off := r.Zone()
	if gap := int64(d)*secondsPerDay + int64(t) - (r.Unix() + int64(off)); gap != 0 {
		if o := r.Add(time.Duration(gap) * time.Second); o.After(r) {
			r = o
		}
	}
	return r
}

// String formats d as YYYY-MM-DD.
func (d Day) String() string { return d.utc().Format(time.DateOnly) }
