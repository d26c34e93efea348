// Package calendar is the business calendar behind SLA clocks: Chinese
// public holidays and make-up workdays (调休) from the State Council's
// yearly notices (2025 and 2026 built in, later years entered by admins),
// an org unit's working hours, and arithmetic on working time. It does no
// I/O; the notices it ships are embedded.
package calendar

import (
	"fmt"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Weekend is the set of weekdays that are off unless a notice says
// otherwise, one bit per time.Weekday.
type Weekend uint8

// SatSun is the usual Chinese weekend.
const SatSun Weekend = 1<<time.Saturday | 1<<time.Sunday

// WeekendOf returns the weekend made of days.
func WeekendOf(days ...time.Weekday) Weekend {
	var w Weekend
	for _, d := range days {
		w |= 1 << d
	}
	return w
}

// Has reports whether d is a weekend day.
func (w Weekend) Has(d time.Weekday) bool { return w&(1<<d) != 0 }

const allWeek Weekend = 1<<7 - 1

// Calendar tells business days from days off: the weekend rule, overridden
// day by day by the notices it was built from. It is immutable and safe
// for concurrent use. Years without a notice follow the weekend rule
// alone; Years and Covers say which years had one.
type Calendar struct {
	weekend Weekend
	days    map[Day]Entry
	years   []int // sorted
}

// New builds a calendar from a weekend rule and notices, typically
// Merge(Builtin(), adminNotices...). It refuses a weekend of all seven
// days, an invalid notice, two notices for one year and a day that two
// notices both set. Fields are paths such as "notices[2].entries[0].day".
func New(weekend Weekend, notices ...Notice) (*Calendar, error) {
	var f guanxi.Fields
	if weekend&allWeek == allWeek {
		f.Add("weekend", "calendar.weekend_all")
	}
	c := &Calendar{weekend: weekend & allWeek, days: map[Day]Entry{}}
	from := map[Day]int{} // which notice set each day
	for i, n := range notices {
		if err := n.Validate(); err != nil {
			for _, fe := range guanxi.AsError(err).Fields {
				f.Add(fmt.Sprintf("notices[%d].%s", i, fe.Field), fe.Key, fe.Args)
			}
			continue
		}
		if slices.Contains(c.years, n.Year) {
			f.Add(fmt.Sprintf("notices[%d].year", i), "calendar.duplicate_year", map[string]any{"year": n.Year})
			continue
		}
		c.years = append(c.years, n.Year)
		for j, e := range n.Entries {
			if prev, ok := c.days[e.Day]; ok {
				f.Add(fmt.Sprintf("notices[%d].entries[%d].day", i, j), clash(prev, e),
					map[string]any{"day": e.Day.String(), "other": fmt.Sprintf("notices[%d]", from[e.Day])})
				continue
			}
			c.days[e.Day], from[e.Day] = e, i
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	slices.Sort(c.years)
	return c, nil
}

// IsBusinessDay reports whether d is a working day: a make-up workday
// always is, a holiday never is, and other days follow the weekend rule.
func (c *Calendar) IsBusinessDay(d Day) bool {
	if e, ok := c.days[d]; ok {
		return e.Kind == Workday
	}
	return !c.weekend.Has(d.Weekday())
}

// Lookup returns the notice entry for d, if any.
func (c *Calendar) Lookup(d Day) (Entry, bool) {
	e, ok := c.days[d]
	return e, ok
}

// Entries returns the entries between from and to inclusive, by day, for
// showing a year's arrangement.
func (c *Calendar) Entries(from, to Day) []Entry {
	var out []Entry
	for d, e := range c.days {
		if d >= from && d <= to {
			out = append(out, e)
		}
	}
	sortEntries(out)
	return out
}

// Weekend returns the calendar's weekend rule.
func (c *Calendar) Weekend() Weekend { return c.weekend }

// Years returns the years that have a notice (official or admin-entered).
func (c *Calendar) Years() []int { return slices.Clone(c.years) }

// HasData reports whether year has a notice; without one its holidays are
// unknown and only weekends are off.
func (c *Calendar) HasData(year int) bool {
	_, ok := slices.BinarySearch(c.years, year)
	return ok
}

// Covers reports whether every year from from's to to's has a notice, so
// that a due date computed over that span is exact rather than estimated.
func (c *Calendar) Covers(from, to Day) bool {
	for y := from.Year(); y <= to.Year(); y++ {
		if !c.HasData(y) {
			return false
		}
	}
	return true
}

// NextBusinessDay returns the first business day on or after d.
func (c *Calendar) NextBusinessDay(d Day) Day {
	for !c.IsBusinessDay(d) {
		d++
	}
	return d
}

// AddBusinessDays returns the n-th business day after d (d itself when
// n <= 0), whether or not d is a business day.
func (c *Calendar) AddBusinessDays(d Day, n int) Day {
	for ; n > 0; n-- {
		d = c.NextBusinessDay(d + 1)
	}
	return d
}

func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int { return int(a.Day - b.Day) })
}
