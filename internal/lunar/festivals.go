package lunar

import "time"

// festival describes how one festival key finds its date.
type festival struct {
	key string
	// lunar month and day (lunar festivals); day 0 with month 12 is 除夕,
	// the last day of the 12th month (廿九 or 三十).
	lunarMonth, lunarDay int
	// fixed Gregorian month and day (solar festivals).
	month time.Month
	day   int
	// nth weekday of month (母亲节, 父亲节).
	nth     int
	weekday time.Weekday
	// solar term index (清明).
	term int
}

// festivals in the calendar order of a typical year; the message key of
// each is enum.festival.<key>.
var festivals = []festival{
	{key: "new_year", month: time.January, day: 1, term: -1},
	{key: "laba", lunarMonth: 12, lunarDay: 8, term: -1},
	{key: "new_years_eve", lunarMonth: 12, lunarDay: 0, term: -1},
	{key: "spring_festival", lunarMonth: 1, lunarDay: 1, term: -1},
	{key: "lantern", lunarMonth: 1, lunarDay: 15, term: -1},
	{key: "womens_day", month: time.March, day: 8, term: -1},
	{key: "qingming", term: TermQingming},
	{key: "labour_day", month: time.May, day: 1, term: -1},
	{key: "mothers_day", month: time.May, nth: 2, weekday: time.Sunday, term: -1},
	{key: "dragon_boat", lunarMonth: 5, lunarDay: 5, term: -1},
	{key: "fathers_day", month: time.June, nth: 3, weekday: time.Sunday, term: -1},
	{key: "qixi", lunarMonth: 7, lunarDay: 7, term: -1},
	{key: "mid_autumn", lunarMonth: 8, lunarDay: 15, term: -1},
	{key: "national_day", month: time.October, day: 1, term: -1},
	{key: "double_ninth", lunarMonth: 9, lunarDay: 9, term: -1},
	{key: "christmas", month: time.December, day: 25, term: -1},
}

// Festivals lists the festival keys FestivalDate knows, in calendar order
// of a typical year (message keys enum.festival.<key>).
func Festivals() []string {
	out := make([]string, len(festivals))
	for i, f := range festivals {
		out[i] = f.key
	}
	return out
}

// IsLunarFestival reports whether key is dated by the lunar calendar.
func IsLunarFestival(key string) bool {
	for _, f := range festivals {
		if f.key == key {
			return f.lunarMonth > 0
		}
	}
	return false
}

// FestivalDate returns the Gregorian date of festival key in Gregorian year
// year (for lunar festivals, the one falling in that Gregorian year).
//
// Lunar festivals search the lunar years year-1 and year and return the
// first occurrence inside year; 腊八 (12th month, 8th day) usually falls in
// January but in some years in late December, so a Gregorian year can have
// none (ok false) or two (the January one is returned). Lunar festivals and
// 清明 need 1900 ≤ year ≤ 2100; fixed-date solar festivals work for any year.
func FestivalDate(key string, year int) (m time.Month, d int, ok bool) {
	for _, f := range festivals {
		if f.key != key {
			continue
		}
		switch {
		case f.lunarMonth > 0:
			return lunarFestivalDate(f, year)
		case f.term >= 0:
			return SolarTerm(year, f.term)
		case f.nth > 0:
			first := time.Date(year, f.month, 1, 0, 0, 0, 0, time.UTC)
			shift := (int(f.weekday) - int(first.Weekday()) + 7) % 7
			return f.month, 1 + shift + 7*(f.nth-1), true
		default:
			return f.month, f.day, true
		}
	}
	return 0, 0, false
}

func lunarFestivalDate(f festival, year int) (time.Month, int, bool) {
	for ly := year - 1; ly <= year; ly++ {
		if ly < MinYear || ly > MaxYear {
			continue
		}
		day := f.lunarDay
		if day == 0 {
			day = MonthDays(ly, f.lunarMonth, false)
		}
		gy, gm, gd, err := ToSolar(Date{Year: ly, Month: f.lunarMonth, Day: day})
		if err == nil && gy == year {
			return gm, gd, true
		}
	}
	return 0, 0, false
}

// FestivalsOn returns the keys of the festivals falling on a Gregorian date.
func FestivalsOn(y int, m time.Month, d int) []string {
	var out []string
	for _, f := range festivals {
		if fm, fd, ok := FestivalDate(f.key, y); ok && fm == m && fd == d {
			out = append(out, f.key)
		}
	}
	return out
}
