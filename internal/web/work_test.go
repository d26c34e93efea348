package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// seedWebWork is servertest's SeedWork by the first path segment of the
// web routes.
func seedWebWork(t *testing.T, env *servertest.Env, customerID guanxi.ID) map[string]guanxi.ID {
	o := env.SeedWork(t, customerID)
	return map[string]guanxi.ID{"tasks": o.Task, "plans": o.Plan, "worklogs": o.WorkLog}
}

type workPage struct {
	status int
	loc    string
	body   string
	header http.Header
}

func wGet(t *testing.T, c *http.Client, u string) workPage {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return workPage{resp.StatusCode, resp.Header.Get("Location"), string(b), resp.Header}
}

func wPost(t *testing.T, c *http.Client, u string, form url.Values) workPage {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return workPage{resp.StatusCode, resp.Header.Get("Location"), string(b), resp.Header}
}

// TestWorkJourney drives the web UI: a next action becomes a task on the
// owner's today page, is closed with a logged follow-up; a work log is
// returned by the manager, fixed and approved; a manager defines a plan;
// the follow-up report and its CSV show the work.
func TestWorkJourney(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	agent, mgr := env.Login(t, "agent_a1"), env.Login(t, "mgr_a")
	c := env.Customer(t, "agent_a1", "=HYPERLINK(1)", "13500135001")
	today := env.App.Tasks.Today()
	if p := wGet(t, agent, env.URL+"/"); p.loc != "/today" {
		t.Fatalf("agent lands on %q", p.loc)
	}
	// An interaction without words for its dated next action is refused inline.
	cu := env.URL + "/customers/" + strconv.FormatInt(c.ID, 10)
	p := wPost(t, agent, cu+"/interactions", url.Values{"channel": {"phone"}, "direction": {"out"}, "summary": {"介绍产品"},
		"occurred_at": {time.Now().Format("2006-01-02T15:04")}, "purpose": {"sales"}, "next_action_on": {today}})
	if p.status != http.StatusUnprocessableEntity && p.status != http.StatusBadRequest {
		t.Fatalf("next action without words: %d", p.status)
	}
	if !strings.Contains(p.body, "介绍产品") {
		t.Fatal("typed summary lost")
	}
	p = wPost(t, agent, cu+"/interactions", url.Values{"channel": {"phone"}, "direction": {"out"}, "summary": {"介绍产品"},
		"occurred_at": {time.Now().Format("2006-01-02T15:04")}, "purpose": {"sales"}, "next_action": {"回电确认"}, "next_action_on": {today}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("interaction: %d %s", p.status, p.body)
	}
	p = wGet(t, agent, env.URL+"/today")
	if p.status != 200 || !strings.Contains(p.body, "回电确认") {
		t.Fatalf("today lacks the task: %d", p.status)
	}
	tasks, _ := env.App.Tasks.List(context.Background(), env.Actor("agent_a1"), task.ListQuery{})
	if len(tasks) != 1 {
		t.Fatalf("tasks: %+v", tasks)
	}
	tid := strconv.FormatInt(tasks[0].ID, 10)
	// Skip without an outcome: inline error, task still open.
	p = wPost(t, agent, env.URL+"/tasks/"+tid+"/close", url.Values{"version": {"1"}, "status": {"skipped"}})
	if p.status == http.StatusSeeOther || !strings.Contains(p.body, "ferr") {
		t.Fatalf("skip without outcome: %d", p.status)
	}
	p = wPost(t, agent, env.URL+"/tasks/"+tid+"/close", url.Values{"version": {"1"}, "status": {"done"}, "outcome": {"客户满意"}, "channel": {"phone"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("done: %d %s", p.status, p.body)
	}
	ins, _ := env.App.Customers.Interactions(context.Background(), env.Actor("agent_a1"), c.ID, 10)
	if len(ins) != 2 || ins[0].Purpose != "follow_up" {
		t.Fatalf("follow-up not logged: %+v", ins)
	}
	// A task added on the customer page shows there; a bad date is inline.
	if p = wPost(t, agent, cu+"/tasks", url.Values{"title": {"寄送资料"}, "due_on": {"2026-02-30"}}); p.status == http.StatusSeeOther || !strings.Contains(p.body, "寄送资料") {
		t.Fatalf("task with bad date: %d", p.status)
	}
	if p = wPost(t, agent, cu+"/tasks", url.Values{"title": {"寄送资料"}, "due_on": {today}}); p.status != http.StatusSeeOther {
		t.Fatalf("task add: %d %s", p.status, p.body)
	}
	if p = wGet(t, agent, cu); !strings.Contains(p.body, "寄送资料") {
		t.Fatal("customer page lacks the task")
	}
	// The manager sees the team's completion.
	if p = wGet(t, mgr, env.URL+"/today"); !strings.Contains(p.body, "李经理") || !strings.Contains(p.body, "50%") {
		t.Fatalf("manager today lacks team line")
	}

	// A visit form missing its mandatory fields, then complete.
	p = wPost(t, agent, env.URL+"/worklogs", url.Values{"kind": {"visit"}, "work_on": {today}, "destination": {"城东工业园"}})
	if p.status == http.StatusSeeOther || !strings.Contains(p.body, "城东工业园") || strings.Count(p.body, `class="ferr"`) < 2 {
		t.Fatalf("visit without person/contact: %d", p.status)
	}
	p = wPost(t, agent, env.URL+"/worklogs", url.Values{"kind": {"visit"}, "work_on": {today}, "destination": {"城东工业园"},
		"person_visited": {"张总"}, "contact": {"13900139000"}, "purpose": {"续贷"}, "customer_ids": {strconv.FormatInt(c.ID, 10)}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("visit: %d %s", p.status, p.body)
	}
	wl := p.loc
	if p = wPost(t, agent, env.URL+wl+"/submit", url.Values{"version": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("submit: %d", p.status)
	}
	// The manager sees it masked, must comment to return it.
	p = wGet(t, mgr, env.URL+wl)
	if strings.Contains(p.body, "13900139000") || !strings.Contains(p.body, "张总") {
		t.Fatal("contact not masked for the reviewer")
	}
	if p = wPost(t, mgr, env.URL+wl+"/review", url.Values{"version": {"2"}, "decision": {"return"}}); p.status == http.StatusSeeOther {
		t.Fatal("returned without comment")
	}
	if p = wPost(t, mgr, env.URL+wl+"/review", url.Values{"version": {"2"}, "decision": {"return"}, "comment": {"请补充结果"}}); p.status != http.StatusSeeOther {
		t.Fatalf("return: %d %s", p.status, p.body)
	}
	// Another agent cannot see it at all; the author edits and resubmits.
	if p = wGet(t, env.Login(t, "agent_a2"), env.URL+wl); p.status != http.StatusNotFound {
		t.Fatalf("agent_a2 sees the visit form: %d", p.status)
	}
	p = wPost(t, agent, env.URL+wl, url.Values{"version": {"3"}, "work_on": {today}, "destination": {"城东工业园"},
		"person_visited": {"张总"}, "contact": {"13900139000"}, "result": {"同意续贷"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("edit returned: %d %s", p.status, p.body)
	}
	wPost(t, agent, env.URL+wl+"/submit", url.Values{"version": {"4"}})
	if p = wPost(t, mgr, env.URL+wl+"/review", url.Values{"version": {"5"}, "decision": {"approve"}}); p.status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", p.status, p.body)
	}
	if p = wGet(t, agent, env.URL+wl); !strings.Contains(p.body, "同意续贷") || strings.Contains(p.body, `action="`+wl+`"`) {
		t.Fatal("approved entry still editable")
	}

	// A manager's plan, then the report and its CSV.
	p = wPost(t, mgr, env.URL+"/plans", url.Values{"name": {"交车回访"}, "trigger": {"vehicle_delivery"}, "offset_days": {"3"},
		"org_unit_id": {strconv.FormatInt(env.Units["branch_a"].ID, 10)}, "title": {"交车回访 {customer}"}, "active": {"1"}, "starts_on": {today}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("plan: %d %s", p.status, p.body)
	}
	if p = wGet(t, mgr, env.URL+"/plans"); !strings.Contains(p.body, "交车回访") {
		t.Fatal("plan not listed")
	}
	if p = wGet(t, agent, env.URL+"/plans"); p.status != http.StatusForbidden {
		t.Fatalf("agent plans: %d", p.status)
	}
	if p = wGet(t, mgr, env.URL+"/reports/followup?period=month"); p.status != 200 || !strings.Contains(p.body, "李经理") {
		t.Fatalf("report: %d", p.status)
	}
	p = wGet(t, mgr, env.URL+"/reports/followup.csv?period=week")
	if p.status != 200 || !strings.HasPrefix(p.body, "\xEF\xBB\xBF") || !strings.Contains(p.body, "李经理") {
		t.Fatalf("csv: %d %q", p.status, p.body)
	}
	if p = wGet(t, agent, env.URL+"/reports/followup"); p.status != http.StatusForbidden {
		t.Fatalf("agent report: %d", p.status)
	}
}
