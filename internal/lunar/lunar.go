// Package lunar converts between the Gregorian and the Chinese lunar
// calendar (农历) for 1900–2100, leap months included, and knows the
// lunar and solar festivals and the 24 solar terms. It does no I/O.
//
// The conversion uses the compact year table in table.go; the solar terms
// use the day table in terms_table.go. Both are plain data, so every
// function here is a pure computation.
package lunar

import (
	"errors"
	"time"
)

// Range of the tables: lunar years MinYear..MaxYear, which start on
// 1900-01-31 (正月初一 of 1900) and end on 2101-01-28 (除夕 of 2100).
const (
	MinYear = 1900
	MaxYear = 2100
)

var (
	// ErrOutOfRange reports a date outside the table (lunar years 1900–2100).
	ErrOutOfRange = errors.New("lunar: date outside 1900–2100")
	// ErrInvalidDate reports a Gregorian or lunar date that does not exist
	// (2月30日, 闰五月 in a year whose leap month is not 5, 三十 of a short month).
	ErrInvalidDate = errors.New("lunar: no such date")
	// ErrNoOccurrence reports a lunar anniversary with no day in the asked
	// Gregorian year (possible for 11th- and 12th-month dates, see BirthdayIn).
	ErrNoOccurrence = errors.New("lunar: no occurrence in that year")
)

// Date is a lunar date; Leap marks a day of the leap month (闰月).
type Date struct {
	Year, Month, Day int
	Leap             bool
}

// epoch is the day number (days since 1970-01-01) of 1900-01-31, lunar 1900-01-01.
var epoch = dayNumber(1900, time.January, 31)

// yearStart[i] is the day number of 正月初一 of lunar year MinYear+i;
// the last entry is the day after the last day of MaxYear.
var yearStart = func() [MaxYear - MinYear + 2]int {
	var s [MaxYear - MinYear + 2]int
	s[0] = epoch
	for y := MinYear; y <= MaxYear; y++ {
		s[y-MinYear+1] = s[y-MinYear] + YearDays(y)
	}
	return s
}()

func dayNumber(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func fromDayNumber(n int) (int, time.Month, int) {
	t := time.Unix(int64(n)*86400, 0).UTC()
	return t.Year(), t.Month(), t.Day()
}

// LeapMonth returns the leap month of lunar year y (1–12), 0 when none or
// when y is out of range.
func LeapMonth(y int) int {
	if y < MinYear || y > MaxYear {
		return 0
	}
	return int(yearInfo[y-MinYear] & 0xf)
}

// MonthDays returns the length (29 or 30) of month m of lunar year y, the
// leap month when leap is true; 0 when that month does not exist.
func MonthDays(y, m int, leap bool) int {
	if y < MinYear || y > MaxYear || m < 1 || m > 12 {
		return 0
	}
	info := yearInfo[y-MinYear]
	if leap {
		if int(info&0xf) != m {
			return 0
		}
		if info&0x10000 != 0 {
			return 30
		}
		return 29
	}
	if info&(0x10000>>uint(m)) != 0 {
		return 30
	}
	return 29
}

// YearDays returns the number of days of lunar year y (353–385), 0 out of range.
func YearDays(y int) int {
	if y < MinYear || y > MaxYear {
		return 0
	}
	n := 0
	for m := 1; m <= 12; m++ {
		n += MonthDays(y, m, false)
	}
	if lm := LeapMonth(y); lm > 0 {
		n += MonthDays(y, lm, true)
	}
	return n
}

// months lists the months of lunar year y in order, the leap month right
// after its regular namesake.
func months(y int) []Date {
	lm := LeapMonth(y)
	out := make([]Date, 0, 13)
	for m := 1; m <= 12; m++ {
		out = append(out, Date{Year: y, Month: m})
		if m == lm {
			out = append(out, Date{Year: y, Month: m, Leap: true})
		}
	}
	return out
}

// FromSolar converts a Gregorian date.
func FromSolar(y int, m time.Month, d int) (Date, error) {
	if m < time.January || m > time.December || d < 1 || d > 31 {
		return Date{}, ErrInvalidDate
	}
	n := dayNumber(y, m, d)
	if yy, mm, dd := fromDayNumber(n); yy != y || mm != m || dd != d {
		return Date{}, ErrInvalidDate
	}
	if n < yearStart[0] || n >= yearStart[len(yearStart)-1] {
		return Date{}, ErrOutOfRange
	}
	ly := MinYear
	for yearStart[ly-MinYear+1] <= n {
		ly++
	}
	off := n - yearStart[ly-MinYear]
	for _, mo := range months(ly) {
		days := MonthDays(ly, mo.Month, mo.Leap)
		if off < days {
			mo.Day = off + 1
			return mo, nil
		}
		off -= days
	}
	return Date{}, ErrOutOfRange // unreachable: yearStart sums the same months
}

// ToSolar converts a lunar date to the Gregorian date.
func ToSolar(ld Date) (y int, m time.Month, d int, err error) {
	if ld.Year < MinYear || ld.Year > MaxYear {
		return 0, 0, 0, ErrOutOfRange
	}
	days := MonthDays(ld.Year, ld.Month, ld.Leap)
	if days == 0 || ld.Day < 1 || ld.Day > days {
		return 0, 0, 0, ErrInvalidDate
	}
	n := yearStart[ld.Year-MinYear]
	for _, mo := range months(ld.Year) {
		if mo.Month == ld.Month && mo.Leap == ld.Leap {
			break
		}
		n += MonthDays(ld.Year, mo.Month, mo.Leap)
	}
	y, m, d = fromDayNumber(n + ld.Day - 1)
	return y, m, d, nil
}

// NewYear returns the Gregorian date of 春节 (正月初一) of lunar year y.
func NewYear(y int) (time.Month, int, error) {
	_, m, d, err := ToSolar(Date{Year: y, Month: 1, Day: 1})
	return m, d, err
}

// BirthdayIn returns the Gregorian date in year on which a person born on
// the lunar date birth celebrates: the same lunar month and day; a
// leap-month birth celebrates in the regular month, and day 30 in a 29-day
// month falls on day 29.
//
// Usually that is the day in the lunar year starting in year. Late 11th-
// and 12th-month days of that lunar year fall in January or February of
// year+1, so the lunar years year-1 and year are both searched and the
// earliest occurrence whose Gregorian date lies in year is returned. A
// Gregorian year can therefore hold two occurrences of such a date (early
// January and late December; BirthdaysIn lists both) or none, in which
// case the error is ErrNoOccurrence.
func BirthdayIn(birth Date, year int) (m time.Month, d int, err error) {
	all, err := BirthdaysIn(birth, year)
	if err != nil {
		return 0, 0, err
	}
	if len(all) == 0 {
		return 0, 0, ErrNoOccurrence
	}
	return all[0].Month(), all[0].Day(), nil
}

// BirthdaysIn lists, in date order, every Gregorian date (UTC midnight) in
// year on which the lunar anniversary of birth falls, with the rules of
// BirthdayIn: zero, one or, for some 11th/12th-month dates, two dates.
func BirthdaysIn(birth Date, year int) ([]time.Time, error) {
	if birth.Month < 1 || birth.Month > 12 || birth.Day < 1 || birth.Day > 30 {
		return nil, ErrInvalidDate
	}
	if year < MinYear || year > MaxYear+1 {
		return nil, ErrOutOfRange
	}
	var out []time.Time
	for ly := year - 1; ly <= year; ly++ {
		if ly < MinYear || ly > MaxYear {
			continue
		}
		day := birth.Day
		if n := MonthDays(ly, birth.Month, false); day > n {
			day = n
		}
		gy, gm, gd, err := ToSolar(Date{Year: ly, Month: birth.Month, Day: day})
		if err != nil {
			return nil, err
		}
		if gy == year {
			out = append(out, time.Date(gy, gm, gd, 0, 0, 0, 0, time.UTC))
		}
	}
	return out, nil
}
