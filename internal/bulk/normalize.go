package bulk

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// HalfWidth folds full-width ASCII variants (｡-ｚ, ０-９, （）...), the
// ideographic space and the full-width yen sign to their half-width forms,
// as Chinese input methods type them into spreadsheets.
func HalfWidth(s string) string {
	// Every rune to fold is encoded starting with 0xE3 (U+3000) or 0xEF
	// (U+FF01..U+FFE6); most cells have neither, so they cost one scan.
	i := 0
	for i < len(s) && s[i] != 0xE3 && s[i] != 0xEF {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		b.WriteRune(halfRune(r))
	}
	return b.String()
}

func halfRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == 0x3000:
		return ' '
	case r == 0xFFE5:
		return '¥'
	}
	return r
}

// Fold makes the form headers and enum labels are compared in: half-width,
// lower case, without spaces, punctuation, symbols and zero-width runes.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(halfRune(r))
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || isInvisible(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isInvisible reports BOMs and zero-width runes that spreadsheets and web
// copies leave in headers.
func isInvisible(r rune) bool {
	switch r {
	case 0xFEFF, 0x200B, 0x200C, 0x200D, 0x2060, 0x00AD:
		return true
	}
	return false
}

// CleanText trims a cell: spaces (any width) and invisible runes around it.
func CleanText(s string) string {
	if s == "" {
		return s
	}
	// Most cells need nothing: look at both ends before trimming.
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if !trimmable(first) && !trimmable(last) {
		return s
	}
	return strings.TrimFunc(s, trimmable)
}

func trimmable(r rune) bool { return unicode.IsSpace(r) || isInvisible(r) }

// IsMobile reports whether s is a mainland mobile number (1[3-9] + 9 digits).
func IsMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 2; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsLandline reports whether s is a landline as CleanPhone writes it:
// "0571-88881234", "010-12345678-123" or 7-8 digits without an area code.
func IsLandline(s string) bool {
	area, rest, ok := strings.Cut(s, "-")
	if ok && (len(area) < 3 || len(area) > 4 || area[0] != '0' || !isDigits(area)) {
		area, rest, ok = "", s, false
	}
	if !ok {
		rest = s
	}
	num, ext, hasExt := strings.Cut(rest, "-")
	if hasExt && (len(ext) > 6 || !isDigits(ext)) {
		return false
	}
	return (len(num) == 7 || len(num) == 8) && isDigits(num) && num[0] != '0'
}

// CleanPhone canonicalises a phone number the way the archive stores it:
// a mobile as 11 digits; a landline as "0571-88881234" with an optional
// "-123" extension, or bare digits without an area code. It drops spaces,
// dashes, dots, brackets and the +86 / 0086 / 86 country prefix, and reads
// 转 / 分机 / ext / x / # as an extension. What it cannot read comes back
// folded to half width but otherwise as it was, for validation to reject.
func CleanPhone(s string) string {
	if IsMobile(s) {
		return s // the common case, already clean
	}
	s = strings.TrimSpace(HalfWidth(s))
	if s == "" {
		return ""
	}
	main, ext := s, ""
	for _, sep := range []string{"转", "分机", "ext.", "ext", "EXT", "Ext", "x", "X", "#"} {
		if i := strings.Index(s, sep); i > 0 {
			main, ext = s[:i], strings.TrimSpace(s[i+len(sep):])
			break
		}
	}
	var d []byte
	for i := 0; i < len(main); i++ {
		c := main[i]
		switch {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == '+' && len(d) == 0:
			d = append(d, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return s // letters or other text: leave it for validation
		}
	}
	digits := string(d)
	switch {
	case strings.HasPrefix(digits, "+86"):
		digits = digits[3:]
	case strings.HasPrefix(digits, "0086"):
		digits = digits[4:]
	case strings.HasPrefix(digits, "+"):
		return s
	case len(digits) == 13 && strings.HasPrefix(digits, "86") && IsMobile(digits[2:]):
		digits = digits[2:]
	case len(digits) == 12 && digits[0] == '0' && IsMobile(digits[1:]):
		digits = digits[1:] // a trunk prefix dialled before a mobile
	}
	for i := 0; i < len(ext); i++ {
		if ext[i] < '0' || ext[i] > '9' {
			return s
		}
	}
	if IsMobile(digits) {
		if ext != "" {
			return s
		}
		return digits
	}
	if len(digits) > 0 && digits[0] == '0' && len(digits) >= 10 {
		// 010 and 02x are the three-digit area codes, the rest have four.
		n := 4
		if digits[1] == '1' || digits[1] == '2' {
			n = 3
		}
		digits = digits[:n] + "-" + digits[n:]
	}
	if ext != "" {
		digits += "-" + ext
	}
	return digits
}

// ParseInt reads a whole number, allowing thousands separators and a
// trailing ".0" as spreadsheets write them.
func ParseInt(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(HalfWidth(s)), ",", "")
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".00"), ".0")
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// ParseNumber reads a decimal number (thousands separators allowed).
func ParseNumber(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(HalfWidth(s)), ",", "")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// ParseBool reads yes/no in the forms spreadsheets use.
func ParseBool(s string) (bool, bool) {
	switch Fold(s) {
	case "是", "y", "yes", "1", "true", "t", "对", "有", "同意", "接受", "允许", "√", "✓", "✔", "on":
		return true, true
	case "否", "n", "no", "0", "false", "f", "不", "无", "不同意", "拒绝", "不接受", "不允许", "×", "✗", "✘", "x", "off":
		return false, true
	}
	// Fold drops symbols, so look at the raw check marks too.
	switch strings.TrimSpace(HalfWidth(s)) {
	case "√", "✓", "✔":
		return true, true
	case "×", "✗", "✘":
		return false, true
	}
	return false, false
}

// splitList splits a multi-value cell (tags, multi-choice) on the
// separators people type: , ， ; ； 、 | and line breaks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', ';', '；', '、', '|', '\n', '\r':
			return true
		}
		return false
	}) {
		if part = CleanText(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// runeLen counts runes without allocating.
func runeLen(s string) int { return utf8.RuneCountInString(s) }
