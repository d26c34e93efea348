package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/web"
)

// TestMFAWebAdminReset: an admin (user.admin) resets another user's second
// factor from the user page, audited once; others get 403.
func TestMFAWebAdminReset(t *testing.T) {
	mounted := false
	for _, r := range web.Routes() {
		mounted = mounted || r.Pattern == "/admin/users/{id}/mfa/reset"
	}
	if !mounted {
		t.Skip("POST /admin/users/{id}/mfa/reset is not in web/routes.go yet")
	}
	env := servertest.New(t, sqltest.SQLite(t))
	c := env.Login(t, "agent_a1")
	mfaDo(t, env, c, "POST", "/profile", url.Values{"form": {"mfa_setup"}})
	if r := mfaDo(t, env, c, "POST", "/profile", url.Values{"form": {"mfa_confirm"}, "code": {mfaNow(t, env, "agent_a1", 0)}}); r.status != http.StatusOK {
		t.Fatalf("enrol: %d", r.status)
	}
	path := "/admin/users/" + strconv.FormatInt(env.Users["agent_a1"].ID, 10) + "/mfa/reset"
	if r := mfaDo(t, env, env.Login(t, "agent_a2"), "POST", path, url.Values{}); r.status != http.StatusForbidden {
		t.Fatalf("agent: %d", r.status)
	}
	adm := env.Login(t, "admin")
	if r := mfaDo(t, env, adm, "POST", path, url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("admin: %d", r.status)
	}
	if r := mfaDo(t, env, adm, "POST", path, url.Values{}); r.status != http.StatusNotFound {
		t.Fatalf("second reset: %d", r.status)
	}
	if mfaAudit(t, env.Store, "mfa.disable") != 1 {
		t.Fatalf("mfa.disable rows %d", mfaAudit(t, env.Store, "mfa.disable"))
	}
}
