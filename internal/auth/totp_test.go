package auth

import (
	"math"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTOTPRFC6238Vectors checks HOTP over TOTP steps against RFC 6238
// appendix B (SHA-1 key "12345678901234567890", 8 digits); the 6-digit code
// is its last six digits.
func TestTOTPRFC6238Vectors(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, c := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		step := TOTPStep(time.Unix(c.unix, 0))
		if got := HOTP(key, step, 8); got != c.want {
			t.Errorf("T=%d: %s, want %s", c.unix, got, c.want)
		}
		if got := HOTP(key, step, TOTPDigits); got != c.want[2:] {
			t.Errorf("T=%d 6 digits: %s, want %s", c.unix, got, c.want[2:])
		}
		if step, ok := TOTPMatch(key, c.want[2:], time.Unix(c.unix, 0), math.MinInt64); !ok || step != c.unix/30 {
			t.Errorf("T=%d: match %d %v", c.unix, step, ok)
		}
	}
}

// TestTOTPWindow: codes of the previous and next step pass, two steps away
// fail, and after excludes steps already used.
func TestTOTPWindow(t *testing.T) {
	key, ok := DecodeTOTPSecret(NewTOTPSecret())
	if !ok || len(key) != 20 {
		t.Fatalf("secret: %d %v", len(key), ok)
	}
	now := time.Date(2026, 11, 26, 10, 0, 15, 0, time.UTC)
	cur := TOTPStep(now)
	for d := int64(-3); d <= 3; d++ {
		code := HOTP(key, cur+d, TOTPDigits)
		step, ok := TOTPMatch(key, code, now, math.MinInt64)
		want := d >= -1 && d <= 1
		if ok != want || (ok && step != cur+d) {
			t.Errorf("step %+d: ok %v step %d", d, ok, step)
		}
	}
	code := HOTP(key, cur, TOTPDigits)
	if _, ok := TOTPMatch(key, code, now, cur); ok {
		t.Error("a code of the last used step matched")
	}
	if _, ok := TOTPMatch(key, code, now, cur-1); !ok {
		t.Error("a code newer than the last used step did not match")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := TOTPMatch(key, bad, now, math.MinInt64); ok {
			t.Errorf("%q matched", bad)
		}
	}
}

func TestOTPAuthURIAndSecret(t *testing.T) {
	s := NewTOTPSecret()
	if len(s) != 32 || strings.ContainsAny(s, "=abcdefghijklmnopqrstuvwxyz") {
		t.Fatalf("secret %q", s)
	}
	spaced := strings.ToLower(s[:4] + " " + s[4:])
	if a, ok := DecodeTOTPSecret(spaced); !ok || len(a) != 20 {
		t.Fatalf("spaced lower-case secret not read")
	}
	u, err := url.Parse(OTPAuthURI("Guanxi", "li.lei", s))
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Guanxi:li.lei" {
		t.Fatalf("uri %v %v", u, err)
	}
	q := u.Query()
	if q.Get("secret") != s || q.Get("issuer") != "Guanxi" || q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Fatalf("query %v", q)
	}
}

func TestRecoveryCodes(t *testing.T) {
	plain, hashes := NewRecoveryCodes(RecoveryCodeCount)
	if len(plain) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes", len(plain))
	}
	seen := map[string]bool{}
	for i, c := range plain {
		if len(c) != 11 || c[5] != '-' || seen[c] {
			t.Fatalf("code %q", c)
		}
		seen[c] = true
		// Typed without the dash, in capitals, with spaces: the same code.
		if HashRecoveryCode(" "+strings.ToUpper(strings.ReplaceAll(c, "-", ""))+" ") != hashes[i] {
			t.Fatalf("code %q: hash differs when typed differently", c)
		}
		if isTOTPCode(normalizeCode(c)) {
			t.Fatalf("recovery code %q looks like a TOTP code", c)
		}
	}
}
