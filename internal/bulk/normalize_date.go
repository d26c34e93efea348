package bulk

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// maxSerial is 9999-12-31 as an Excel serial date.
const maxSerial = 2958465

// ParseDate reads a date in the usual Chinese spreadsheet forms and
// returns it as YYYY-MM-DD: 2026-1-5, 2026/01/05, 2026.1.5, 2026年1月5日,
// 20260105, a date-time (the time is dropped) or an Excel serial number
// (1904-based when date1904). Impossible dates are rejected.
func ParseDate(s string, date1904 bool) (string, bool) {
	t, ok := parseDateTime(s, time.UTC, date1904)
	if !ok {
		return "", false
	}
	y, m, d := t.Date()
	if y < 1000 || y > 9999 {
		return "", false
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:]), true
}

// ParseTime reads a date with an optional time of day (10:30, 10:30:00) and
// zone (ISO 8601); without a zone it is in loc.
func ParseTime(s string, loc *time.Location, date1904 bool) (time.Time, bool) {
	return parseDateTime(s, loc, date1904)
}

func parseDateTime(s string, loc *time.Location, date1904 bool) (time.Time, bool) {
	s = strings.TrimSpace(HalfWidth(s))
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := parseSerial(s, loc, date1904); ok {
		return t, true
	}
	p := dateScanner{s: s}
	y, ok := p.int(4, 4)
	if !ok {
		return time.Time{}, false
	}
	var mo, d int
	if p.i == 4 && len(s) >= 8 && isDigits(s[4:8]) {
		// 20260105, maybe followed by a time.
		mo, _ = strconv.Atoi(s[4:6])
		d, _ = strconv.Atoi(s[6:8])
		p.i = 8
	} else {
		sep := p.sep()
		if sep == "" {
			return time.Time{}, false
		}
		if mo, ok = p.int(1, 2); !ok {
			return time.Time{}, false
		}
		sep2 := p.sep()
		if sep2 == "" || (sep == "年") != (sep2 == "月") || (sep != "年" && sep2 != sep) {
			return time.Time{}, false
		}
		if d, ok = p.int(1, 2); !ok {
			return time.Time{}, false
		}
		if sep == "年" {
			p.lit("日")
			p.lit("号")
		}
	}
	var hh, mm, ss, nsec int
	zone := loc
	if p.i < len(s) {
		if !p.lit("T") && !p.lit(" ") {
			return time.Time{}, false
		}
		for p.lit(" ") {
		}
		if hh, ok = p.int(1, 2); !ok || !p.lit(":") {
			return time.Time{}, false
		}
		if mm, ok = p.int(2, 2); !ok {
			return time.Time{}, false
		}
		if p.lit(":") {
			if ss, ok = p.int(2, 2); !ok {
				return time.Time{}, false
			}
			if p.lit(".") {
				start := p.i
				for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
					p.i++
				}
				f := s[start:p.i]
				if f == "" {
					return time.Time{}, false
				}
				if len(f) > 9 {
					f = f[:9]
				}
				nsec, _ = strconv.Atoi(f + strings.Repeat("0", 9-len(f)))
			}
		}
		if p.i < len(s) {
			z, ok := p.zone()
			if !ok {
				return time.Time{}, false
			}
			zone = z
		}
	}
	if p.i != len(s) || hh > 23 || mm > 59 || ss > 59 || !validYMD(y, mo, d) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, hh, mm, ss, nsec, zone), true
}

func validYMD(y, m, d int) bool {
	if y < 1000 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseSerial reads an Excel serial date (days, with the time as a
// fraction). The 1900 system counts the nonexistent 1900-02-29 as day 60.
func parseSerial(s string, loc *time.Location, date1904 bool) (time.Time, bool) {
	intPart, fracPart, _ := strings.Cut(s, ".")
	if !isDigits(intPart) || len(intPart) > 7 || (fracPart != "" && !isDigits(fracPart)) || (len(intPart) == 8) {
		return time.Time{}, false
	}
	days, _ := strconv.Atoi(intPart)
	if fracPart == "" && days >= 1900 && days <= 2100 {
		return time.Time{}, false // a bare year ("1985"), not a day in 1905
	}
	var frac float64
	if fracPart != "" {
		frac, _ = strconv.ParseFloat("0."+fracPart, 64)
	}
	if days > maxSerial || (days < 1 && !date1904) {
		return time.Time{}, false
	}
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, loc)
	case days == 60:
		return time.Time{}, false // 1900-02-29 never was
	case days < 60:
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, loc)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, loc)
	}
	sec := int(math.Round(frac * 86400))
	return base.AddDate(0, 0, days).Add(time.Duration(sec) * time.Second), true
}

type dateScanner struct {
	s string
	i int
}

func (p *dateScanner) int(min, max int) (int, bool) {
	start := p.i
	for p.i < len(p.s) && p.i-start < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i-start < min {
		return 0, false
	}
	n, _ := strconv.Atoi(p.s[start:p.i])
	return n, true
}

func (p *dateScanner) lit(l string) bool {
	if strings.HasPrefix(p.s[p.i:], l) {
		p.i += len(l)
		return true
	}
	return false
}

func (p *dateScanner) sep() string {
	for _, l := range []string{"-", "/", ".", "年", "月"} {
		if p.lit(l) {
			return l
		}
	}
	return ""
}

// zone reads Z, +08:00, +0800 or +08.
func (p *dateScanner) zone() (*time.Location, bool) {
	for p.lit(" ") {
	}
	if p.lit("Z") {
		return time.UTC, true
	}
	sign := 1
	switch {
	case p.lit("+"):
	case p.lit("-"):
		sign = -1
	default:
		return nil, false
	}
	h, ok := p.int(2, 2)
	if !ok {
		return nil, false
	}
	m := 0
	p.lit(":")
	if p.i < len(p.s) {
		if m, ok = p.int(2, 2); !ok {
			return nil, false
		}
	}
	if h > 14 || m > 59 {
		return nil, false
	}
	return time.FixedZone("", sign*(h*3600+m*60)), true
}
