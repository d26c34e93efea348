package server_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/staff"
	"github.com/guanxi-crm/guanxi/internal/wire"
)

// TestLoginNoEnumeration (TESTPLAN B2): a wrong password for an existing
// user, any password for an unknown user, a disabled user, and a locked
// user with its correct password all get the same status and the same page
// (the typed username aside). Both paths spend one password hash (see
// auth.Service.Login), so timing does not tell them apart either.
func TestLoginNoEnumeration(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	u := env.Users["agent_a2"]
	if err := env.App.Staff.SetDisabled(ctx, env.Actor("admin"), u.ID, u.Version, true); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   string
	}
	try := func(user, pw string) answer {
		resp, body := postLogin(t, env.URL, user, pw)
		return answer{resp.StatusCode, strings.ReplaceAll(body, user, "USER")}
	}
	ref := try("agent_a1", "wrong-password-1")
	if ref.status == 303 || ref.status == 200 && strings.Contains(ref.body, "logout") {
		t.Fatalf("a wrong password signed in: %d", ref.status)
	}
	cases := map[string]answer{
		"unknown user":       try("no_such_user_x", "wrong-password-1"),
		"unknown, long name": try(strings.Repeat("n", 60), "wrong-password-1"),
		"disabled user":      try("agent_a2", servertest.Password),
	}
	// Five failures lock agent_b; the right password then gets the same answer.
	for i := range 5 {
		try("agent_b", fmt.Sprintf("wrong-%d", i))
	}
	cases["locked, right password"] = try("agent_b", servertest.Password)
	for name, got := range cases {
		if got != ref {
			t.Errorf("%s answers differently: %d vs %d\n%s", name, got.status, ref.status, diffLine(got.body, ref.body))
		}
	}
}

// TestLoginThrottlePerAddress (TESTPLAN B2, I6): one address trying many
// usernames, an existing one among them, is refused after 20 failures
// (auth.addr_failure_threshold) with 429, Retry-After and the localised
// message, the same answer for existing and unknown names. The right
// password from that address is refused too, while another address signs
// in: the throttle is per address, not per account.
func TestLoginThrottlePerAddress(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	msg := env.App.I18n.T("zh-CN", "auth.login_throttled", map[string]any{"minutes": 10})
	var last [2]string // the last answer for agent_a1 and for an unknown name
	for i := range 60 {
		user := fmt.Sprintf("user%03d", i)
		if i%2 == 0 {
			user = "agent_a1"
		}
		resp, body := postLogin(t, env.URL, user, "Wrong-Password-2026!")
		if i < 20 {
			if resp.StatusCode == http.StatusTooManyRequests {
				t.Fatalf("attempt %d throttled before the threshold", i+1)
			}
			continue
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("attempt %d from the spraying address: %d, want 429", i+1, resp.StatusCode)
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 600 {
			t.Fatalf("attempt %d: Retry-After %q", i+1, resp.Header.Get("Retry-After"))
		}
		if !strings.Contains(body, msg) {
			t.Fatalf("attempt %d: the page does not say why (%q)", i+1, msg)
		}
		last[i%2] = strings.ReplaceAll(body, user, "USER")
	}
	if last[0] != last[1] {
		t.Errorf("an existing and an unknown name answer differently when throttled: %s", diffLine(last[0], last[1]))
	}
	if resp, _ := postLogin(t, env.URL, "agent_b", servertest.Password); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right password from the throttled address: %d, want 429", resp.StatusCode)
	}
	// Another address (127.0.0.2, also loopback on Linux) is not affected.
	resp := postLoginFrom(t, "127.0.0.2", env.URL, "agent_b", servertest.Password)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("agent_b from another address: %d, want 303", resp.StatusCode)
	}
}

// postLoginFrom signs in through the form from the local address from.
func postLoginFrom(t *testing.T, from, base, username, password string) *http.Response {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"username": {username}, "password": {password}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" && strings.Contains(err.Error(), "assign requested address") {
			t.Skipf("this system has no local address %s: %v", from, err)
		}
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func diffLine(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d: %q vs %q", i+1, strings.TrimSpace(al[i]), strings.TrimSpace(bl[i]))
		}
	}
	return fmt.Sprintf("lengths %d vs %d lines", len(al), len(bl))
}

// TestNoDefaultCredentialsAndHashedKeys (TESTPLAN B7): a fresh database has
// no account at all (the first administrator is made by `guanxi serve` with
// a given or random password, cmd/guanxi TestServeFirstRun); API tokens are
// stored only as hashes, shown once at creation and never listed again.
func TestNoDefaultCredentialsAndHashedKeys(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, err := wire.App(ctx, s, wire.Options{Log: slog.New(slog.DiscardHandler), Version: "test", HashParams: auth.CheapParams()})
		if err != nil {
			t.Fatal(err)
		}
		users, err := a.Staff.ListUsers(ctx, guanxi.SystemActor("t"), staff.UserQuery{IncludeDisabled: true})
		if err != nil || len(users) != 0 {
			t.Fatalf("fresh install has accounts: %v %v", users, err)
		}
		env := servertest.New(t, s)
		plain := env.Token(t, "agent_a1")
		if !strings.HasPrefix(plain, "gx_") || len(plain) < 30 {
			t.Fatalf("token %q", plain)
		}
		// No column of any row of any table holds the token or its secret part.
		secret := plain[len(plain)-16:]
		tables, err := s.TableCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for table := range tables {
			rows, err := s.DB().Query(`SELECT * FROM "` + table + `"`)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				for i := range vals {
					vals[i] = new([]byte)
				}
				if err := rows.Scan(vals...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					if strings.Contains(string(*v.(*[]byte)), secret) {
						t.Errorf("%s.%s holds the token in clear", table, cols[i])
					}
				}
			}
			rows.Close()
		}
		// Listing tokens never shows the secret again.
		_, body := secGet(t, nil, "GET", env.URL+"/api/v1/tokens", "Authorization", "Bearer "+plain)
		if strings.Contains(body, secret) {
			t.Errorf("the token list shows the secret: %s", body)
		}
	})
}
