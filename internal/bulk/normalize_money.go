package bulk

import (
	"math"
	"strconv"
	"strings"
)

// Money problems, as message keys.
const (
	keyBadMoney       = "import.problem.bad_money"
	keyMoneyPrecision = "import.problem.money_precision"
	keyMoneyOverflow  = "import.problem.money_overflow"
)

// ParseMoney reads an amount into minor units (分) with exact decimal
// arithmetic. unitExp is the power of ten of the column's unit in 元 (4
// for a "金额（万元）" header); a unit written in the cell (元, 万, 万元,
// 亿, 千元) replaces it. "¥1,234.56", "12.5万", "(300)", "-300" and
// "1.2E+7" are read; more precision than 1 分 is an error (keyMoneyPrecision)
// except for the float noise of spreadsheet numbers (15+ significant
// digits), which is rounded. It returns the problem key, "" when fine.
func ParseMoney(s string, unitExp int) (int64, string) {
	s = strings.TrimSpace(HalfWidth(s))
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, strings.TrimSpace(s[1:len(s)-1])
	}
	for _, p := range []string{"人民币", "RMB", "CNY", "¥", "￥"} {
		s = strings.TrimSpace(strings.TrimPrefix(s, p))
	}
	if strings.HasPrefix(s, "-") {
		neg, s = !neg, strings.TrimSpace(s[1:])
	} else if strings.HasPrefix(s, "+") {
		s = strings.TrimSpace(s[1:])
	}
	for _, p := range []string{"¥", "￥"} {
		s = strings.TrimSpace(strings.TrimPrefix(s, p))
	}
	for _, u := range []struct {
		suffix string
		exp    int
	}{{"万元", 4}, {"亿元", 8}, {"千元", 3}, {"元", 0}, {"万", 4}, {"亿", 8}, {"RMB", 0}, {"CNY", 0}} {
		if strings.HasSuffix(s, u.suffix) {
			s, unitExp = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.exp
			break
		}
	}
	if s == "" {
		return 0, keyBadMoney
	}
	// Split mantissa and exponent (spreadsheets write 1.2E+7).
	exp := 0
	if i := strings.IndexAny(s, "eE"); i > 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 30 || e < -30 {
			return 0, keyBadMoney
		}
		exp, s = e, s[:i]
	}
	var digits []byte
	var buf [32]byte
	digits = buf[:0]
	frac, dot := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if len(digits) == 0 && c == '0' {
				if dot {
					frac++
				}
				continue // leading zeros carry no value
			}
			digits = append(digits, c)
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		case c == ',' && !dot:
		default:
			return 0, keyBadMoney
		}
		if len(digits) > 30 {
			return 0, keyMoneyOverflow
		}
	}
	if len(digits) == 0 && !strings.ContainsAny(s, "0") {
		return 0, keyBadMoney
	}
	// value = digits × 10^(exp - frac + unitExp + 2) in 分.
	scale := exp - frac + unitExp + 2
	if scale < 0 {
		drop := -scale
		if drop >= len(digits) {
			// Everything is below 1 分.
			tail := digits
			digits = digits[:0]
			if nonZero(tail) {
				if len(tail) >= 15 {
					return roundUp(tail, drop == len(tail), neg)
				}
				return 0, keyMoneyPrecision
			}
		} else {
			tail := digits[len(digits)-drop:]
			digits = digits[:len(digits)-drop]
			if nonZero(tail) {
				if len(digits)+len(tail) < 15 {
					return 0, keyMoneyPrecision
				}
				// Float noise: round half up on the first dropped digit.
				n, ok := atoiChecked(digits, 0)
				if !ok {
					return 0, keyMoneyOverflow
				}
				if tail[0] >= '5' {
					if n == math.MaxInt64 {
						return 0, keyMoneyOverflow
					}
					n++
				}
				if neg {
					n = -n
				}
				return n, ""
			}
		}
		scale = 0
	}
	n, ok := atoiChecked(digits, scale)
	if !ok {
		return 0, keyMoneyOverflow
	}
	if neg {
		n = -n
	}
	return n, ""
}

func roundUp(tail []byte, whole bool, neg bool) (int64, string) {
	// Only reached for a value below 1 分 with float noise: it rounds to 0
	// or 1 分.
	if whole && tail[0] >= '5' {
		if neg {
			return -1, ""
		}
		return 1, ""
	}
	return 0, ""
}

func nonZero(b []byte) bool {
	for _, c := range b {
		if c != '0' {
			return true
		}
	}
	return false
}

// atoiChecked returns digits × 10^scale, false on int64 overflow.
func atoiChecked(digits []byte, scale int) (int64, bool) {
	var n int64
	for _, c := range digits {
		if n > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	for ; scale > 0; scale-- {
		if n > math.MaxInt64/10 {
			return 0, false
		}
		n *= 10
	}
	return n, true
}
