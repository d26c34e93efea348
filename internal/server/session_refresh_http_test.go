package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestSessionWrittenWhenNeeded: pages that change nothing in the session
// leave its row alone; once the stored expiry lags by a refresh step the
// next request slides it; a session past its idle expiry is still ended.
func TestSessionWrittenWhenNeeded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c := env.Login(t, "agent_a1")
		u, _ := url.Parse(env.URL)
		var token string
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "guanxi_session" {
				token = ck.Value
			}
		}
		if token == "" {
			t.Fatal("no session cookie after sign-in")
		}
		ctx := context.Background()
		db := s.DB()
		rebind := func(q string) string {
			if s.Dialect() == sqlstore.Postgres {
				return sqlx.Rebind(sqlx.DOLLAR, q)
			}
			return q
		}
		row := func() ([]byte, int64) {
			t.Helper()
			var data []byte
			var expiry int64
			if err := db.QueryRowContext(ctx, rebind("SELECT data, expiry FROM sessions WHERE token = ?"), token).Scan(&data, &expiry); err != nil {
				t.Fatal(err)
			}
			return data, expiry
		}
		setExpiry := func(e int64) {
			t.Helper()
			if _, err := db.ExecContext(ctx, rebind("UPDATE sessions SET expiry = ? WHERE token = ?"), e, token); err != nil {
				t.Fatal(err)
			}
		}
		page := func() int {
			t.Helper()
			resp, err := c.Get(env.URL + "/customers")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}

		data0, exp0 := row()
		for range 3 {
			if st := page(); st != http.StatusOK {
				t.Fatalf("page: %d", st)
			}
		}
		if data, exp := row(); exp != exp0 || !bytes.Equal(data, data0) {
			t.Errorf("pages that changed nothing rewrote the session (expiry %d → %d)", exp0, exp)
		}

		lagging := exp0 - int64(2*time.Minute)
		setExpiry(lagging)
		if st := page(); st != http.StatusOK {
			t.Fatalf("page: %d", st)
		}
		if _, exp := row(); exp < exp0 {
			t.Errorf("a lagging expiry was not slid: %d, want at least %d", exp, exp0)
		}

		setExpiry(time.Now().Add(-time.Second).UnixNano())
		if st := page(); st != http.StatusSeeOther {
			t.Errorf("page after the idle expiry: %d, want a redirect to sign in", st)
		}
	})
}
