package care

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/lunar"
)

// The date math of the rule kinds. Dates are YYYY-MM-DD strings in the
// business time zone; every function here is pure.

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// AddMonths adds n months to a date, clamping to the month's last day
// (31 Jan + 1 month = 28 or 29 Feb), which is how people count "six months
// after".
func AddMonths(d string, n int) string {
	t, ok := parseDate(d)
	if !ok {
		return d
	}
	y, m := t.Year(), int(t.Month())-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	first := time.Date(y, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	day := min(t.Day(), last)
	return time.Date(y, time.Month(m+1), day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// AddDays returns the date n days after d.
func AddDays(d string, n int) string {
	t, ok := parseDate(d)
	if !ok {
		return d
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// DaysBetween is to - from in days.
func DaysBetween(from, to string) int {
	a, ok1 := parseDate(from)
	b, ok2 := parseDate(to)
	if !ok1 || !ok2 {
		return 0
	}
	return int(b.Sub(a).Hours() / 24)
}

// MonthDays are the "MM-DD" of the dates of birth (or purchase) celebrated
// on target: its own, and 29 Feb on 28 Feb of a year without one.
func MonthDays(target string) []string {
	t, ok := parseDate(target)
	if !ok {
		return nil
	}
	out := []string{target[5:]}
	if t.Month() == time.February && t.Day() == 28 && !isLeap(t.Year()) {
		out = append(out, "02-29")
	}
	return out
}

// CelebratedOn reports whether a yearly event that first happened on the
// date born is celebrated on target, and how many years it is then.
func CelebratedOn(born, target string) (years int, ok bool) {
	b, ok1 := parseDate(born)
	t, ok2 := parseDate(target)
	if !ok1 || !ok2 || !slices.Contains(MonthDays(target), born[5:]) {
		return 0, false
	}
	return t.Year() - b.Year(), t.Year() > b.Year()
}

// LunarBirthday reports whether a person born on the solar date born, who
// celebrates by the lunar calendar, celebrates on target; occurrence names
// the lunar year, as two lunar birthdays can fall in one solar year.
func LunarBirthday(born, target string) (occurrence string, ok bool) {
	b, ok1 := parseDate(born)
	t, ok2 := parseDate(target)
	if !ok1 || !ok2 {
		return "", false
	}
	ld, err := lunar.FromSolar(b.Year(), b.Month(), b.Day())
	if err != nil {
		return "", false
	}
	for _, y := range []int{t.Year() - 1, t.Year()} {
		if y <= ld.Year {
			continue
		}
		sy, sm, sd, err := lunarToSolar(ld, y)
		if err != nil {
			continue
		}
		if sy == t.Year() && sm == t.Month() && sd == t.Day() {
			return "lunar-" + strconv.Itoa(y), true
		}
	}
	return "", false
}

// lunarToSolar finds the solar date of the lunar month and day of birth in
// lunar year y: a leap-month birth celebrates in the regular month, and a
// 30th in a 29-day month on the 29th.
func lunarToSolar(birth lunar.Date, y int) (int, time.Month, int, error) {
	d := lunar.Date{Year: y, Month: birth.Month, Day: birth.Day}
	sy, sm, sd, err := lunar.ToSolar(d)
	if err != nil && d.Day == 30 {
		d.Day = 29
		sy, sm, sd, err = lunar.ToSolar(d)
	}
	return sy, sm, sd, err
}

// FestivalOn returns the festivals of keys that fall on target.
func FestivalOn(keys []string, target string) []string {
	t, ok := parseDate(target)
	if !ok {
		return nil
	}
	var out []string
	for _, k := range keys {
		if m, d, ok := lunar.FestivalDate(k, t.Year()); ok && m == t.Month() && d == t.Day() {
			out = append(out, k)
		}
	}
	return out
}

// ServiceDueOn is when a vehicle serviced (or delivered) on base is due
// again: after months, or after km at kmPerMonth a month, whichever is
// first ("" when neither is set).
func ServiceDueOn(base string, months, km, kmPerMonth int) string {
	n := months
	if km > 0 && kmPerMonth > 0 {
		byKM := (km + kmPerMonth - 1) / kmPerMonth
		if n == 0 || byKM < n {
			n = byKM
		}
	}
	if n <= 0 || base == "" {
		return ""
	}
	return AddMonths(base, n)
}

// KMPerMonth reads a vehicle's average monthly mileage from its attrs
// (km_per_month, or mileage over the months since delivery), falling back
// to def.
func KMPerMonth(attrs, openedOn, today string, def int) int {
	var m map[string]any
	if json.Unmarshal([]byte(attrs), &m) != nil {
		return def
	}
	num := func(k string) float64 {
		switch v := m[k].(type) {
		case float64:
			return v
		case string:
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
		return 0
	}
	if v := num("km_per_month"); v > 0 {
		return int(v + 0.5)
	}
	if mil := num("mileage"); mil > 0 && openedOn != "" {
		months := float64(DaysBetween(openedOn, today)) / 30.44
		if months >= 1 {
			return int(mil/months + 0.5)
		}
	}
	return def
}

// ExpiryOffset picks the notice due today for something due on dueOn: the
// smallest offset not before the days left, so a missed run still sends
// the notice of the current window and a new rule does not send the
// older ones.
func ExpiryOffset(dueOn, today string, offsets []int) (int, bool) {
	left := DaysBetween(today, dueOn)
	if _, ok := parseDate(dueOn); !ok || left < 0 {
		return 0, false
	}
	best, found := 0, false
	for _, o := range offsets {
		if o >= left && (!found || o < best) {
			best, found = o, true
		}
	}
	return best, found
}

// DormantSince reports whether a customer whose last activity was at last
// is dormant on today after months without activity; since is that
// activity's local date, the occurrence of this dormancy spell. T30: last
// visit 15 Jan, 6 months → dormant on 15 Jul.
func DormantSince(last time.Time, loc *time.Location, months int, today string) (since string, ok bool) {
	since = last.In(loc).Format(time.DateOnly)
	return since, AddMonths(since, months) <= today
}

// DormantBefore is the instant before which the last activity must lie for
// a customer to be dormant on today: the start of the day after today
// minus months.
func DormantBefore(today string, months int, loc *time.Location) time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, AddDays(AddMonths(today, -months), 1), loc)
	return d
}

// QuietSendAfter moves a send time inside the quiet hours [start, end)
// (local HH:MM, possibly across midnight) to the window's end.
func QuietSendAfter(at time.Time, loc *time.Location, start, end string) time.Time {
	if start == "" || end == "" || start == end {
		return at
	}
	local := at.In(loc)
	hm := local.Format("15:04")
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	eh, _ := time.Parse("15:04", end)
	endToday := day.Add(time.Duration(eh.Hour())*time.Hour + time.Duration(eh.Minute())*time.Minute)
	if start < end { // same day, e.g. 12:00–14:00
		if hm >= start && hm < end {
			return endToday.UTC()
		}
		return at
	}
	// across midnight, e.g. 21:00–08:00
	switch {
	case hm >= start:
		return endToday.AddDate(0, 0, 1).UTC()
	case hm < end:
		return endToday.UTC()
	}
	return at
}
