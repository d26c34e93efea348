package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/web"
)

// webScopeForm is a plausible form for each web route with an id, so the
// answer comes from the scope or permission check and not from validation.
// A new {id} route without an entry fails the test.
var webScopeForm = map[string]url.Values{
	// Care rules (care.go): no rule carries the customer's id.
	"GET /care/rules/{id}":         nil,
	"POST /care/rules/{id}":        {"version": {"1"}, "name": {"x"}, "kind": {"birthday"}, "channel": {"none"}, "create_task": {"1"}},
	"POST /care/rules/{id}/delete": {"version": {"1"}},
	"POST /care/rules/{id}/run":    nil,
	"POST /admin/jobs/{id}/retry":  {"version": {"1"}},
	// The outbox (outbox.go).
	"GET /outbox/{id}":                           nil,
	"POST /outbox/{id}/cancel":                   {"version": {"1"}},
	"POST /outbox/{id}/retry":                    {"version": {"1"}},
	"GET /appointments/{id}":                     nil,
	"POST /appointments/{id}/reschedule":         {"version": {"1"}, "starts_at": {"2030-01-07T10:00"}},
	"POST /appointments/{id}/confirm":            {"version": {"1"}},
	"POST /appointments/{id}/arrive":             {"version": {"1"}, "gift": {"1"}},
	"POST /appointments/{id}/no-show":            {"version": {"1"}},
	"POST /appointments/{id}/cancel":             {"version": {"1"}, "reason": {"x"}},
	"GET /renewals/holdings/{id}":                nil,
	"POST /renewals/holdings/{id}":               {"outcome": {"renewed"}, "new_due_on": {"2030-01-01"}},
	"GET /renewals/{id}":                         nil,
	"POST /renewals/{id}":                        {"version": {"1"}, "outcome": {"renewed"}, "new_due_on": {"2030-01-01"}},
	"GET /customers/{id}":                        nil,
	"GET /customers/{id}/edit":                   nil,
	"POST /customers/{id}":                       {"version": {"1"}, "kind": {"person"}, "name": {"改名"}, "stage": {"customer"}},
	"POST /customers/{id}/delete":                {"version": {"1"}},
	"POST /customers/{id}/restore":               nil,
	"GET /customers/{id}/transfer":               nil,
	"POST /customers/{id}/transfer":              {"to_owner_id": {"1"}, "reason": {"调岗"}},
	"POST /customers/{id}/reveal":                {"field": {"mobile"}, "reason": {"核实"}},
	"POST /customers/{id}/interactions":          {"channel": {"phone"}, "direction": {"out"}, "summary": {"回访"}, "occurred_at": {"2026-01-02T10:00"}},
	"POST /customers/{id}/contacts":              {"name": {"联系人"}},
	"POST /customers/{id}/holdings":              {"kind": {"loan"}, "name": {"贷款"}, "currency": {"CNY"}},
	"GET /customers/{id}/contacts/{sub}/edit":    nil,
	"POST /customers/{id}/contacts/{sub}":        {"version": {"1"}, "name": {"改名"}},
	"POST /customers/{id}/contacts/{sub}/delete": {"version": {"1"}},
	"GET /customers/{id}/holdings/{sub}/edit":    nil,
	"POST /customers/{id}/holdings/{sub}":        {"version": {"1"}, "kind": {"loan"}, "name": {"改名"}, "currency": {"CNY"}},
	"POST /customers/{id}/holdings/{sub}/delete": {"version": {"1"}},
	"POST /customers/{id}/transactions":          {"kind": {"payment"}, "amount": {"1.00"}, "occurred_at": {"2026-01-02T10:00"}},
	"POST /profile/tokens/{id}/revoke":           nil,
	"GET /admin/users/{id}":                      nil,
	"POST /admin/users/{id}":                     {"version": {"1"}, "name": {"x"}, "role": {"agent"}},
	"POST /admin/users/{id}/disable":             {"version": {"1"}},
	"POST /admin/users/{id}/password":            {"password": {"Another-Password-2026"}},
	"POST /admin/org/{id}":                       {"version": {"1"}, "name": {"x"}, "kind": {"team"}},
	"POST /admin/fields/{id}":                    {"version": {"1"}, "label_zh": {"x"}},
	// Surveys: the template is owned by the head office.
	"GET /surveys/{id}":                  nil,
	"POST /surveys/{id}":                 {"version": {"1"}, "name": {"x"}, "rows": {"1"}, "items.0.type": {"scale_5"}, "items.0.text_zh": {"x"}},
	"GET /customers/{id}/surveys":        nil,
	"POST /customers/{id}/surveys":       {"template_id": {"1"}, "channel": {"link"}},
	"GET /customers/{id}/surveys/{sub}":  nil,
	"POST /customers/{id}/surveys/{sub}": {"a.service": {"5"}},
	// Tasks, follow-up plans and work logs (work_test.go seeds them).
	"POST /tasks/{id}/close":     {"version": {"1"}, "status": {"done"}},
	"POST /customers/{id}/tasks": {"title": {"回访"}, "due_on": {"2026-01-02"}},
	"GET /plans/{id}":            nil,
	"POST /plans/{id}":           {"version": {"1"}, "name": {"x"}, "trigger": {"service"}, "title": {"x"}, "active": {"1"}},
	"GET /worklogs/{id}":         nil,
	"POST /worklogs/{id}":        {"version": {"2"}, "work_on": {"2026-01-02"}, "content": {"改"}},
	"POST /worklogs/{id}/submit": {"version": {"2"}},
	"POST /worklogs/{id}/review": {"version": {"2"}, "decision": {"approve"}},
	// Complaints (tickets_web_test.go seeds them).
	"GET /tickets/{id}":                nil,
	"POST /tickets/{id}/steps":         {"version": {"3"}, "step": {"note"}, "note": {"x"}},
	"POST /tickets/{id}/notices":       {"org_unit_id": {"1"}, "problem": {"x"}, "deadline": {"2026-12-31"}},
	"POST /tickets/{id}/notices/{sub}": {"version": {"1"}, "step": {"respond"}, "text": {"x"}},
	"POST /notifications/{id}/read":    nil,
	// Linking a public complaint's customer (complaint_public.go).
	"GET /tickets/{id}/customer":  nil,
	"POST /tickets/{id}/customer": {"version": {"3"}, "customer_id": {"1"}},
	// Exports and saved filters (exports_web_test.go tries real ones of
	// another user; here the id names none the caller owns).
	"GET /exports/{id}/file":          nil,
	"GET /saved-filters/{id}":         nil,
	"POST /saved-filters/{id}":        {"version": {"1"}, "name": {"x"}},
	"POST /saved-filters/{id}/delete": {"version": {"1"}},
	// Imports (imports*.go; imports_test.go tries them on a seeded import).
	"GET /imports/{id}":            nil,
	"POST /imports/{id}/preview":   {"entity": {"customers"}, "cur_entity": {"customers"}},
	"POST /imports/{id}/templates": {"entity": {"customers"}, "cur_entity": {"customers"}, "template_name": {"x"}},
	"POST /imports/{id}/start": {"version": {"1"}, "entity": {"customers"}, "cur_entity": {"customers"}, "mode": {"create"},
		"key": {"mobile"}, "on_error": {"skip"}, "on_duplicate": {"skip"}},
	"GET /imports/{id}/progress":    nil,
	"GET /imports/{id}/report.csv":  nil,
	"GET /imports/{id}/report.xlsx": nil,
	"POST /imports/{id}/cancel":     nil,
	"POST /imports/{id}/undo":       nil,
	// Duplicates (duplicates.go): no pair carries the customer's id, so
	// dismissing it is 404 for any holder of customer.merge.
	"POST /duplicates/{id}/dismiss":  {"version": {"1"}},
	"GET /customers/{id}/duplicates": nil,
	// Consent (consent.go) and the administrator's second-factor reset.
	"GET /customers/{id}/consent":      nil,
	"POST /customers/{id}/consent":     {"pc": {"marketing:sms"}, "action": {"grant"}},
	"POST /admin/users/{id}/mfa/reset": nil,
	// Personal-data rights (privacy.go): admin only, so every client here is refused.
	"GET /customers/{id}/privacy":                      nil,
	"POST /customers/{id}/privacy/export":              {"format": {"json"}},
	"POST /customers/{id}/privacy/erase":               {"reason": {"subject_request"}, "confirm": {"x"}},
	"POST /customers/{id}/privacy/holds":               {"reason": {"x"}},
	"POST /customers/{id}/privacy/holds/{sub}/release": {"version": {"1"}},
}

// TestWebRouteTableScope tries every web route with an id as staff who must
// not reach the object: customers out of scope answer 404, admin pages 403,
// someone else's token 404; and nothing changes.
func TestWebRouteTableScope(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	owner := env.Actor("agent_a1")
	c := env.Customer(t, "agent_a1", "吴九", "13500135000")
	_, tok, err := env.App.Auth.CreateToken(ctx, owner, owner.UserID, "mine")
	if err != nil {
		t.Fatal(err)
	}
	fd := &customer.FieldDef{Key: "level", LabelZh: "等级", LabelEn: "Level", Type: customer.FieldText}
	if err := env.App.Customers.SaveFieldDef(ctx, guanxi.SystemActor("t"), fd, 0); err != nil {
		t.Fatal(err)
	}
	ct := &customer.Contact{CustomerID: c.ID, Name: "联系人甲", Mobile: "13600136000"}
	if err := env.App.Customers.SaveContact(ctx, owner, ct, 0); err != nil {
		t.Fatal(err)
	}
	hd := &customer.Holding{CustomerID: c.ID, Kind: "loan", Name: "经营贷", Reference: "6222020200112233445"}
	if err := env.App.Customers.SaveHolding(ctx, owner, hd, 0); err != nil {
		t.Fatal(err)
	}
	surveyTpl := seedSurveyTemplate(t, env)
	work := seedWebWork(t, env, c.ID)
	tickets := seedWebTickets(t, env, c.ID)
	clients := map[string]*http.Client{}
	for _, who := range []string{"agent_a2", "agent_b", "mgr_b"} {
		clients[who] = env.Login(t, who)
	}
	seen := map[string]bool{}
	auditFrom := env.AuditHead(t)
	denied := map[servertest.Denied]bool{}
	for _, r := range web.Routes() {
		if !strings.Contains(r.Pattern, "{id}") {
			continue
		}
		key := r.Method + " " + r.Pattern
		form, ok := webScopeForm[key]
		if !ok {
			t.Errorf("web route %s takes an id but has no scope case", key)
			continue
		}
		seen[key] = true
		id := c.ID
		switch {
		case strings.HasPrefix(r.Pattern, "/admin/users/"):
			id = owner.UserID
		case strings.HasPrefix(r.Pattern, "/admin/org/"):
			id = env.Units["team_a1"].ID
		case strings.HasPrefix(r.Pattern, "/admin/fields/"):
			id = fd.ID
		case strings.HasPrefix(r.Pattern, "/profile/tokens/"):
			id = tok.ID
		case strings.HasPrefix(r.Pattern, "/surveys/"):
			id = surveyTpl.ID
		case strings.HasPrefix(r.Pattern, "/tasks/"), strings.HasPrefix(r.Pattern, "/plans/"), strings.HasPrefix(r.Pattern, "/worklogs/"):
			id = work[strings.Split(r.Pattern, "/")[1]]
		case strings.HasPrefix(r.Pattern, "/tickets/"), strings.HasPrefix(r.Pattern, "/notifications/"):
			id = tickets[strings.Split(r.Pattern, "/")[1]]
		}
		path := strings.Replace(r.Pattern, "{id}", fmt.Sprint(id), 1)
		path = strings.Replace(path, "/notices/{sub}", fmt.Sprint("/notices/", tickets["notices"]), 1)
		if strings.Contains(path, "/contacts/{sub}") {
			path = strings.Replace(path, "{sub}", fmt.Sprint(ct.ID), 1)
		}
		path = strings.Replace(path, "{sub}", fmt.Sprint(hd.ID), 1)
		for who, cl := range clients {
			var resp *http.Response
			if r.Method == "GET" {
				resp, err = cl.Get(env.URL + path)
			} else {
				resp, err = cl.PostForm(env.URL+path, form)
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := http.StatusNotFound
			if !env.Actor(who).Can(r.Perm) {
				want = http.StatusForbidden
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s as %s: %d, want %d", r.Method, path, who, resp.StatusCode, want)
			}
			if resp.StatusCode == http.StatusForbidden {
				denied[servertest.Denied{User: who, Route: r.Method + " " + r.Pattern}] = true
			}
		}
	}
	for key := range webScopeForm {
		if !seen[key] {
			t.Errorf("scope case %q matches no web route", key)
		}
	}
	got, err := env.App.Customers.Get(ctx, owner, c.ID)
	if err != nil || got.Version != c.Version || got.OwnerID != owner.UserID || got.Name != c.Name {
		t.Fatalf("customer changed: %+v %v", got, err)
	}
	if cts, err := env.App.Customers.Contacts(ctx, owner, c.ID); err != nil || len(cts) != 1 || cts[0].Version != ct.Version || cts[0].Name != ct.Name {
		t.Fatalf("contact changed: %+v %v", cts, err)
	}
	if got, err := env.App.Customers.Holding(ctx, owner, c.ID, hd.ID); err != nil || got.Version != hd.Version || got.Name != hd.Name {
		t.Fatalf("holding changed: %+v %v", got, err)
	}
	toks, _ := env.App.Auth.ListTokens(ctx, owner, owner.UserID)
	for _, x := range toks {
		if x.ID == tok.ID && x.RevokedAt != nil {
			t.Fatal("token revoked by another user")
		}
	}
	// The refused calls wrote access_denied rows and nothing else (E1).
	if len(denied) == 0 {
		t.Fatal("no call was refused with 403")
	}
	env.CheckDeniedAudit(t, auditFrom, denied)
}
