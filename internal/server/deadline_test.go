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

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/server"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/wire"
)

// slowSQL counts to 10^10 with a recursive CTE: minutes of work on either
// engine unless the driver interrupts it.
const slowSQL = `WITH RECURSIVE c(x) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000)
SELECT count(*) FROM c`

// TestQueryDeadline is TESTPLAN I5/C7 on both engines: a request whose SQL
// runs past the deadline has the statement interrupted, is answered 503
// problem+json with Retry-After in the caller's language, and its
// connection goes back to the pool (the next query on the single-writer
// pool runs).
func TestQueryDeadline(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		a, err := wire.App(context.Background(), s, wire.Options{})
		if err != nil {
			t.Fatal(err)
		}
		queryErr := make(chan error, 1)
		h, err := server.New(a, server.Config{Limits: server.Limits{PerUser: -1, Deadline: 300 * time.Millisecond}},
			func(mux *http.ServeMux, _ *app.App) error {
				mux.HandleFunc("GET /api/v1/slow", func(w http.ResponseWriter, r *http.Request) {
					var n int64
					err := s.DB().QueryRowContext(r.Context(), slowSQL).Scan(&n)
					queryErr <- err
					if err != nil {
						http.Error(w, "internal", http.StatusInternalServerError)
						return
					}
					w.WriteHeader(http.StatusOK)
				})
				mux.HandleFunc("GET /slow-page", func(w http.ResponseWriter, r *http.Request) {
					<-r.Context().Done() // a handler that ignores errors and writes nothing
				})
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		client := &http.Client{Timeout: 60 * time.Second} // a guard: the deadline is 0.3 s

		for _, lang := range []string{"en", "zh-CN"} {
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/slow", nil)
			req.Header.Set("Accept-Language", lang)
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			var p struct {
				Status int    `json:"status"`
				Title  string `json:"title"`
			}
			json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || p.Status != 503 ||
				resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%s: %d %q %+v, want 503 problem+json", lang, resp.StatusCode, resp.Header.Get("Content-Type"), p)
			}
			if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || n < 1 {
				t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
			}
			want := a.I18n.T(lang, "overload.deadline", nil)
			if p.Title != want || want == "overload.deadline" {
				t.Fatalf("%s: title %q, want %q", lang, p.Title, want)
			}
			if qerr := <-queryErr; qerr == nil {
				t.Fatal("the slow query finished: it was not interrupted")
			} else {
				t.Logf("%s: 503 after %v (deadline 300ms); the driver said %v", lang, took.Round(time.Millisecond), qerr)
			}
		}
		// The connection was released: a query on the pool runs at once.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var one int
		if err := s.DB().QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("pool after the deadline: %v", err)
		}
		if st := s.DB().Stats(); st.InUse != 0 {
			t.Fatalf("%d connections still in use", st.InUse)
		}
		// A page handler that writes nothing by its deadline gets the 503 too.
		resp, err := client.Get(srv.URL + "/slow-page")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("silent page past its deadline: %d", resp.StatusCode)
		}
	})
}

// TestOneExportPerUser: a user streaming an export gets 429 with
// Retry-After for a second one; another user and everyday calls pass.
func TestOneExportPerUser(t *testing.T) {
	ctx := context.Background()
	st := sqltest.SQLite(t)
	a, err := wire.App(ctx, st, wire.Options{HashParams: auth.CheapParams()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Staff.Bootstrap(ctx, "admin", "Test-Password-2026!"); err != nil {
		t.Fatal(err)
	}
	admin, err := st.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Auth.CreateToken(ctx, guanxi.SystemActor("test"), admin.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	h, err := server.New(a, server.Config{Limits: server.Limits{PerUser: -1}}, func(mux *http.ServeMux, _ *app.App) error {
		mux.HandleFunc("GET /api/v1/exports/{id}/file", func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			<-release
			w.WriteHeader(http.StatusOK)
		})
		mux.HandleFunc("GET /api/v1/fast", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	do := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); do("/api/v1/exports/1/file") }()
	<-entered
	if r := do("/api/v1/exports/2/file"); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("second export of the same user: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r := do("/api/v1/fast"); r.StatusCode != http.StatusNoContent {
		t.Fatalf("everyday call during an export: %d", r.StatusCode)
	}
	close(release)
	wg.Wait()
	go func() { <-entered }()
	if r := do("/api/v1/exports/2/file"); r.StatusCode != http.StatusOK {
		t.Fatalf("export after the first finished: %d", r.StatusCode)
	}
}
