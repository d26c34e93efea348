// Package servertest starts the real handler (every middleware, the API and
// the web pages) on a migrated store for end-to-end tests, with a small org
// and one user of each kind.
package servertest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/staff"
	"github.com/guanxi-crm/guanxi/internal/wire"
)

// Password is the password of every test user.
const Password = "Test-Password-2026!"

// Env is a running server with its store and users.
type Env struct {
	URL    string
	Server *httptest.Server
	Store  *sqlstore.Store
	App    *app.App
	// Users by username: admin, mgr_a (manager of branch A), agent_a1 and
	// agent_a2 (team A1 under branch A), mgr_b, agent_b (branch B), credit_a, auditor.
	Users map[string]staff.User
	// Units: head, branch_a, team_a1, branch_b.
	Units map[string]staff.OrgUnit
}

// New starts a server on s (from sqltest) and creates the org and users.
func New(t testing.TB, s *sqlstore.Store) *Env {
	t.Helper()
	ctx := context.Background()
	// Cheap hashing keeps each environment fast; production parameters are
	// tested in the auth package.
	a, err := wire.App(ctx, s, wire.Options{Log: testLogger(t), Version: "test", HashParams: auth.CheapParams()})
	if err != nil {
		t.Fatal(err)
	}
	// Flushes buffered access rows before the store closes (cleanups run
	// last-in first-out).
	t.Cleanup(func() { _ = a.Access.Close() })
	st := a.Staff
	// Tests drive one user far faster than a person, and race-detector
	// runs keep the CPU queue long; the per-user and adaptive limits have
	// their own tests (internal/server/overload_test.go,
	// adaptive_limit_test.go, cmd/guanxi/overload_test.go).
	h, err := wire.Handler(a, server.Config{Limits: server.Limits{PerUser: -1, Congestion: -1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := &Env{URL: srv.URL, Server: srv, Store: s, App: a, Users: map[string]staff.User{}, Units: map[string]staff.OrgUnit{}}

	if _, err := st.Bootstrap(ctx, "admin", Password); err != nil {
		t.Fatal(err)
	}
	sys := guanxi.SystemActor("test")
	units, err := st.ListUnits(ctx, sys)
	if err != nil || len(units) == 0 {
		t.Fatalf("units after bootstrap: %v %v", units, err)
	}
	env.Units["head"] = units[0]
	mkUnit := func(key, name string, kind staff.UnitKind, parent staff.OrgUnit) {
		p := parent.ID
		u := &staff.OrgUnit{Name: name, Kind: kind, ParentID: &p}
		if err := st.CreateUnit(ctx, sys, u); err != nil {
			t.Fatalf("unit %s: %v", key, err)
		}
		got, err := st.GetUnit(ctx, sys, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		env.Units[key] = got
	}
	mkUnit("branch_a", "城东支行", "branch", env.Units["head"])
	mkUnit("team_a1", "城东一组", "team", env.Units["branch_a"])
	mkUnit("branch_b", "城西支行", "branch", env.Units["head"])
	for _, u := range []struct {
		name, display string
		role          guanxi.Role
		unit          string
	}{
		{"mgr_a", "王主管", guanxi.RoleManager, "branch_a"},
		{"agent_a1", "李经理", guanxi.RoleAgent, "team_a1"},
		{"agent_a2", "赵经理", guanxi.RoleAgent, "team_a1"},
		{"credit_a", "钱信贷", guanxi.RoleCredit, "team_a1"},
		{"mgr_b", "孙主管", guanxi.RoleManager, "branch_b"},
		{"agent_b", "周经理", guanxi.RoleAgent, "branch_b"},
		{"auditor", "吴审计", guanxi.RoleAuditor, "head"},
	} {
		user := &staff.User{Username: u.name, Name: u.display, Role: u.role, OrgUnitID: env.Units[u.unit].ID, Lang: "zh-CN"}
		if err := st.CreateUser(ctx, sys, user, Password); err != nil {
			t.Fatalf("user %s: %v", u.name, err)
		}
	}
	list, err := st.ListUsers(ctx, sys, staff.UserQuery{IncludeDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range list {
		env.Users[u.Username] = u
	}
	return env
}

// Actor returns the actor of a test user.
func (e *Env) Actor(username string) guanxi.Actor {
	return e.Users[username].Actor("127.0.0.1")
}

// Login returns a client with a signed-in session cookie for username,
// signing in through the web login form.
func (e *Env) Login(t testing.TB, username string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"username": {username}, "password": {Password}}
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		t.Fatalf("login %s: status %d", username, resp.StatusCode)
	}
	return c
}

// Token creates an API token for username and returns it.
func (e *Env) Token(t testing.TB, username string) string {
	t.Helper()
	plain, _, err := e.App.Auth.CreateToken(context.Background(), guanxi.SystemActor("test"), e.Users[username].ID, "test")
	if err != nil {
		t.Fatalf("token for %s: %v", username, err)
	}
	return plain
}

// Customer creates a customer owned by username and returns it.
func (e *Env) Customer(t testing.TB, username, name, mobile string) customer.Customer {
	t.Helper()
	a := e.Actor(username)
	c := &customer.Customer{Kind: customer.Person, Name: name, Mobile: mobile, OwnerID: a.UserID,
		Stage: customer.StageCustomer, Market: customer.MarketPersonal}
	if err := e.App.Customers.Create(context.Background(), a, c); err != nil {
		t.Fatalf("customer %s: %v", name, err)
	}
	return *c
}

// String is a convenience for error messages.
func (e *Env) String() string { return fmt.Sprintf("servertest.Env(%s)", e.URL) }

// testLogger discards logs, unless GUANXI_TEST_LOG_FILE names a file: then
// every log line of every environment, at debug level (one line per
// request), is appended there, and CI checks the whole run's logs for
// personal data (.ci/run).
func testLogger(t testing.TB) *slog.Logger {
	path := os.Getenv("GUANXI_TEST_LOG_FILE")
	if path == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatalf("GUANXI_TEST_LOG_FILE: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
