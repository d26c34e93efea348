package outbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// SignatureHeader carries HMAC-SHA256(secret, body) in hex, prefixed
// "sha256=", on requests to the SMS provider and on inbound replies.
const SignatureHeader = "X-Guanxi-Signature"

var bodyPlaceholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// Sign returns the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a signature header value in constant time.
func VerifySignature(secret string, body []byte, got string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(strings.TrimSpace(got)))
}

// HTTPSMSSender posts an SMS to a provider described by SMSConfig. The
// idempotency key goes in the Idempotency-Key header (and {idem_key}).
type HTTPSMSSender struct {
	Config SMSConfig
	// Client makes the request. Nil: a client that connects only to public
	// addresses (or Egress's allowed networks). A client set here is used
	// as is: only clients from Egress.Client check where they connect.
	Client *http.Client
	// Egress, when set, also refuses the URL's host before the request
	// (an address it refuses, or a number in an odd notation).
	Egress *Egress
}

// renderBody fills the body template, escaping values for the declared
// content type so a quote in the text cannot break the JSON.
func (s *HTTPSMSSender) renderBody(e Envelope) string {
	ct := ""
	for k, v := range s.Config.Headers {
		if strings.EqualFold(k, "Content-Type") {
			ct = strings.ToLower(v)
		}
	}
	esc := func(v string) string { return v }
	switch {
	case strings.Contains(ct, "json"):
		esc = func(v string) string {
			b, _ := json.Marshal(v)
			return string(b[1 : len(b)-1])
		}
	case strings.Contains(ct, "x-www-form-urlencoded"):
		esc = url.QueryEscape
	}
	vals := map[string]string{"to": e.To, "text": e.Body, "idem_key": e.IdemKey}
	return bodyPlaceholder.ReplaceAllStringFunc(s.Config.BodyTemplate, func(m string) string {
		if v, ok := vals[m[1:len(m)-1]]; ok {
			return esc(v)
		}
		return m
	})
}

// Send makes the request. 2xx is sent (the provider id is the response's
// "id" or "message_id" when it is JSON, else the idempotency key); 4xx
// other than 408 and 429 is permanent; everything else is retried.
func (s *HTTPSMSSender) Send(ctx context.Context, e Envelope) (string, error) {
	if !validMobile(e.To) {
		return "", Permanent(fmt.Errorf("sms: invalid mobile"))
	}
	body := []byte(s.renderBody(e))
	method := s.Config.Method
	if method == "" {
		method = http.MethodPost
	}
	var rd io.Reader
	if method != http.MethodGet {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.Config.URL, rd)
	if err != nil {
		return "", Permanent(fmt.Errorf("sms: request: %w", err))
	}
	g := s.Egress
	if g == nil && s.Client == nil {
		g = &Egress{} // public addresses only
	}
	if g != nil {
		if err := g.CheckURL(req.URL.Hostname()); err != nil {
			return "", Permanent(fmt.Errorf("sms: %w", err))
		}
	}
	for k, v := range s.Config.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Idempotency-Key", e.IdemKey)
	if s.Config.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(s.Config.Secret, body))
	}
	cl := s.Client
	if cl == nil {
		cl = g.Client(30 * time.Second)
		defer cl.CloseIdleConnections()
	}
	resp, err := cl.Do(req)
	if err != nil {
		if r, ok := errRefused(err); ok {
			// Configuration, not a passing fault: retrying cannot help.
			// Only the address is named: the URL may carry a key.
			return "", Permanent(fmt.Errorf("sms: %w", r))
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			// The message's error is shown to care.admin: leave out the
			// URL, which may carry the provider's key.
			return "", fmt.Errorf("sms: %s: %w", ue.Op, ue.Err)
		}
		return "", fmt.Errorf("sms: %w", err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		var r struct {
			ID        any `json:"id"`
			MessageID any `json:"message_id"`
		}
		if json.Unmarshal(rb, &r) == nil {
			for _, v := range []any{r.ID, r.MessageID} {
				if v != nil && fmt.Sprint(v) != "" {
					return fmt.Sprint(v), nil
				}
			}
		}
		return e.IdemKey, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429:
		return "", Permanent(fmt.Errorf("sms: provider answered %d", resp.StatusCode))
	}
	return "", fmt.Errorf("sms: provider answered %d", resp.StatusCode)
}

// LogSMSSender is the development adapter: it logs that a message would
// be sent, with the mobile masked and without the text.
type LogSMSSender struct{ Log *slog.Logger }

// Send logs the message.
func (s *LogSMSSender) Send(ctx context.Context, e Envelope) (string, error) {
	if !validMobile(e.To) {
		return "", Permanent(fmt.Errorf("sms: invalid mobile"))
	}
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "sms (log adapter)", "to", customer.MaskPhone(e.To), "chars", len([]rune(e.Body)),
		"idem_key", e.IdemKey)
	return "log:" + e.IdemKey, nil
}

// validMobile accepts 5–20 digits with an optional leading +.
func validMobile(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 5 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
