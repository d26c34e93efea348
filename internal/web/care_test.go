package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestCareJourney drives the care pages: a manager defines a dormancy and
// a service-due rule and runs them; the agent's today page shows the churn
// call and the service task with its booking link; the churn call closes
// with a reason, which the care report and its CSV show.
func TestCareJourney(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	mgr, agent, auditor := env.Login(t, "mgr_a"), env.Login(t, "agent_a1"), env.Login(t, "auditor")
	c := env.Customer(t, "agent_a1", "久未来店", "13500135009")
	year := time.Now().AddDate(-1, 0, 0).UTC()
	if _, err := env.Store.DB().Exec("UPDATE customers SET created_at = ? WHERE id = ?", year, c.ID); err != nil {
		t.Fatal(err)
	}
	h := &customer.Holding{CustomerID: c.ID, Kind: "vehicle", Name: "爱车", Model: "卡罗拉", Currency: "CNY",
		OpenedOn: year.Format("2006-01-02")}
	if err := env.App.Customers.SaveHolding(ctx, env.Actor("agent_a1"), h, 0); err != nil {
		t.Fatal(err)
	}
	// Permissions: agents manage no rules and read no report.
	if p := wGet(t, agent, env.URL+"/care/rules"); p.status != http.StatusForbidden {
		t.Fatalf("agent rules: %d", p.status)
	}
	if p := wGet(t, agent, env.URL+"/reports/care"); p.status != http.StatusForbidden {
		t.Fatalf("agent report: %d", p.status)
	}
	// A bad form keeps what was typed and says why.
	p := wPost(t, mgr, env.URL+"/care/rules", url.Values{"name": {"六个月未来店"}, "kind": {"dormancy"}, "channel": {"none"},
		"quiet_start": {"21:00"}, "enabled": {"1"}})
	if (p.status != http.StatusBadRequest && p.status != http.StatusUnprocessableEntity) || !strings.Contains(p.body, "六个月未来店") || !strings.Contains(p.body, "免打扰") {
		t.Fatalf("bad rule: %d", p.status)
	}
	for _, f := range []url.Values{
		{"name": {"六个月未来店"}, "kind": {"dormancy"}, "channel": {"none"}, "dormant_months": {"6"}, "activity": {"visit"}, "enabled": {"1"}},
		{"name": {"定期保养"}, "kind": {"service_due"}, "channel": {"none"}, "create_task": {"1"}, "months": {"6"}, "enabled": {"1"}},
	} {
		if p := wPost(t, mgr, env.URL+"/care/rules", f); p.status != http.StatusSeeOther {
			t.Fatalf("create rule: %d %s", p.status, p.body)
		}
	}
	p = wGet(t, mgr, env.URL+"/care/rules")
	ids := regexp.MustCompile(`/care/rules/(\d+)/run`).FindAllStringSubmatch(p.body, -1)
	if len(ids) != 2 || !strings.Contains(p.body, "流失预警") {
		t.Fatalf("rules page: %d runs", len(ids))
	}
	for _, m := range ids {
		if p := wPost(t, mgr, env.URL+"/care/rules/"+m[1]+"/run", nil); p.status != http.StatusSeeOther {
			t.Fatalf("run: %d", p.status)
		}
	}
	p = wGet(t, mgr, env.URL+"/care/rules/"+ids[0][1])
	if !strings.Contains(p.body, "dormant-since-") {
		t.Fatal("rule page lists no occurrence")
	}
	// The agent's today page: churn call with the reason select, service
	// task with the booking link.
	p = wGet(t, agent, env.URL+"/today")
	if !strings.Contains(p.body, `name="churn_reason"`) || !strings.Contains(p.body, "车辆已转卖") ||
		!strings.Contains(p.body, "/appointments/new?task=") || !strings.Contains(p.body, "badge bad") {
		t.Fatalf("today page lacks care tasks:\n%s", p.body)
	}
	m := regexp.MustCompile(`action="/tasks/(\d+)/close"[^>]*>\s*<input type="hidden" name="version" value="(\d+)">\s*<label>[^\n]*\n\s*<input type="hidden" name="churn"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no churn close form")
	}
	closeURL := env.URL + "/tasks/" + m[1] + "/close"
	p = wPost(t, agent, closeURL, url.Values{"version": {m[2]}, "status": {"done"}, "churn": {"1"}, "outcome": {"已联系"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "流失原因") {
		t.Fatalf("done without a reason: %d", p.status)
	}
	p = wPost(t, agent, closeURL, url.Values{"version": {m[2]}, "status": {"done"}, "churn": {"1"}, "outcome": {"已联系"},
		"churn_reason": {"sold"}, "usage_note": {"车已卖"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("close churn: %d %s", p.status, p.body)
	}
	// The report: the manager and the auditor see the reason at 100%.
	for _, cl := range []*http.Client{mgr, auditor} {
		p = wGet(t, cl, env.URL+"/reports/care")
		if p.status != http.StatusOK || !strings.Contains(p.body, "车辆已转卖") || !strings.Contains(p.body, "100%") {
			t.Fatalf("report: %d", p.status)
		}
	}
	p = wGet(t, mgr, env.URL+"/reports/care.csv")
	if p.status != http.StatusOK || !strings.Contains(p.body, "车辆已转卖") || !strings.Contains(p.header.Get("Content-Disposition"), "care-") {
		t.Fatalf("csv: %d %q", p.status, p.body)
	}
	if !strings.Contains(p.body, strconv.Itoa(1)) {
		t.Fatal("csv counts")
	}
	// Rule pages: 403 without care.admin, 404 for an unknown rule; the
	// churn close of another agent's task is 404 and changes nothing.
	mgrB, agentB := env.Login(t, "mgr_b"), env.Login(t, "agent_b")
	for _, r := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/care/rules/999999", nil},
		{"POST", "/care/rules/999999", url.Values{"version": {"1"}, "name": {"x"}, "kind": {"birthday"}, "channel": {"none"}, "create_task": {"1"}}},
		{"POST", "/care/rules/999999/delete", url.Values{"version": {"1"}}},
		{"POST", "/care/rules/999999/run", nil},
	} {
		for cl, want := range map[*http.Client]int{mgrB: http.StatusNotFound, agentB: http.StatusForbidden} {
			var got workPage
			if r.method == "GET" {
				got = wGet(t, cl, env.URL+r.path)
			} else {
				got = wPost(t, cl, env.URL+r.path, r.form)
			}
			if got.status != want {
				t.Errorf("%s %s: %d, want %d", r.method, r.path, got.status, want)
			}
		}
	}
	if p := wPost(t, env.Login(t, "agent_a2"), closeURL, url.Values{"version": {"2"}, "status": {"done"}, "churn": {"1"},
		"churn_reason": {"moved"}}); p.status != http.StatusNotFound {
		t.Fatalf("other agent closes: %d", p.status)
	}
}
