package outbox

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// SMTPSender sends email with net/smtp. The Message-ID is derived from the
// idempotency key, so a resend after a crash carries the same id and mail
// systems that de-duplicate by Message-ID show it once.
type SMTPSender struct {
	Config SMTPConfig
	// TLSConfig overrides the client TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
	Timeout   time.Duration
	// Egress filters the dialled address (nil: none, for tests that run
	// their own server on loopback).
	Egress *Egress
}

// MessageID is the Message-ID header of the message with idempotency key k.
func MessageID(k, from string) string {
	sum := sha256.Sum256([]byte(k))
	domain := "guanxi.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 {
			domain = a.Address[i+1:]
		}
	}
	return "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// Send delivers e over SMTP.
func (s *SMTPSender) Send(ctx context.Context, e Envelope) (string, error) {
	c := s.Config
	if c.Host == "" || c.From == "" {
		return "", Permanent(errors.New("smtp: host and from are not configured"))
	}
	to, err := mail.ParseAddress(e.To)
	if err != nil {
		return "", Permanent(fmt.Errorf("smtp: invalid address: %w", err))
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return "", Permanent(fmt.Errorf("smtp: invalid from: %w", err))
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	port := c.Port
	if port == 0 {
		port = 587
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(port))
	tcfg := s.TLSConfig
	if tcfg == nil {
		tcfg = &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	}
	d := net.Dialer{Timeout: timeout}
	if s.Egress != nil {
		// The mail server is checked like the SMS gateway (TESTPLAN C8):
		// after DNS, in the dialer, against the same allow-list.
		d.Control = s.Egress.control
	}
	var conn net.Conn
	if c.TLS == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tcfg}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return "", fmt.Errorf("smtp: dial: %w", err)
	}
	conn.SetDeadline(time.Now().Add(timeout))
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return "", smtpErr(err)
	}
	defer cl.Close()
	if c.TLS == TLSStartTLS {
		if err := cl.StartTLS(tcfg); err != nil {
			return "", smtpErr(err)
		}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return "", Permanent(fmt.Errorf("smtp: auth: %w", err))
		}
	}
	mid := MessageID(e.IdemKey, c.From)
	if err := cl.Mail(from.Address); err != nil {
		return "", smtpErr(err)
	}
	if err := cl.Rcpt(to.Address); err != nil {
		return "", smtpErr(err)
	}
	w, err := cl.Data()
	if err != nil {
		return "", smtpErr(err)
	}
	if _, err := w.Write(buildMail(from, to, e.Subject, e.Body, mid, time.Now())); err != nil {
		return "", smtpErr(err)
	}
	if err := w.Close(); err != nil {
		return "", smtpErr(err)
	}
	_ = cl.Quit()
	return mid, nil
}

// smtpErr makes 5xx replies permanent; 4xx and network errors are retried.
func smtpErr(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(fmt.Errorf("smtp: %w", err))
	}
	return fmt.Errorf("smtp: %w", err)
}

func buildMail(from, to *mail.Address, subject, body, messageID string, now time.Time) []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.BEncoding.Encode("UTF-8", subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", messageID)
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}
