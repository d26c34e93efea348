package outbox

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/guanxi-crm/guanxi"
)

// TLS modes of the SMTP adapter.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// SMS adapter kinds.
const (
	SMSLog  = "log"  // development: writes a masked line to the log
	SMSHTTP = "http" // a provider reached by an HTTP request we describe
)

// SMTPConfig is the email channel. Password is write-only: surfaces show
// HasPassword and an empty password on save keeps the stored one.
type SMTPConfig struct {
	Host        string `json:"host"`
	Port        int    `json:"port"`
	Username    string `json:"username"`
	Password    string `json:"password,omitempty"`
	HasPassword bool   `json:"has_password"`
	From        string `json:"from"`
	TLS         string `json:"tls"`
}

// SMSConfig is the SMS channel. For the http kind, BodyTemplate may use
// {to}, {text} and {idem_key}; Secret signs each request (HMAC-SHA256 of
// the body in the X-Guanxi-Signature header) and verifies inbound replies.
type SMSConfig struct {
	Kind         string            `json:"kind"`
	URL          string            `json:"url"`
	Method       string            `json:"method"`
	Headers      map[string]string `json:"headers"`
	BodyTemplate string            `json:"body_template"`
	Secret       string            `json:"secret,omitempty"`
	HasSecret    bool              `json:"has_secret"`
}

// Config is every channel's settings, stored as one versioned row.
type Config struct {
	SMTP SMTPConfig `json:"smtp"`
	SMS  SMSConfig  `json:"sms"`
	// RatePerMinute caps sends per channel per minute across all instances
	// (0: no cap).
	RatePerMinute map[string]int `json:"rate_per_minute"`
	MaxAttempts   int            `json:"max_attempts"`
	// PublicURL is the address customers reach this server at, the base
	// of unsubscribe links; OrgName fills {org_name}.
	PublicURL string `json:"public_url"`
	OrgName   string `json:"org_name"`
}

// DefaultConfig is used until an administrator saves the channels.
func DefaultConfig() Config {
	return Config{
		SMTP: SMTPConfig{Port: 587, TLS: TLSStartTLS},
		SMS: SMSConfig{Kind: SMSLog, Method: "POST", Headers: map[string]string{"Content-Type": "application/json"},
			BodyTemplate: `{"to":"{to}","text":"{text}","request_id":"{idem_key}"}`},
		RatePerMinute: map[string]int{ChannelSMS: 60, ChannelEmail: 60, ChannelInApp: 0},
		MaxAttempts:   5,
	}
}

// Public is the config without its secrets, for surfaces.
func (c Config) Public() Config {
	c.SMTP.HasPassword, c.SMTP.Password = c.SMTP.Password != "", ""
	c.SMS.HasSecret, c.SMS.Secret = c.SMS.Secret != "", ""
	c.SMS.Headers = maps(c.SMS.Headers)
	return c
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Merge keeps the stored secrets where the new config leaves them empty
// (write-only fields), unless clear asks to remove them.
func (c Config) Merge(old Config, clearPassword, clearSecret bool) Config {
	if c.SMTP.Password == "" && !clearPassword {
		c.SMTP.Password = old.SMTP.Password
	}
	if c.SMS.Secret == "" && !clearSecret {
		c.SMS.Secret = old.SMS.Secret
	}
	c.SMTP.HasPassword, c.SMS.HasSecret = false, false
	return c
}

// Validate checks a config before it is saved.
func (c *Config) Validate() error {
	var f guanxi.Fields
	c.SMTP.Host = strings.TrimSpace(c.SMTP.Host)
	if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
		f.Add("smtp.port", "outbox.error.invalid")
	}
	if !slices.Contains([]string{TLSNone, TLSStartTLS, TLSImplicit}, c.SMTP.TLS) {
		f.Add("smtp.tls", "validation.enum")
	}
	if c.SMTP.From != "" {
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			f.Add("smtp.from", "validation.email")
		}
	}
	switch c.SMS.Kind {
	case SMSLog:
	case SMSHTTP:
		if u, err := url.Parse(c.SMS.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			f.Add("sms.url", "outbox.error.invalid")
		}
		if c.SMS.Method == "" {
			c.SMS.Method = "POST"
		}
		if !slices.Contains([]string{"POST", "PUT", "GET"}, c.SMS.Method) {
			f.Add("sms.method", "validation.enum")
		}
		for _, v := range bodyPlaceholder.FindAllStringSubmatch(c.SMS.BodyTemplate, -1) {
			if !slices.Contains([]string{"to", "text", "idem_key"}, v[1]) {
				f.Add("sms.body_template", "outbox.error.unknown_variable", map[string]any{"name": v[1]})
			}
		}
	default:
		f.Add("sms.kind", "validation.enum")
	}
	for ch, n := range c.RatePerMinute {
		if !slices.Contains(Channels, ch) || n < 0 || n > 100000 {
			f.Add("rate_per_minute", "outbox.error.invalid")
		}
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 20 {
		f.Add("max_attempts", "outbox.error.invalid")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Host == "" {
			f.Add("public_url", "outbox.error.invalid")
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	return f.Err()
}

// Envelope is one rendered message handed to an adapter. IdemKey is the
// message's idempotency key: a retry after a crash carries the same key,
// so a provider that honours it sends once.
type Envelope struct {
	To      string
	Subject string
	Body    string
	IdemKey string
}

// Sender is a channel adapter.
type Sender interface {
	// Send delivers e and returns the provider's message id. An error
	// wrapped by Permanent is not retried.
	Send(ctx context.Context, e Envelope) (string, error)
}

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks err as one a retry cannot fix (4xx, invalid address).
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
