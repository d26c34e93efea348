package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestConsentAndRetentionPages: the consent page shows the grid and the
// history with notice versions; grant/withdraw through the form; another
// branch gets 404; the retention admin saves a rule and queues a run.
func TestConsentAndRetentionPages(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	agent, other, admin := env.Login(t, "agent_a1"), env.Login(t, "agent_b"), env.Login(t, "admin")
	c := env.Customer(t, "agent_a1", "授权客户", "13500135999")
	cp := env.URL + "/customers/" + strconv.FormatInt(c.ID, 10) + "/consent"
	p := wPost(t, agent, cp, url.Values{"action": {"grant"}, "pc": {"marketing:sms", "care:email"}, "note": {"柜面签字"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", p.status, p.body)
	}
	p = wGet(t, agent, cp)
	if p.status != 200 || !strings.Contains(p.body, "柜面签字") || strings.Count(p.body, "已同意") < 3 {
		t.Fatalf("consent page: %d", p.status)
	}
	if p = wPost(t, agent, cp, url.Values{"action": {"withdraw"}, "pc": {"marketing:sms"}}); p.status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", p.status)
	}
	if p = wGet(t, other, cp); p.status != http.StatusNotFound {
		t.Fatalf("other branch: %d", p.status)
	}
	if p = wGet(t, agent, env.URL+"/admin/retention"); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Fatalf("agent retention: %d", p.status)
	}
	p = wGet(t, admin, env.URL+"/admin/retention")
	if p.status != 200 || !strings.Contains(p.body, "互动记录") {
		t.Fatalf("retention page: %d", p.status)
	}
	p = wPost(t, admin, env.URL+"/admin/retention/rules/interactions", url.Values{"days": {"30"}, "enabled": {"1"}, "version": {"1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save rule: %d %s", p.status, p.body)
	}
	if p = wPost(t, admin, env.URL+"/admin/retention/rules/interactions", url.Values{"days": {"0"}, "version": {"2"}}); p.status != http.StatusBadRequest {
		t.Fatalf("days 0: %d", p.status)
	}
	_ = servertest.New
}
