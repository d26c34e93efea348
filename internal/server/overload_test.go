package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/server"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/wire"
)

// overloadEnv serves two blocking routes, an everyday one and a report,
// behind the real middleware with small limits.
func overloadEnv(t *testing.T, l server.Limits) (*httptest.Server, chan struct{}, *sync.WaitGroup) {
	t.Helper()
	a, err := wire.App(context.Background(), sqltest.SQLite(t), wire.Options{})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var entered sync.WaitGroup
	block := func(w http.ResponseWriter, r *http.Request) {
		entered.Done()
		<-release
		w.WriteHeader(http.StatusNoContent)
	}
	h, err := server.New(a, server.Config{Limits: l}, func(mux *http.ServeMux, _ *app.App) error {
		mux.HandleFunc("GET /api/v1/slow", block)
		mux.HandleFunc("GET /api/v1/reports/slow", block)
		mux.HandleFunc("GET /api/v1/fast", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
		mux.HandleFunc("GET /api/v1/health", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, release, &entered
}

// waitEntered waits until the held requests are inside their handler.
func waitEntered(t *testing.T, entered *sync.WaitGroup) {
	t.Helper()
	ch := make(chan struct{})
	go func() { entered.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("held requests never reached their handler")
	}
}

func get(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// refused checks a fast refusal with Retry-After and a localised problem.
func refused(t *testing.T, srv *httptest.Server, path string, status int) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("Accept-Language", "en")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
	}
	json.NewDecoder(resp.Body).Decode(&p)
	if resp.StatusCode != status || p.Status != status || p.Title == "" {
		t.Fatalf("%s: status %d %+v, want %d with a title", path, resp.StatusCode, p, status)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("%s: Retry-After %q", path, resp.Header.Get("Retry-After"))
	}
}

// TestOverloadPools: with every in-flight slot taken, the next request is
// refused at once with 503 and Retry-After while the health check still
// answers; reports have their own smaller pool; slots free up after.
func TestOverloadPools(t *testing.T) {
	srv, release, entered := overloadEnv(t, server.Limits{InFlight: 3, Heavy: 1, PerUser: -1})
	var done sync.WaitGroup
	hold := func(path string) {
		entered.Add(1)
		done.Add(1)
		go func() { defer done.Done(); get(t, srv.URL+path) }()
	}
	hold("/api/v1/reports/slow")
	waitEntered(t, entered)
	// The report pool (1) is full: another report is refused, an everyday call is not.
	refused(t, srv, "/api/v1/reports/slow", http.StatusServiceUnavailable)
	if r := get(t, srv.URL+"/api/v1/fast"); r.StatusCode != http.StatusNoContent {
		t.Fatalf("everyday call while a report runs: %d", r.StatusCode)
	}
	hold("/api/v1/slow")
	hold("/api/v1/slow")
	waitEntered(t, entered)
	// All 3 slots are taken.
	start := time.Now()
	refused(t, srv, "/api/v1/fast", http.StatusServiceUnavailable)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("refusal took %v: it must not queue", took)
	}
	if r := get(t, srv.URL+"/api/v1/health"); r.StatusCode != http.StatusOK {
		t.Fatalf("health under overload: %d", r.StatusCode)
	}
	close(release)
	done.Wait()
	if r := get(t, srv.URL+"/api/v1/fast"); r.StatusCode != http.StatusNoContent {
		t.Fatalf("after the load: %d", r.StatusCode)
	}
}

// TestRatePerCaller: a caller over its per-second budget gets 429 with
// Retry-After; the health check is not counted.
func TestRatePerCaller(t *testing.T) {
	srv, _, _ := overloadEnv(t, server.Limits{PerUser: 5})
	for range 20 {
		if r := get(t, srv.URL+"/api/v1/health"); r.StatusCode != http.StatusOK {
			t.Fatalf("health: %d", r.StatusCode)
		}
	}
	ok, limited := 0, 0
	for range 8 {
		switch get(t, srv.URL+"/api/v1/fast").StatusCode {
		case http.StatusNoContent:
			ok++
		case http.StatusTooManyRequests:
			limited++
		}
	}
	// A window boundary may fall inside the loop, so at most 2 windows' worth pass.
	if ok < 5 || ok > 10 || limited == 0 && ok == 8 {
		t.Fatalf("%d passed, %d limited, want 5 per second", ok, limited)
	}
	if limited > 0 {
		refusedOrPass(t, srv)
	}
}

// refusedOrPass checks the shape of a 429 when the window still refuses.
func refusedOrPass(t *testing.T, srv *httptest.Server) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/api/v1/fast")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}
