package ticket

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// DefaultNumberFormat gives numbers such as TS-2026-000123; the sequence
// restarts every year.
const DefaultNumberFormat = "TS-{year}-{seq:6}"

var seqRe = regexp.MustCompile(`\{seq(?::(\d{1,2}))?\}`)

// ValidNumberFormat reports whether format has exactly one {seq} or
// {seq:N} placeholder (N ≤ 18).
func ValidNumberFormat(format string) bool {
	m := seqRe.FindAllStringSubmatch(format, -1)
	if len(m) != 1 {
		return false
	}
	if m[0][1] != "" {
		n, _ := strconv.Atoi(m[0][1])
		return n >= 1 && n <= 18
	}
	return true
}

// FormatNumber renders a ticket number: {year} is the year, {seq:N} the
// sequence padded to N digits. An invalid format falls back to the default
// so that registration never fails on a setting.
func FormatNumber(format string, year int, seq int64) string {
	if !ValidNumberFormat(format) {
		format = DefaultNumberFormat
	}
	s := strings.ReplaceAll(format, "{year}", strconv.Itoa(year))
	return seqRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := seqRe.FindStringSubmatch(m)
		w, _ := strconv.Atoi(sub[1])
		return fmt.Sprintf("%0*d", w, seq)
	})
}

// SequenceName is the sequences row of a format in a year: yearly formats
// restart each year, others count forever.
func SequenceName(format string, year int) string {
	if strings.Contains(format, "{year}") {
		return "ticket_number_" + strconv.Itoa(year)
	}
	return "ticket_number"
}
