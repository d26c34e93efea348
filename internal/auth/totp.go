package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters (RFC 6238 defaults, which every authenticator app
// supports): HMAC-SHA-1, 6 digits, 30-second steps, one step of clock
// drift either way.
const (
	TOTPDigits = 6
	TOTPPeriod = 30 * time.Second
	TOTPSkew   = 1
	// totpSecretBytes is 160 bits, the HMAC-SHA-1 block-size recommendation
	// of RFC 4226 §4.
	totpSecretBytes = 20
)

// secretEnc is how secrets are shown and stored: upper-case base32 without
// padding, the form authenticator apps accept.
var secretEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a random secret in base32.
func NewTOTPSecret() string {
	b := make([]byte, totpSecretBytes)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return secretEnc.EncodeToString(b)
}

// DecodeTOTPSecret reads a base32 secret, forgiving spaces, lower case and
// padding as people type them.
func DecodeTOTPSecret(s string) ([]byte, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	b, err := secretEnc.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil && len(b) > 0
}

// TOTPStep is the time step counter of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// HOTP is RFC 4226's one-time password of key at counter, digits long.
func HOTP(key []byte, counter int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	out := make([]byte, digits)
	v %= mod
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return string(out)
}

// TOTPMatch finds the earliest step within ±TOTPSkew of now, and after
// after, whose code is code. Every candidate is computed and compared in
// constant time, so the answer takes as long whichever step matched.
func TOTPMatch(key []byte, code string, now time.Time, after int64) (step int64, ok bool) {
	if len(code) != TOTPDigits {
		return 0, false
	}
	cur := TOTPStep(now)
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		eq := subtle.ConstantTimeCompare([]byte(HOTP(key, s, TOTPDigits)), []byte(code)) == 1
		if eq && s > after && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}

// OTPAuthURI is the key URI authenticator apps import (the de-facto
// Google Authenticator format): otpauth://totp/Issuer:account?secret=…
func OTPAuthURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	return "otpauth://totp/" + label + "?" + q.Encode()
}
