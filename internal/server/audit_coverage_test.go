package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// e1Call sends one request through the real handler: JSON with a bearer
// token for the API, a form with the session cookie (and Origin) for the
// web. It returns the status.
func e1Call(t *testing.T, env *servertest.Env, c *http.Client, token, method, path string, body any, hdr ...string) int {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	req, _ := http.NewRequest(method, env.URL+path, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	} else {
		req.Header.Set("Origin", env.URL)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c == nil {
		c = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestAuditCoverage is TESTPLAN E1: every security event, triggered
// through the real HTTP surfaces where it has one, writes exactly one
// audit row of its action, with a UTC time, the user (or the system
// actor), the client address when it came over HTTP, the object and the
// outcome. Backup and restore are commands, not HTTP: their rows are
// checked in cmd/guanxi (TestBackupRestoreSQLite, TestBackupRestorePostgres
// and TestBackupAuditFailed).
func TestAuditCoverage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		tok := map[string]string{}
		for _, u := range []string{"admin", "agent_a1"} {
			tok[u] = env.Token(t, u)
		}
		cust := env.Customer(t, "agent_a1", "郑十", "13700137000")
		id := func(u string) guanxi.ID { return env.Users[u].ID }
		version := func(u string) string {
			got, err := env.App.Staff.GetUser(ctx, env.Actor("admin"), id(u))
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`"%d"`, got.Version)
		}
		const addr = "127.0.0.1"
		type want struct {
			action, user, addr, object string
			objectID                   guanxi.ID
			outcome                    string
			rows                       int // rows of action: 1, or 0 for a throttled repeat
		}
		cases := []struct {
			name string
			do   func(t *testing.T)
			want want
		}{
			{"login ok", func(t *testing.T) {
				if resp, _ := postLogin(t, env.URL, "agent_a1", servertest.Password); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("login: %d", resp.StatusCode)
				}
			}, want{audit.ActionLogin, "agent_a1", addr, "user", id("agent_a1"), "ok", 1}},
			{"login failed", func(t *testing.T) {
				postLogin(t, env.URL, "agent_a2", "Wrong-Password-1")
			}, want{audit.ActionLoginFailed, "agent_a2", addr, "user", id("agent_a2"), "denied", 1}},
			{"lockout", func(t *testing.T) {
				// auth.lockout_threshold is 5 by default.
				for i := range 5 {
					postLogin(t, env.URL, "agent_b", fmt.Sprintf("Wrong-Password-%d", i))
				}
			}, want{audit.ActionLockout, "agent_b", addr, "user", id("agent_b"), "ok", 1}},
			{"logout", func(t *testing.T) {
				c := env.Login(t, "mgr_a")
				if st := e1Call(t, env, c, "", "POST", "/logout", url.Values{}); st >= 400 {
					t.Fatalf("logout: %d", st)
				}
			}, want{audit.ActionLogout, "mgr_a", addr, "user", id("mgr_a"), "ok", 1}},
			{"access denied (API)", func(t *testing.T) {
				if st := e1Call(t, env, nil, tok["agent_a1"], "GET", "/api/v1/settings", nil); st != http.StatusForbidden {
					t.Fatalf("settings as an agent: %d", st)
				}
			}, want{audit.ActionDenied, "agent_a1", addr, "route", 0, "denied", 1}},
			{"access denied again within the minute", func(t *testing.T) {
				if st := e1Call(t, env, nil, tok["agent_a1"], "GET", "/api/v1/settings", nil); st != http.StatusForbidden {
					t.Fatalf("settings as an agent: %d", st)
				}
			}, want{audit.ActionDenied, "agent_a1", addr, "route", 0, "denied", 0}},
			{"access denied (web)", func(t *testing.T) {
				c := env.Login(t, "agent_a2")
				if st := e1Call(t, env, c, "", "GET", "/admin/users", nil); st != http.StatusForbidden {
					t.Fatalf("/admin/users as an agent: %d", st)
				}
			}, want{audit.ActionDenied, "agent_a2", addr, "route", 0, "denied", 1}},
			{"user create", func(t *testing.T) {
				st := e1Call(t, env, nil, tok["admin"], "POST", "/api/v1/users", map[string]any{"username": "e1_new", "name": "新员工",
					"role": "agent", "org_unit_id": env.Units["team_a1"].ID, "password": servertest.Password})
				if st != http.StatusCreated {
					t.Fatalf("create user: %d", st)
				}
			}, want{audit.ActionUserCreate, "admin", addr, "user", 0, "ok", 1}},
			{"role change", func(t *testing.T) {
				st := e1Call(t, env, nil, tok["admin"], "PATCH", fmt.Sprintf("/api/v1/users/%d", id("agent_a2")),
					map[string]any{"role": "credit"}, "If-Match", version("agent_a2"))
				if st != http.StatusOK {
					t.Fatalf("role change: %d", st)
				}
			}, want{audit.ActionRoleChange, "admin", addr, "user", id("agent_a2"), "ok", 1}},
			{"user disable", func(t *testing.T) {
				st := e1Call(t, env, nil, tok["admin"], "PATCH", fmt.Sprintf("/api/v1/users/%d", id("credit_a")),
					map[string]any{"disabled": true}, "If-Match", version("credit_a"))
				if st != http.StatusOK {
					t.Fatalf("disable: %d", st)
				}
			}, want{audit.ActionUserDisable, "admin", addr, "user", id("credit_a"), "ok", 1}},
			{"export", func(t *testing.T) {
				c := env.Login(t, "admin")
				if st := e1Call(t, env, c, "", "POST", "/customers/export", url.Values{"format": {"csv"}}); st != http.StatusOK {
					t.Fatalf("export: %d", st)
				}
			}, want{audit.ActionExport, "admin", addr, "export", 0, "ok", 1}},
			{"unmask", func(t *testing.T) {
				st := e1Call(t, env, nil, tok["agent_a1"], "POST", fmt.Sprintf("/api/v1/customers/%d/reveal", cust.ID),
					map[string]any{"field": "mobile", "reason": "核实身份"})
				if st != http.StatusCreated {
					t.Fatalf("reveal: %d", st)
				}
			}, want{audit.ActionReveal, "agent_a1", addr, "customer", cust.ID, "ok", 1}},
			{"setting change", func(t *testing.T) {
				st := e1Call(t, env, nil, tok["admin"], "PUT", "/api/v1/settings/survey.link_expiry_days",
					map[string]any{"value": "14"}, "If-Match", `"0"`)
				if st != http.StatusNoContent {
					t.Fatalf("setting: %d", st)
				}
			}, want{audit.ActionSettings, "admin", addr, "setting", 0, "ok", 1}},
			{"retention purge", func(t *testing.T) {
				// The daily job; it has no HTTP surface.
				if _, err := env.App.AuditRetention.Purge(ctx); err != nil {
					t.Fatal(err)
				}
			}, want{audit.ActionRetentionRun, "retention", "", "retention", 0, "ok", 1}},
		}
		for _, tc := range cases {
			head := env.AuditHead(t)
			tc.do(t)
			var got []audit.Entry
			for _, e := range env.AuditSince(t, head) {
				if e.Action == tc.want.action {
					got = append(got, e)
				}
			}
			if len(got) != tc.want.rows {
				t.Errorf("%s: %d %s rows, want %d: %+v", tc.name, len(got), tc.want.action, tc.want.rows, got)
				continue
			}
			for _, e := range got {
				w := tc.want
				_, off := e.At.Zone()
				ok := !e.At.IsZero() && off == 0 && e.ActorName == w.user && e.Addr == w.addr &&
					e.ObjectType == w.object && e.Outcome == w.outcome
				if w.objectID != 0 {
					ok = ok && e.ObjectID != nil && *e.ObjectID == w.objectID
				}
				if !ok {
					t.Errorf("%s: row %+v, want %+v", tc.name, e, w)
				}
				if w.action == audit.ActionDenied && !strings.Contains(e.Detail, `"route":`) {
					t.Errorf("%s: the row does not name the route: %s", tc.name, e.Detail)
				}
			}
		}
	})
}
