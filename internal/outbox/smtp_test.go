package outbox

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// smtpServer is a minimal SMTP server on loopback: EHLO, AUTH PLAIN, MAIL,
// RCPT, DATA, QUIT. It records each delivered message.
type smtpServer struct {
	ln      net.Listener
	mu      sync.Mutex
	auth    []string
	from    []string
	rcpt    []string
	data    []string
	rejectR bool // answer RCPT with 550
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		arg := strings.TrimSpace(strings.TrimPrefix(line, strings.SplitN(line, " ", 2)[0]))
		switch cmd {
		case "EHLO", "HELO":
			tp.PrintfLine("250-test")
			tp.PrintfLine("250 AUTH PLAIN")
		case "AUTH":
			f := strings.Fields(arg)
			if len(f) == 2 {
				b, _ := base64.StdEncoding.DecodeString(f[1])
				s.mu.Lock()
				s.auth = append(s.auth, string(b))
				s.mu.Unlock()
			}
			tp.PrintfLine("235 ok")
		case "MAIL":
			s.mu.Lock()
			s.from = append(s.from, arg)
			s.mu.Unlock()
			tp.PrintfLine("250 ok")
		case "RCPT":
			if s.rejectR {
				tp.PrintfLine("550 no such user")
				continue
			}
			s.mu.Lock()
			s.rcpt = append(s.rcpt, arg)
			s.mu.Unlock()
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			s.mu.Lock()
			s.data = append(s.data, string(b))
			s.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("250 ok")
		}
	}
}

func TestSMTPSender(t *testing.T) {
	srv := startSMTP(t)
	snd := &SMTPSender{Config: SMTPConfig{Host: "127.0.0.1", Port: srv.port(), Username: "crm", Password: "pw",
		From: "Guanxi <crm@example.com>", TLS: TLSNone}}
	e := Envelope{To: "zhang@example.com", Subject: "生日快乐 Happy birthday", Body: "张三，祝您生日快乐！\n第二行", IdemKey: "care:1:2026"}
	id, err := snd.Send(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if id != MessageID(e.IdemKey, "crm@example.com") || !strings.HasSuffix(id, "@example.com>") {
		t.Fatalf("provider id %q", id)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.data) != 1 || len(srv.auth) != 1 || srv.auth[0] != "\x00crm\x00pw" {
		t.Fatalf("data %d auth %q", len(srv.data), srv.auth)
	}
	if srv.from[0] != "FROM:<crm@example.com>" || !strings.HasPrefix(srv.rcpt[0], "TO:<zhang@example.com>") {
		t.Fatalf("envelope %q %q", srv.from, srv.rcpt)
	}
	msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(srv.data[0])))
	if err != nil {
		t.Fatal(err)
	}
	raw := msg.Header.Get("Subject")
	if !strings.HasPrefix(raw, "=?UTF-8?b?") {
		t.Fatalf("subject not B-encoded: %q", raw)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || subj != e.Subject {
		t.Fatalf("subject %q %v", subj, err)
	}
	if msg.Header.Get("Message-ID") != id || msg.Header.Get("Content-Type") != "text/plain; charset=UTF-8" ||
		msg.Header.Get("To") != "<zhang@example.com>" || !strings.Contains(msg.Header.Get("From"), "crm@example.com") {
		t.Fatalf("headers %v", msg.Header)
	}
	b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
	if string(b) != e.Body {
		t.Fatalf("body %q", b)
	}
}

func TestSMTPSenderPermanentErrors(t *testing.T) {
	srv := startSMTP(t)
	srv.rejectR = true
	snd := &SMTPSender{Config: SMTPConfig{Host: "127.0.0.1", Port: srv.port(), From: "crm@example.com", TLS: TLSNone}}
	if _, err := snd.Send(context.Background(), Envelope{To: "x@example.com", IdemKey: "k"}); !IsPermanent(err) {
		t.Fatalf("550 not permanent: %v", err)
	}
	if _, err := snd.Send(context.Background(), Envelope{To: "not an address", IdemKey: "k"}); !IsPermanent(err) {
		t.Fatalf("bad address not permanent: %v", err)
	}
	srv.ln.Close()
	if _, err := snd.Send(context.Background(), Envelope{To: "x@example.com", IdemKey: "k"}); err == nil || IsPermanent(err) {
		t.Fatalf("refused connection should be retried: %v", err)
	}
}
