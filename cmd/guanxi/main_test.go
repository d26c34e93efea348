package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// TestServeFirstRun starts `guanxi serve` on an empty data folder: it
// migrates, creates the administrator from the environment, answers
// health and sign-in, and stops cleanly on cancel.
func TestServeFirstRun(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data},
			env(map[string]string{"GUANXI_ADMIN_USER": "boss", "GUANXI_ADMIN_PASSWORD": "Boss-Password-2026"}), strings.NewReader(""), &out, io.Discard)
	}()
	re := regexp.MustCompile(`running at (http://[0-9.:]+)`)
	var base string
	for i := 0; i < 200 && base == ""; i++ {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if base == "" {
		cancel()
		t.Fatalf("server did not start: %s", out.String())
	}
	if !strings.Contains(out.String(), `First administrator "boss" created`) {
		t.Fatalf("no administrator message: %s", out.String())
	}
	resp, err := http.Get(base + "/api/v1/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader("username=boss&password=Boss-Password-2026"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestCommands runs the operator commands against one data folder.
func TestCommands(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	e := env(nil)
	var out bytes.Buffer
	if err := run(ctx, []string{"version"}, e, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "guanxi") {
		t.Fatalf("version: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"migrate", "--data", data}, e, nil, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"demo", "--customers", "200", "--seed", "3", "--data", data}, e, nil, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	// The demo adds day-to-day work through the services: complaints,
	// survey answers and follow-ups, each at least one.
	m := regexp.MustCompile(`(\d+) complaints, (\d+) survey answers, (\d+) follow-up tasks`).FindStringSubmatch(out.String())
	if m == nil || m[1] == "0" || m[2] == "0" || m[3] == "0" {
		t.Fatalf("demo activity: %q", out.String())
	}
	out.Reset()
	// A second run leaves the loaded database alone, activity included.
	if err := run(ctx, []string{"demo", "--customers", "200", "--seed", "3", "--data", data}, e, nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "nothing loaded") || strings.Contains(out.String(), "activity") {
		t.Fatalf("second demo: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"user", "create", "--data", data, "--username", "wangwu", "--name", "王五", "--role", "agent", "--password-stdin"},
		e, strings.NewReader("Wangwu-Password-2026\n"), &out, io.Discard); err != nil {
		t.Fatalf("user create: %v", err)
	}
	out.Reset()
	err := run(ctx, []string{"user", "create", "--data", data, "--username", "weak", "--name", "弱", "--role", "agent", "--password-stdin"},
		e, strings.NewReader("123\n"), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("weak password accepted: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "wangwu"}, e, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "gx_") {
		t.Fatalf("token: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--data", data}, e, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "intact") {
		t.Fatalf("audit verify: %v %q", err, out.String())
	}
	if err := run(ctx, []string{"nope"}, e, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}
