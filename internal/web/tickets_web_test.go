package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// seedWebTickets is servertest's SeedTickets by the first path segment of
// the web routes.
func seedWebTickets(t *testing.T, env *servertest.Env, customerID guanxi.ID) map[string]guanxi.ID {
	o := env.SeedTickets(t, customerID)
	return map[string]guanxi.ID{"tickets": o.Ticket, "notices": o.Notice, "notifications": o.Notification}
}

func postForm(t *testing.T, env *servertest.Env, c *http.Client, path string, form url.Values) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func getPage(t *testing.T, env *servertest.Env, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(env.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestWebTicketJourney registers a complaint from a customer's page and
// takes it through the process in the web UI, with inline errors that name
// the field or the step, and a 412 page when the ticket changed meanwhile.
func TestWebTicketJourney(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	c := env.Customer(t, "agent_a1", "孙八", "13500135001")
	agent, mgr := env.Login(t, "agent_a1"), env.Login(t, "mgr_a")

	st, body := getPage(t, env, agent, fmt.Sprintf("/customers/%d", c.ID))
	if st != 200 || !strings.Contains(body, fmt.Sprintf("/tickets/new?customer_id=%d", c.ID)) {
		t.Fatalf("customer page lacks the complaint link: %d", st)
	}
	st, body = getPage(t, env, agent, fmt.Sprintf("/tickets/new?customer_id=%d", c.ID))
	if st != 200 || !strings.Contains(body, "客户投诉处理表") || !strings.Contains(body, "孙八") {
		t.Fatalf("new form: %d\n%s", st, body)
	}
	// Missing subject: the form comes back with the field named and the text kept.
	form := url.Values{"customer_id": {fmt.Sprint(c.ID)}, "channel": {"phone"}, "severity": {"high"},
		"description": {"柜台多收了手续费"}, "contact_name": {"孙八"}, "contact_phone": {"13500135001"}}
	st, _, body = postForm(t, env, agent, "/tickets", form)
	if st != 400 || !strings.Contains(body, "柜台多收了手续费") || !strings.Contains(body, "投诉事由") {
		t.Fatalf("invalid form: %d\n%s", st, body)
	}
	form.Set("subject", "多收手续费")
	st, loc, _ := postForm(t, env, agent, "/tickets", form)
	if st != 303 || !strings.HasPrefix(loc, "/tickets/") {
		t.Fatalf("register: %d %s", st, loc)
	}
	page := loc
	st, body = getPage(t, env, agent, page)
	if st != 200 || !strings.Contains(body, "TS-2026-") || !strings.Contains(body, "135****5001") || strings.Contains(body, "13500135001") {
		t.Fatalf("ticket page: %d\n%s", st, body)
	}
	// The agent is offered no confirm button; the manager is.
	if strings.Contains(body, `value="confirm"`) {
		t.Fatal("agent offered confirm")
	}
	_, body = getPage(t, env, mgr, page)
	if !strings.Contains(body, `value="confirm"`) {
		t.Fatal("manager not offered confirm")
	}
	steps := page + "/steps"
	if st, _, _ := postForm(t, env, mgr, steps, url.Values{"version": {"1"}, "step": {"confirm"}}); st != 303 {
		t.Fatalf("confirm: %d", st)
	}
	// A second manager's form still at version 1: refused with 412, not lost.
	st, _, body = postForm(t, env, mgr, steps, url.Values{"version": {"1"}, "step": {"note"}, "note": {"旧页面"}})
	if st != 412 || !strings.Contains(body, "已被他人修改") {
		t.Fatalf("stale: %d\n%s", st, body)
	}
	// Closing now names the missing step.
	st, _, body = postForm(t, env, agent, steps, url.Values{"version": {"2"}, "step": {"close"}})
	if st != 409 || !strings.Contains(body, "反馈") {
		t.Fatalf("early close: %d\n%s", st, body)
	}
	a1 := env.Users["agent_a1"].ID
	if st, _, b := postForm(t, env, mgr, steps, url.Values{"version": {"2"}, "step": {"route"}, "assignee_id": {fmt.Sprint(a1)}}); st != 303 {
		t.Fatalf("route: %d %s", st, b)
	}
	st, _, body = postForm(t, env, agent, steps, url.Values{"version": {"3"}, "step": {"handle"}, "root_cause": {"费率配置"}})
	if st != 400 || !strings.Contains(body, "处理结果") || !strings.Contains(body, "费率配置") {
		t.Fatalf("handle without result: %d\n%s", st, body)
	}
	for i, f := range []url.Values{
		{"step": {"handle"}, "resolution": {"退还多收费用"}, "root_cause": {"费率配置"}},
		{"step": {"feedback"}, "feedback": {"已电话告知"}, "feedback_channel": {"phone"}},
		{"step": {"opinion"}, "opinion": {"满意"}, "satisfaction": {"5"}},
		{"step": {"close"}},
	} {
		f.Set("version", fmt.Sprint(3+i))
		if st, _, b := postForm(t, env, agent, steps, f); st != 303 {
			t.Fatalf("%s: %d\n%s", f.Get("step"), st, b)
		}
	}
	_, body = getPage(t, env, agent, page)
	for _, want := range []string{"已结案", "退还多收费用", "处理记录", "经理确认"} {
		if !strings.Contains(body, want) {
			t.Errorf("closed page lacks %q", want)
		}
	}
	// The board, filtered, and in English.
	st, body = getPage(t, env, mgr, "/tickets?status=closed")
	if st != 200 || !strings.Contains(body, "多收手续费") {
		t.Fatalf("board: %d", st)
	}
	if st, body = getPage(t, env, mgr, "/tickets?status=routed"); st != 200 || strings.Contains(body, "多收手续费") {
		t.Fatalf("board filter: %d", st)
	}
	// Notifications: the agent was told of the assignment.
	st, body = getPage(t, env, agent, "/notifications")
	if st != 200 || !strings.Contains(body, "已分派给您处理") {
		t.Fatalf("notifications: %d\n%s", st, body)
	}
	// SLA page renders; a branch manager may not change the calendar.
	if st, _ := getPage(t, env, mgr, "/tickets/sla"); st != 200 {
		t.Fatalf("sla page: %d", st)
	}
	st, _, body = postForm(t, env, env.Login(t, "mgr_b"), "/tickets/sla/calendar", url.Values{"year": {"2027"}, "text": {"2027-01-01 holiday new_year"}})
	if st != 403 {
		t.Fatalf("mgr_b calendar: %d", st)
	}
	admin := env.Login(t, "admin")
	st, _, body = postForm(t, env, admin, "/tickets/sla/calendar", url.Values{"year": {"2027"}, "text": {"2027-01-01 holiday new_year\n2027-02-30 休 spring_festival"}})
	if st != 400 || !strings.Contains(body, "第 2 行") {
		t.Fatalf("bad calendar: %d\n%s", st, body)
	}
	if st, _, b := postForm(t, env, admin, "/tickets/sla/calendar", url.Values{"year": {"2027"}, "text": {"2027-01-01 holiday new_year"}}); st != 303 {
		t.Fatalf("calendar: %d %s", st, b)
	}
	if st, _, b := postForm(t, env, mgr, "/tickets/sla/hours", url.Values{"org_unit_id": {fmt.Sprint(env.Units["team_a1"].ID)}, "hours": {"08:30-12:00, 13:00-17:00"}}); st != 303 {
		t.Fatalf("hours: %d %s", st, b)
	}
	if st, _, b := postForm(t, env, admin, "/tickets/sla/policies", url.Values{"category_id": {"0"}, "severity": {"high"}, "first_response": {"2"}, "first_response_unit": {"hours"}, "resolution": {"3"}, "resolution_unit": {"days"}}); st != 303 {
		t.Fatalf("policy: %d %s", st, b)
	}
	_, body = getPage(t, env, admin, "/tickets/sla")
	for _, want := range []string{"2027", "08:30-12:00", "工作日"} {
		if !strings.Contains(body, want) {
			t.Errorf("sla page lacks %q", want)
		}
	}
}
