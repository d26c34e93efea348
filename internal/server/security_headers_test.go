package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/api"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/server"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/web"
	"github.com/guanxi-crm/guanxi/internal/wire"
)

// secGet sends a request with an optional session client and headers.
func secGet(t *testing.T, c *http.Client, method, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	req, _ := http.NewRequest(method, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestSecurityHeadersEveryResponse (TESTPLAN J2) checks the headers on each
// kind of response: HTML pages, JSON, a CSV download, a static file, API
// and page errors, and a refused request; no Server header; no CORS grant
// to any origin.
func TestSecurityHeadersEveryResponse(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	agent, auditor := env.Login(t, "agent_a1"), env.Login(t, "auditor")
	token := env.Token(t, "agent_a1")

	_, login := secGet(t, nil, "GET", env.URL+"/login")
	static := regexp.MustCompile(`/static/[0-9a-f]+/[^"]+\.(js|css)`).FindString(login)
	if static == "" {
		t.Fatalf("no static asset on the login page")
	}
	cases := []struct {
		name   string
		c      *http.Client
		method string
		path   string
		hdr    []string
		status int
		ctype  string
	}{
		{"login page", nil, "GET", "/login", nil, 200, "text/html"},
		{"page", agent, "GET", "/customers", nil, 200, "text/html"},
		{"page 404", agent, "GET", "/customers/999999", nil, 404, "text/html"},
		{"redirect", nil, "GET", "/customers", nil, 303, ""},
		{"json", nil, "GET", "/api/v1/me", []string{"Authorization", "Bearer " + token}, 200, "application/json"},
		{"api 401", nil, "GET", "/api/v1/me", nil, 401, "application/problem+json"},
		{"api 404", nil, "GET", "/api/v1/nope", []string{"Authorization", "Bearer " + token}, 404, "application/problem+json"},
		{"csv download", auditor, "GET", "/audit/export.csv", nil, 200, "text/csv"},
		{"static", nil, "GET", static, nil, 200, ""},
		{"openapi", nil, "GET", "/api/openapi.json", nil, 200, "application/"},
		{"cross-site refusal", agent, "POST", "/logout", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403, ""},
	}
	for _, tc := range cases {
		resp, body := secGet(t, tc.c, tc.method, env.URL+tc.path, tc.hdr...)
		if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) {
			t.Errorf("%s: %d %q, want %d %q (%.100s)", tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype, body)
		}
		checkSecurityHeaders(t, tc.name, resp.Header, false)
	}

	// CORS: no origin is granted anything, preflight included.
	for _, origin := range []string{"https://evil.example", "null", env.URL} {
		resp, _ := secGet(t, nil, "OPTIONS", env.URL+"/api/v1/customers", "Origin", origin,
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization")
		resp2, _ := secGet(t, nil, "GET", env.URL+"/api/v1/me", "Origin", origin, "Authorization", "Bearer "+token)
		for _, h := range []http.Header{resp.Header, resp2.Header} {
			for k := range h {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("origin %s: CORS header %s: %s", origin, k, h.Get(k))
				}
			}
		}
	}

	// Behind TLS, HSTS is sent too (on its own app: the setting changes the
	// session cookie).
	tls := newTLSServer(t)
	resp, _ := secGet(t, nil, "GET", tls.URL+"/login")
	checkSecurityHeaders(t, "behind TLS", resp.Header, true)
}

func checkSecurityHeaders(t *testing.T, name string, h http.Header, hsts bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", name, csp, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("%s: CSP %q allows %s", name, csp, bad)
		}
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
		if h.Get(k) != v {
			t.Errorf("%s: %s = %q, want %q", name, k, h.Get(k), v)
		}
	}
	if h.Get("Server") != "" || h.Get("X-Powered-By") != "" {
		t.Errorf("%s: product header %q %q", name, h.Get("Server"), h.Get("X-Powered-By"))
	}
	if got := h.Get("Strict-Transport-Security"); hsts != strings.Contains(got, "max-age=31536000") {
		t.Errorf("%s: HSTS %q (want sent: %v)", name, got, hsts)
	}
}

// newTLSServer starts the handler configured as reached over HTTPS (the
// test itself speaks plain HTTP to it, as a TLS-terminating proxy would),
// with its own store and app, and an agent "tls_agent".
func newTLSServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	s := sqltest.SQLite(t)
	a, err := wire.App(ctx, s, wire.Options{Log: slog.New(slog.DiscardHandler), Version: "test", HashParams: auth.CheapParams()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Staff.Bootstrap(ctx, "tls_admin", servertest.Password); err != nil {
		t.Fatal(err)
	}
	h, err := wire.Handler(a, server.Config{BehindTLS: true, Limits: server.Limits{PerUser: -1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestPanicAnswer (TESTPLAN J4): a handler that panics gets a generic
// problem with a correlation id, the stack goes to the log under that id
// and never to the client, and the server goes on serving.
func TestPanicAnswer(t *testing.T) {
	ctx := context.Background()
	logs := &lockedWriter{}
	a, err := wire.App(ctx, sqltest.SQLite(t), wire.Options{Log: slog.New(slog.NewTextHandler(logs, nil)),
		Version: "test", HashParams: auth.CheapParams()})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "SECRET-IN-PANIC-13800138000"
	boom := func(mux *http.ServeMux, _ *app.App) error {
		mux.HandleFunc("GET /api/v1/test-panic", func(http.ResponseWriter, *http.Request) { panic(secret) })
		mux.HandleFunc("GET /test-panic", func(http.ResponseWriter, *http.Request) { panic(secret) })
		mux.HandleFunc("GET /test-nil", func(w http.ResponseWriter, r *http.Request) {
			var m map[string]int
			m["x"]++ // a runtime error, not a string
		})
		return nil
	}
	h, err := server.New(a, server.Config{}, boom, func(mux *http.ServeMux, a *app.App) error { api.Mount(mux, a); return nil }, web.Mount)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, path := range []string{"/api/v1/test-panic", "/test-panic", "/test-nil", "/api/v1/test-panic"} {
		resp, body := secGet(t, nil, "GET", srv.URL+path, "Accept-Language", "en")
		if resp.StatusCode != 500 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		for _, leak := range []string{secret, "goroutine", ".go:", "panic", "runtime error"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: the answer shows %q: %s", path, leak, body)
			}
		}
		id := regexp.MustCompile(`[0-9a-f]{16}`).FindString(body)
		if id == "" {
			t.Errorf("%s: no correlation id in %q", path, body)
		}
		if strings.HasPrefix(path, "/api/") && (resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, `"correlation_id":"`+id+`"`)) {
			t.Errorf("%s: not a problem document with the id: %s %s", path, resp.Header.Get("Content-Type"), body)
		}
		checkSecurityHeaders(t, path, resp.Header, false)
		if !strings.Contains(logs.String(), "id="+id) || !strings.Contains(logs.String(), "goroutine") {
			t.Errorf("%s: the log lacks the id %s or the stack", path, id)
		}
		// The server keeps serving.
		if resp, body := secGet(t, nil, "GET", srv.URL+"/api/v1/health"); resp.StatusCode != 200 {
			t.Fatalf("health after a panic: %d %s", resp.StatusCode, body)
		}
	}
}

// lockedWriter lets the logger write from handler goroutines while the test
// reads it.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
