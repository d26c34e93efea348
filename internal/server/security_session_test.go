package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// postLogin signs in through the form without a cookie jar and returns the
// response with its body; cookies are sent as given.
func postLogin(t *testing.T, base, username, password string, cookies ...*http.Cookie) (*http.Response, string) {
	t.Helper()
	form := url.Values{"username": {username}, "password": {password}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "session") && c.Value != "" {
			return c
		}
	}
	return nil
}

// TestSessionCookieHygiene (TESTPLAN B5): behind TLS the session cookie is
// __Host- prefixed, Secure, HttpOnly and SameSite, with path / and no
// domain; a planted session id is replaced at sign-in; signing out ends the
// session on the server, so a copied cookie is dead; idle expiry is 30
// minutes by default. (Other sessions ending on a password change:
// TestPasswordChangeEndsOtherSessions.)
func TestSessionCookieHygiene(t *testing.T) {
	srv := newTLSServer(t)
	planted := &http.Cookie{Name: "__Host-guanxi_session", Value: "planted-by-an-attacker-0123456789"}
	resp, _ := postLogin(t, srv.URL, "tls_admin", servertest.Password, planted)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	ck := sessionCookie(resp)
	if ck == nil {
		t.Fatalf("no session cookie: %v", resp.Header["Set-Cookie"])
	}
	raw := strings.Join(resp.Header["Set-Cookie"], "; ")
	if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || !ck.HttpOnly || ck.SameSite == http.SameSiteNoneMode ||
		ck.SameSite == http.SameSiteDefaultMode || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("session cookie flags: %s", raw)
	}
	if ck.Value == planted.Value {
		t.Error("the planted session id survived sign-in (fixation)")
	}
	resp2, _ := postLogin(t, srv.URL, "tls_admin", servertest.Password)
	if c2 := sessionCookie(resp2); c2 == nil || c2.Value == ck.Value {
		t.Error("two sign-ins share a session id")
	}

	page := func(c *http.Cookie) int {
		req, _ := http.NewRequest("GET", srv.URL+"/customers", nil)
		req.AddCookie(c)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := page(ck); st != 200 {
		t.Fatalf("signed-in page: %d", st)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/logout", nil)
	req.Header.Set("Origin", srv.URL)
	req.AddCookie(ck)
	out, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if st := page(ck); st != http.StatusSeeOther {
		t.Errorf("the cookie still works after sign-out: %d", st)
	}
}

// TestIdleTimeoutDefault (TESTPLAN B5): sessions expire after 30 idle
// minutes unless an administrator sets otherwise.
func TestIdleTimeoutDefault(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	if got := env.App.Sessions.IdleTimeout; got <= 0 || got > 30*time.Minute {
		t.Fatalf("idle timeout %v, want at most 30 minutes", got)
	}
}

// TestCSRFRefused (TESTPLAN B6): a state change carried by the session
// cookie from another site (foreign Origin, Sec-Fetch-Site cross-site, or
// the opaque origin "null") is refused with 403 on the pages and on the
// API, and nothing is written; the same form from our own origin works.
func TestCSRFRefused(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c := env.Login(t, "agent_a1")
		counts := func() map[string]int64 {
			m, err := s.TableCounts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		form := url.Values{"kind": {"person"}, "name": {"跨站"}, "stage": {"customer"}}.Encode()
		send := func(path, ctype, body string, hdr ...string) int {
			req, _ := http.NewRequest("POST", env.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		before := counts()
		for _, hdr := range [][]string{
			{"Origin", "https://evil.example"},
			{"Origin", "null"},
			{"Sec-Fetch-Site", "cross-site"},
			{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
			{"Origin", strings.Replace(env.URL, "127.0.0.1", "localhost", 1)},
		} {
			if st := send("/customers", "application/x-www-form-urlencoded", form, hdr...); st != 403 {
				t.Errorf("page form with %v: %d", hdr, st)
			}
			if st := send("/api/v1/customers", "application/json", `{"name":"跨站"}`, hdr...); st != 403 {
				t.Errorf("API with the cookie and %v: %d", hdr, st)
			}
			if st := send("/logout", "application/x-www-form-urlencoded", "", hdr...); st != 403 {
				t.Errorf("sign-out with %v: %d", hdr, st)
			}
		}
		if after := counts(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("refused requests wrote: %v → %v", before, after)
		}
		// The same form from our own pages works.
		if st := send("/customers", "application/x-www-form-urlencoded", form, "Origin", env.URL, "Sec-Fetch-Site", "same-origin"); st != http.StatusSeeOther {
			t.Fatalf("same-origin form: %d", st)
		}
	})
}
