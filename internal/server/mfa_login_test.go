package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

type mfaResp struct {
	status   int
	location string
	body     string
}

func mfaClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func mfaDo(t *testing.T, env *servertest.Env, c *http.Client, method, path string, form url.Values) mfaResp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, env.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", env.URL)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return mfaResp{resp.StatusCode, resp.Header.Get("Location"), string(b)}
}

// mfaNow is username's TOTP code d steps from now.
func mfaNow(t *testing.T, env *servertest.Env, username string, d int64) string {
	t.Helper()
	m, err := env.Store.MFA(context.Background(), env.Users[username].ID)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := auth.DecodeTOTPSecret(m.Secret)
	return auth.HOTP(key, auth.TOTPStep(time.Now())+d, auth.TOTPDigits)
}

// wantHalfSignedIn checks that a session between password and code reaches
// neither pages nor the API.
func wantHalfSignedIn(t *testing.T, env *servertest.Env, c *http.Client) {
	t.Helper()
	if r := mfaDo(t, env, c, "GET", "/customers", nil); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Fatalf("half-signed-in /customers: %d %s", r.status, r.location)
	}
	for _, p := range []string{"/api/v1/customers", "/api/v1/me"} {
		if r := mfaDo(t, env, c, "GET", p, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("half-signed-in %s: %d", p, r.status)
		}
	}
	if r := mfaDo(t, env, c, "POST", "/profile", url.Values{"form": {"mfa_setup"}}); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Fatalf("half-signed-in POST /profile: %d %s", r.status, r.location)
	}
}

func mfaAudit(t *testing.T, s *sqlstore.Store, action string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM audit_log WHERE action = '"+action+"'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMFAWebLogin (TESTPLAN B4) drives the real handler: enrolment on the
// profile page, then a sign-in whose session reaches nothing until the
// code, a wrong and a replayed code refused and audited, a recovery code.
func TestMFAWebLogin(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c := env.Login(t, "agent_a1")
		if r := mfaDo(t, env, c, "POST", "/profile", url.Values{"form": {"mfa_setup"}}); r.status != http.StatusSeeOther {
			t.Fatalf("setup: %d", r.status)
		}
		m, err := s.MFA(context.Background(), env.Users["agent_a1"].ID)
		if err != nil || m.Active() {
			t.Fatalf("pending factor: %+v %v", m, err)
		}
		r := mfaDo(t, env, c, "GET", "/profile", nil)
		if !strings.Contains(r.body, m.Secret) || !strings.Contains(r.body, "otpauth://totp/Guanxi:agent_a1?") {
			t.Fatal("the profile page does not show the secret and its otpauth URI")
		}
		if r := mfaDo(t, env, c, "POST", "/profile", url.Values{"form": {"mfa_confirm"}, "code": {"000000"}}); r.status != http.StatusBadRequest {
			t.Fatalf("wrong confirmation code: %d", r.status)
		}
		r = mfaDo(t, env, c, "POST", "/profile", url.Values{"form": {"mfa_confirm"}, "code": {mfaNow(t, env, "agent_a1", 0)}})
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="recovery-codes"`) {
			t.Fatalf("confirm: %d", r.status)
		}
		_, block, _ := strings.Cut(r.body, `id="recovery-codes" class="token">`)
		block, _, _ = strings.Cut(block, "</pre>")
		recovery := strings.Fields(block)
		if len(recovery) != 10 {
			t.Fatalf("recovery codes shown: %q", block)
		}
		if r := mfaDo(t, env, c, "GET", "/profile", nil); strings.Contains(r.body, recovery[0]) || strings.Contains(r.body, m.Secret) {
			t.Fatal("recovery codes or the secret shown again")
		}

		// Sign in: the password alone leaves the session half signed in.
		d := mfaClient()
		r = mfaDo(t, env, d, "POST", "/login", url.Values{"username": {"agent_a1"}, "password": {servertest.Password}, "next": {"/customers?x=1"}})
		if r.status != http.StatusSeeOther || r.location != "/login" {
			t.Fatalf("password step: %d %s", r.status, r.location)
		}
		wantHalfSignedIn(t, env, d)
		if r := mfaDo(t, env, d, "GET", "/login", nil); r.status != http.StatusOK || !strings.Contains(r.body, `name="step" value="code"`) {
			t.Fatalf("code page: %d", r.status)
		}
		if r := mfaDo(t, env, d, "POST", "/login", url.Values{"step": {"code"}, "code": {"12345x"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong code: %d", r.status)
		}
		wantHalfSignedIn(t, env, d)
		// The enrolment spent this step's code; the next step's is in the window.
		code := mfaNow(t, env, "agent_a1", 1)
		r = mfaDo(t, env, d, "POST", "/login", url.Values{"step": {"code"}, "code": {code}})
		if r.status != http.StatusSeeOther || r.location != "/customers?x=1" {
			t.Fatalf("code step: %d %s", r.status, r.location)
		}
		if r := mfaDo(t, env, d, "GET", "/customers", nil); r.status != http.StatusOK {
			t.Fatalf("signed in /customers: %d", r.status)
		}
		if r := mfaDo(t, env, d, "GET", "/api/v1/me", nil); r.status != http.StatusOK {
			t.Fatalf("signed in /api/v1/me: %d", r.status)
		}

		// The same code again, from another browser: refused and audited.
		e := mfaClient()
		mfaDo(t, env, e, "POST", "/login", url.Values{"username": {"agent_a1"}, "password": {servertest.Password}})
		failed := mfaAudit(t, s, "mfa.failed")
		if r := mfaDo(t, env, e, "POST", "/login", url.Values{"step": {"code"}, "code": {code}}); r.status != http.StatusUnauthorized {
			t.Fatalf("replayed code: %d", r.status)
		}
		if mfaAudit(t, s, "mfa.failed") != failed+1 {
			t.Fatal("the replay is not audited once")
		}
		wantHalfSignedIn(t, env, e)
		// A recovery code works once.
		if r := mfaDo(t, env, e, "POST", "/login", url.Values{"step": {"code"}, "code": {recovery[0]}}); r.status != http.StatusSeeOther {
			t.Fatalf("recovery code: %d", r.status)
		}
		f := mfaClient()
		mfaDo(t, env, f, "POST", "/login", url.Values{"username": {"agent_a1"}, "password": {servertest.Password}})
		if r := mfaDo(t, env, f, "POST", "/login", url.Values{"step": {"code"}, "code": {recovery[0]}}); r.status != http.StatusUnauthorized {
			t.Fatalf("spent recovery code: %d", r.status)
		}
		// Starting over drops the pending step.
		mfaDo(t, env, f, "POST", "/login", url.Values{"step": {"cancel"}})
		if r := mfaDo(t, env, f, "GET", "/login", nil); !strings.Contains(r.body, `name="password"`) {
			t.Fatal("cancel did not return to the password form")
		}
	})
}

// TestMFAWebForcedEnrol: under mlps3 an admin without a factor must set one
// up before reaching anything; under asvs the admin signs in directly.
func TestMFAWebForcedEnrol(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	c := mfaClient()
	if r := mfaDo(t, env, c, "POST", "/login", url.Values{"username": {"admin"}, "password": {servertest.Password}}); r.location != "/customers" {
		t.Fatalf("asvs admin: %d %s", r.status, r.location)
	}
	if err := env.App.Settings.Set(ctx, guanxi.SystemActor("test"), settings.PasswordPolicy, "mlps3", 0); err != nil {
		t.Fatal(err)
	}
	c = mfaClient()
	if r := mfaDo(t, env, c, "POST", "/login", url.Values{"username": {"admin"}, "password": {servertest.Password}}); r.location != "/login" {
		t.Fatalf("mlps3 admin password step: %d %s", r.status, r.location)
	}
	wantHalfSignedIn(t, env, c)
	r := mfaDo(t, env, c, "GET", "/login", nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, `name="step" value="enrol"`) || !strings.Contains(r.body, "otpauth://totp/Guanxi:admin?") {
		t.Fatalf("enrol page: %d", r.status)
	}
	if r := mfaDo(t, env, c, "POST", "/login", url.Values{"step": {"enrol"}, "code": {"000000"}}); r.status != http.StatusBadRequest {
		t.Fatalf("wrong enrol code: %d", r.status)
	}
	wantHalfSignedIn(t, env, c)
	r = mfaDo(t, env, c, "POST", "/login", url.Values{"step": {"enrol"}, "code": {mfaNow(t, env, "admin", 0)}})
	if r.status != http.StatusOK || !strings.Contains(r.body, `id="recovery-codes"`) {
		t.Fatalf("enrol: %d", r.status)
	}
	if r := mfaDo(t, env, c, "GET", "/customers", nil); r.status != http.StatusOK {
		t.Fatalf("after enrolment /customers: %d", r.status)
	}
	if mfaAudit(t, env.Store, "mfa.enroll") != 1 {
		t.Fatal("enrolment not audited once")
	}
	// An mlps3 agent is not forced.
	if r := mfaDo(t, env, mfaClient(), "POST", "/login", url.Values{"username": {"agent_a1"}, "password": {servertest.Password}}); r.location != "/customers" {
		t.Fatalf("mlps3 agent: %d %s", r.status, r.location)
	}
}
