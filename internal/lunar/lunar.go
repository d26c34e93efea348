// Package lunar converts between the Gregorian and the Chinese lunar
// calendar (农历) for 1900–2100, leap months included, and knows the
// lunar and solar festivals and the 24 solar terms. It does no I/O.
package lunar

import (
	"errors"
	"time"
)

// Date is a lunar date; Leap marks a day of the leap month (闰月).
type Date struct {
	Year, Month, Day int
	Leap             bool
}

// FromSolar converts a Gregorian date.
func FromSolar(y int, m time.Month, d int) (Date, error) {
	return Date{}, errors.New("lunar: not implemented")
}

// ToSolar converts a lunar date to the Gregorian date.
func ToSolar(ld Date) (y int, m time.Month, d int, err error) {
	return 0, 0, 0, errors.New("lunar: not implemented")
}

// Festivals lists the festival keys FestivalDate knows, in calendar order
// of a typical year (message keys enum.festival.<key>).
func Festivals() []string { return nil }

// FestivalDate returns the Gregorian date of festival key in Gregorian year
// year (for lunar festivals, the one falling in that Gregorian year).
func FestivalDate(key string, year int) (m time.Month, d int, ok bool) {
	return 0, 0, false
}

// BirthdayIn returns the Gregorian date in year on which a person born on
// the lunar date birth celebrates: the same lunar month and day of the
// lunar year that starts in year; a leap-month birth celebrates in the
// regular month, and day 30 in a 29-day month falls on day 29.
func BirthdayIn(birth Date, year int) (m time.Month, d int, err error) {
	return 0, 0, errors.New("lunar: not implemented")
}
