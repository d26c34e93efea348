package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHTTPSMSSender(t *testing.T) {
	var got struct {
		method, path, idem, sig, auth string
		body                          []byte
	}
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path, got.idem = r.Method, r.URL.Path, r.Header.Get("Idempotency-Key")
		got.sig, got.auth = r.Header.Get(SignatureHeader), r.Header.Get("Authorization")
		got.body, _ = io.ReadAll(r.Body)
		w.WriteHeader(status)
		io.WriteString(w, `{"message_id":"p-42"}`)
	}))
	defer srv.Close()
	cfg := SMSConfig{Kind: SMSHTTP, URL: srv.URL + "/send", Method: "POST", Secret: "s3cret",
		Headers:      map[string]string{"Content-Type": "application/json", "Authorization": "Bearer abc"},
		BodyTemplate: `{"to":"{to}","text":"{text}","ref":"{idem_key}"}`}
	snd := &HTTPSMSSender{Config: cfg, Client: srv.Client()}
	e := Envelope{To: "13800138000", Body: `您好 "张三"`, IdemKey: "k-1"}
	id, err := snd.Send(context.Background(), e)
	if err != nil || id != "p-42" {
		t.Fatalf("send %q %v", id, err)
	}
	var body map[string]string
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("body not JSON (escaping): %s", got.body)
	}
	if body["to"] != e.To || body["text"] != e.Body || body["ref"] != "k-1" {
		t.Fatalf("body %v", body)
	}
	if got.method != "POST" || got.path != "/send" || got.idem != "k-1" || got.auth != "Bearer abc" {
		t.Fatalf("request %+v", got)
	}
	if !VerifySignature("s3cret", got.body, got.sig) || VerifySignature("other", got.body, got.sig) {
		t.Fatalf("signature %q does not verify", got.sig)
	}

	status = http.StatusBadGateway
	if _, err := snd.Send(context.Background(), e); err == nil || IsPermanent(err) {
		t.Fatalf("5xx should be retried: %v", err)
	}
	status = http.StatusBadRequest
	if _, err := snd.Send(context.Background(), e); !IsPermanent(err) {
		t.Fatalf("4xx should be permanent: %v", err)
	}
	status = http.StatusTooManyRequests
	if _, err := snd.Send(context.Background(), e); err == nil || IsPermanent(err) {
		t.Fatalf("429 should be retried: %v", err)
	}
	if _, err := snd.Send(context.Background(), Envelope{To: "abc", IdemKey: "k"}); !IsPermanent(err) {
		t.Fatalf("invalid mobile should be permanent: %v", err)
	}
}

func TestLogSMSSenderMasks(t *testing.T) {
	var buf bytes.Buffer
	snd := &LogSMSSender{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	id, err := snd.Send(context.Background(), Envelope{To: "13800138000", Body: "张三的秘密", IdemKey: "k-9"})
	if err != nil || id != "log:k-9" {
		t.Fatal(id, err)
	}
	out := buf.String()
	if strings.Contains(out, "13800138000") || strings.Contains(out, "张三") || !strings.Contains(out, "138****8000") {
		t.Fatalf("log leaks personal data: %s", out)
	}
}
