package server_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

func TestMiddleware(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))

	resp, err := http.Get(env.URL + "/api/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing %s", h)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %s", csp)
	}

	// A cross-site form post is refused before it reaches the login handler.
	req, _ := http.NewRequest("POST", env.URL+"/login", strings.NewReader("username=admin&password="+servertest.Password))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("cross-site login: %d %v", resp.StatusCode, resp.Header)
	}

	// A bad bearer token is 401 at once.
	req, _ = http.NewRequest("GET", env.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer gx_nope")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", resp.StatusCode)
	}

	// Oversized bodies are refused on every surface.
	req, _ = http.NewRequest("POST", env.URL+"/login", strings.NewReader(strings.Repeat("a", 2<<20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.URL)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("big form: %d", resp.StatusCode)
	}

	// Session cookie flags, and a session that reaches the pages.
	c := env.Login(t, "agent_a1")
	resp, err = c.Get(env.URL + "/customers")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "李经理") {
		t.Fatalf("customers page: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", env.URL+"/login", strings.NewReader("username=agent_a2&password="+servertest.Password))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.URL)
	resp, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ck := resp.Header.Get("Set-Cookie")
	if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Fatalf("session cookie flags: %q", ck)
	}
}

// TestMustChangePassword: after an admin reset, the user reaches only the
// password change until it is done.
func TestMustChangePassword(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := t.Context()
	u := env.Users["agent_a1"]
	const reset = "Reset-Password-2026!"
	if err := env.App.Auth.ResetPassword(ctx, env.Actor("admin"), u.ID, reset); err != nil {
		t.Fatal(err)
	}
	c := loginWith(t, env, "agent_a1", reset)
	resp, err := c.Get(env.URL + "/customers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/profile") {
		t.Fatalf("page before password change: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = c.Get(env.URL + "/api/v1/customers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("API before password change: %d", resp.StatusCode)
	}
	resp, err = c.Get(env.URL + "/profile")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("profile: %d", resp.StatusCode)
	}
}

func loginWith(t *testing.T, env *servertest.Env, username, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", env.URL+"/login", strings.NewReader("username="+username+"&password="+password))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return c
}

// TestPasswordChangeEndsOtherSessions (TESTPLAN B5): changing the password
// in one session signs out the others and keeps this one.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	one, two := env.Login(t, "agent_a1"), env.Login(t, "agent_a1")
	const pw = "Changed-Password-2026!"
	resp, err := one.PostForm(env.URL+"/profile/password", map[string][]string{
		"old_password": {servertest.Password}, "new_password": {pw}, "confirm_password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d", resp.StatusCode)
	}
	for name, c := range map[string]*http.Client{"this session": one, "other session": two} {
		resp, err := c.Get(env.URL + "/customers")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		signedOut := resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
		if signedOut != (name == "other session") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}
