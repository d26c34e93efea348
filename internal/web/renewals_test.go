package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestRenewalWebJourney: the agent sees this month's due holding, a lapse
// without a reason is refused inline, a renewal moves the due date, the
// same period again is a localised conflict; another branch gets 404; the
// manager's analysis shows the month, draws charts and exports.
func TestRenewalWebJourney(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	agent, other, mgr := env.Login(t, "agent_a1"), env.Login(t, "agent_b"), env.Login(t, "mgr_a")
	owner := env.Actor("agent_a1")
	c := env.Customer(t, "agent_a1", "极速网吧", "13500135100")
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(loc)
	due := time.Date(now.Year(), now.Month(), 15, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	next := time.Date(now.Year()+1, now.Month(), 15, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	h := &customer.Holding{CustomerID: c.ID, Kind: "subscription", Name: "=平台年费", Currency: "CNY", DueOn: due}
	if err := env.App.Customers.SaveHolding(ctx, owner, h, 0); err != nil {
		t.Fatal(err)
	}
	p := wGet(t, agent, env.URL+"/renewals")
	if p.status != 200 || !strings.Contains(p.body, "极速网吧") || !strings.Contains(p.body, `value="`+next+`"`) {
		t.Fatalf("renewal list: %d", p.status)
	}
	hp := env.URL + "/renewals/holdings/" + strconv.FormatInt(h.ID, 10)
	p = wPost(t, agent, hp, url.Values{"outcome": {"lapsed"}, "due_on": {due}, "note": {"再考虑"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "未续费须选择原因") || !strings.Contains(p.body, "再考虑") {
		t.Fatalf("lapse without reason: %d", p.status)
	}
	if p = wGet(t, other, hp); p.status != http.StatusNotFound {
		t.Fatalf("other branch: %d", p.status)
	}
	p = wPost(t, agent, hp, url.Values{"outcome": {"renewed"}, "due_on": {due}, "fee": {"1,200.50"}, "new_due_on": {next},
		"holding_version": {"1"}, "back": {"/renewals?status=renewed"}})
	if p.status != http.StatusSeeOther || p.loc != "/renewals?status=renewed" {
		t.Fatalf("renew: %d %s", p.status, p.body)
	}
	hs, _ := env.App.Customers.Holdings(ctx, owner, c.ID)
	if len(hs) != 1 || hs[0].DueOn != next {
		t.Fatalf("due date not moved: %+v", hs)
	}
	p = wGet(t, agent, env.URL+"/renewals?status=renewed")
	if !strings.Contains(p.body, "已续费") || !strings.Contains(p.body, "¥1,200.50") {
		t.Fatalf("renewed row missing: %d", p.status)
	}
	p = wPost(t, agent, hp, url.Values{"outcome": {"renewed"}, "due_on": {due}, "fee": {"1"}, "new_due_on": {next}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "该期已处理") {
		t.Fatalf("same period again: %d", p.status)
	}
	// The list exports (data.export: the manager), text cells defused.
	p = wGet(t, mgr, env.URL+"/renewals/export.csv?status=renewed")
	if p.status != 200 || !strings.Contains(p.body, "极速网吧") || !strings.Contains(p.body, "'=平台年费") {
		t.Fatalf("list csv: %d %q", p.status, p.body)
	}
	if p = wGet(t, agent, env.URL+"/renewals/export.csv"); p.status != http.StatusForbidden {
		t.Fatalf("agent export: %d", p.status)
	}
	// The analysis: for managers, with charts, CSV and Excel.
	if p = wGet(t, agent, env.URL+"/reports/renewals"); p.status != http.StatusForbidden {
		t.Fatalf("agent analysis: %d", p.status)
	}
	month := now.Format("2006-01")
	p = wGet(t, mgr, env.URL+"/reports/renewals?from="+month+"&to="+month)
	if p.status != 200 || !strings.Contains(p.body, "续费分析") || !strings.Contains(p.body, `data-chart="monthly"`) ||
		!strings.Contains(p.body, "100.0%") || !strings.Contains(p.body, "¥1,200.50") {
		t.Fatalf("analysis: %d", p.status)
	}
	p = wGet(t, mgr, env.URL+"/reports/renewals.csv?from="+month+"&to="+month)
	if p.status != 200 || !strings.Contains(p.body, "合计") || !strings.Contains(p.body, "1200.5") {
		t.Fatalf("csv: %d %q", p.status, p.body)
	}
	p = wGet(t, mgr, env.URL+"/reports/renewals.xlsx?from="+month+"&to="+month)
	if p.status != 200 || !strings.HasPrefix(p.body, "PK") {
		t.Fatalf("xlsx: %d", p.status)
	}
	if p = wGet(t, mgr, env.URL+"/reports/renewals?from=2026-13"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "2026-03") {
		t.Fatalf("bad month: %d", p.status)
	}
	// Reason codes: care.admin adds one; agents may not.
	if p = wGet(t, agent, env.URL+"/renewals/reasons"); p.status != http.StatusForbidden {
		t.Fatalf("agent reasons: %d", p.status)
	}
	p = wPost(t, mgr, env.URL+"/renewals/reasons", url.Values{"code": {"moved"}, "name_zh": {"搬迁"}, "position": {"55"}, "active": {"1"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("add reason: %d %s", p.status, p.body)
	}
	if p = wGet(t, mgr, env.URL+"/renewals/reasons"); !strings.Contains(p.body, "搬迁") || !strings.Contains(p.body, "服务器不稳定") {
		t.Fatalf("reasons page: %d", p.status)
	}
}
