package outbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// Reasons a message is suppressed, stored in last_error.
const (
	ReasonNoConsent   = "no_consent"   // care or marketing without consent[channel] = true
	ReasonWithdrawn   = "withdrawn"    // the customer withdrew the channel or unsubscribed
	ReasonNoAddress   = "no_address"   // no mobile, email or user to send to
	ReasonDeleted     = "deleted"      // the customer or user is gone
	ReasonNoTemplate  = "no_template"  // the template does not exist in any locale
	ReasonUnsupported = "unconfigured" // the channel is not configured
)

// Suppress decides from the customer's consent whether a message may go
// out; "" means send. Care and marketing need an explicit yes; service
// messages go out unless the channel was explicitly withdrawn.
func Suppress(purpose, channel string, consent map[string]bool) string {
	if channel == ChannelInApp {
		return ""
	}
	yes, set := consent[channel]
	if purpose == PurposeService {
		if set && !yes {
			return ReasonWithdrawn
		}
		return ""
	}
	if !yes {
		if set {
			return ReasonWithdrawn
		}
		return ReasonNoConsent
	}
	return ""
}

// NeedsUnsubscribe reports whether a message carries an unsubscribe link.
func NeedsUnsubscribe(purpose string) bool { return purpose != PurposeService }

// Backoff is the wait before retry n (1-based): doubling from a minute,
// capped at six hours, with ±20 % jitter from r in [0,1) so a provider
// outage does not end in a thundering herd.
func Backoff(n int, r float64) time.Duration {
	d := float64(time.Minute) * math.Pow(2, float64(n-1))
	if max := float64(6 * time.Hour); d > max {
		d = max
	}
	return time.Duration(d * (0.8 + 0.4*r))
}

// UnsubscribeToken signs customer id and channel. It never expires: an
// old message's link must keep working.
func UnsubscribeToken(secret []byte, customerID int64, channel string) string {
	payload := strconv.FormatInt(customerID, 10) + "." + channel
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + tokenMAC(secret, payload)
}

func tokenMAC(secret []byte, payload string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("unsubscribe:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// ParseUnsubscribeToken verifies a token and returns what it names.
func ParseUnsubscribeToken(secret []byte, token string) (int64, string, bool) {
	p, mac, ok := strings.Cut(token, ".")
	if !ok {
		return 0, "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return 0, "", false
	}
	payload := string(raw)
	if !hmac.Equal([]byte(tokenMAC(secret, payload)), []byte(mac)) {
		return 0, "", false
	}
	idText, channel, ok := strings.Cut(payload, ".")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || (channel != ChannelSMS && channel != ChannelEmail) {
		return 0, "", false
	}
	return id, channel, true
}

// IsUnsubscribeKeyword reports whether an SMS reply asks to unsubscribe:
// 退订, TD, T or unsubscribe, ignoring case, full-width forms and spaces
// around it.
func IsUnsubscribeKeyword(text string) bool {
	t := strings.ToLower(strings.TrimSpace(width.Narrow.String(text)))
	switch t {
	case "退订", "td", "t", "unsubscribe":
		return true
	}
	return false
}

// NormalizeMobile strips spaces, dashes and a +86/0086 prefix.
func NormalizeMobile(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, width.Narrow.String(strings.TrimSpace(s)))
	for _, p := range []string{"+86", "0086"} {
		if strings.HasPrefix(s, p) && len(s) == len(p)+11 {
			return s[len(p):]
		}
	}
	return s
}

// MaskMobiles masks every run of exactly 11 digits (a mobile) in a text,
// for showing rendered messages to staff who may not reveal phones.
func MaskMobiles(s string) string {
	r := []rune(s)
	for i := 0; i < len(r); {
		j := i
		for j < len(r) && r[j] >= '0' && r[j] <= '9' {
			j++
		}
		if j-i == 11 {
			copy(r[i:j], []rune(string(r[i:i+3])+"****"+string(r[j-4:j])))
		}
		if j == i {
			j++
		}
		i = j
	}
	return string(r)
}
