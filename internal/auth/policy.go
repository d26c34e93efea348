package auth

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Policy is a password policy preset.
type Policy struct {
	Name string
	// MinLength is in characters (runes), MaxLength bounds the hashing work.
	MinLength, MaxLength int
	// MinClasses of upper, lower, digit and symbol (0: no composition rule).
	MinClasses int
	// NotUsername refuses the username itself (case-insensitive);
	// NoUsername refuses any password that contains it.
	NotUsername, NoUsername bool
	// NoCommon refuses passwords from the common-password list.
	NoCommon bool
	// History is how many previous passwords may not be reused (0: none).
	History int
	// MaxAge forces a change after this long (0: never).
	MaxAge time.Duration
}

// PolicyNames lists the presets.
func PolicyNames() []string { return []string{"asvs", "mlps3"} }

// PolicyByName returns a preset: "asvs" (OWASP ASVS v4 2.1: length over
// composition, breached/common list) or "mlps3" (等保三级: complexity,
// history and periodic change).
func PolicyByName(name string) (Policy, bool) {
	switch name {
	case "asvs":
		return Policy{Name: "asvs", MinLength: 12, MaxLength: 128, NotUsername: true, NoCommon: true}, true
	case "mlps3":
		return Policy{Name: "mlps3", MinLength: 8, MaxLength: 128, MinClasses: 3, NotUsername: true,
			NoUsername: true, NoCommon: true, History: 5, MaxAge: 90 * 24 * time.Hour}, true
	}
	return Policy{}, false
}

func fieldErr(key string, args map[string]any) error {
	return guanxi.Invalid(guanxi.FieldError{Field: "password", Key: key, Args: args})
}

// Check returns a field error on "password" when pw breaks the policy.
func (p Policy) Check(pw, username string) error {
	n := utf8.RuneCountInString(pw)
	if pw == "" {
		return fieldErr("validation.required", nil)
	}
	if n < p.MinLength {
		return fieldErr("auth.password_too_short", map[string]any{"min": p.MinLength})
	}
	if p.MaxLength > 0 && n > p.MaxLength {
		return fieldErr("validation.too_long", map[string]any{"max": p.MaxLength})
	}
	if p.MinClasses > 0 && classes(pw) < p.MinClasses {
		return fieldErr("auth.password_classes", map[string]any{"min": p.MinClasses})
	}
	lpw, luser := strings.ToLower(pw), strings.ToLower(strings.TrimSpace(username))
	if luser != "" {
		if p.NotUsername && lpw == luser {
			return fieldErr("auth.password_username", nil)
		}
		if p.NoUsername && strings.Contains(lpw, luser) {
			return fieldErr("auth.password_username", nil)
		}
	}
	if p.NoCommon && IsCommonPassword(pw) {
		return fieldErr("auth.password_common", nil)
	}
	return nil
}

// Expired reports whether a password set at changed must be changed now.
func (p Policy) Expired(changed, now time.Time) bool {
	return p.MaxAge > 0 && !changed.IsZero() && now.Sub(changed) > p.MaxAge
}

func classes(pw string) int {
	var up, lo, di, sy bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			up = true
		case unicode.IsLower(r):
			lo = true
		case unicode.IsDigit(r):
			di = true
		default:
			sy = true
		}
	}
	n := 0
	for _, b := range []bool{up, lo, di, sy} {
		if b {
			n++
		}
	}
	return n
}

// IsCommonPassword reports whether pw (case-insensitively, ignoring a
// trailing run of digits or symbols people append) is a well-known password.
func IsCommonPassword(pw string) bool {
	l := strings.ToLower(pw)
	if slices.Contains(commonPasswords, l) {
		return true
	}
	trimmed := strings.TrimRightFunc(l, func(r rune) bool { return !unicode.IsLetter(r) })
	return len(trimmed) >= 4 && trimmed != l && slices.Contains(commonPasswords, trimmed)
}

// commonPasswords is a short list of the most used and breached passwords,
// including ones common in China; a deployment with stricter needs can
// extend it later from a breach corpus.
var commonPasswords = []string{
	"123456", "123456789", "12345678", "1234567890", "12345", "1234567", "111111", "000000",
	"123123", "666666", "888888", "654321", "112233", "123321", "5201314", "woaini", "woaini1314",
	"password", "password1", "password123", "passw0rd", "p@ssw0rd", "p@ssword", "qwerty", "qwerty123",
	"qwertyuiop", "qwerty123456", "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx", "1qaz2wsx3edc", "zaq12wsx",
	"abc123", "abc123456", "abcd1234", "a123456", "a123456789", "aa123456", "asdfghjkl", "asdf1234",
	"iloveyou", "admin", "admin123", "admin1234", "administrator", "root", "letmein", "welcome",
	"welcome1", "welcome123", "monkey", "dragon", "football", "baseball", "sunshine", "princess",
	"shadow", "master", "superman", "trustno1", "whatever", "changeme", "guest", "test", "test1234",
	"default", "secret", "login", "starwars", "michael", "charlie", "jennifer", "computer",
	"internet", "zhang", "wang", "china", "zhongguo", "huawei", "baidu", "taobao", "aini1314",
	"qq123456", "aaaaaa", "abcdef", "abcdefg", "abcdefgh", "letmein123", "guanxi", "guanxi123",
	"password1234", "passwordpassword", "adminadmin", "administrator1", "qwertyqwerty",
	"123456789012", "1234567890123", "111111111111", "000000000000", "123123123123", "zxcvbnm",
	"zxcvbnm123", "asdfasdf", "qazwsx", "qazwsxedc", "1q2w3e", "q1w2e3r4", "q1w2e3r4t5y6",
}
