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
