package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/api"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// scopeCase says how a route with an id must answer a caller who may not
// see that id, with a body that passes schema validation (so the answer
// comes from the scope or permission check, not from parsing).
type scopeCase struct {
	body   any
	want   int // 404 for objects out of scope, 403 for functions not granted
	target string
}

// scopeCases has one entry per route with a path parameter. A new route
// without an entry fails TestRouteTableScope.
var scopeCases = map[string]scopeCase{
	"get-customer":          {want: 404},
	"update-customer":       {body: map[string]any{"notes": "x"}, want: 404},
	"delete-customer":       {want: 404},
	"restore-customer":      {want: 404},
	"reveal-customer-field": {body: map[string]any{"field": "mobile", "reason": "x"}, want: 404},
	"customer-history":      {want: 404},
	"customer-transfers":    {want: 404},
	"list-contacts":         {want: 404},
	"create-contact":        {body: map[string]any{"name": "x"}, want: 404},
	"update-contact":        {body: map[string]any{"name": "x"}, want: 404},
	"delete-contact":        {want: 404},
	"list-holdings":         {want: 404},
	"get-holding":           {want: 404},
	"create-holding":        {body: map[string]any{"kind": "loan", "name": "x"}, want: 404},
	"update-holding":        {body: map[string]any{"kind": "loan", "name": "x"}, want: 404},
	"delete-holding":        {want: 404},
	"list-transactions":     {want: 404},
	"create-transaction":    {body: map[string]any{"kind": "payment", "amount_minor": 100, "occurred_at": "2026-01-02T03:04:05Z"}, want: 404},
	"list-interactions":     {want: 404},
	"create-interaction":    {body: map[string]any{"channel": "phone", "summary": "x", "occurred_at": "2026-01-02T03:04:05Z"}, want: 404},
	"get-user":              {want: 404, target: "user"},
	"update-user":           {body: map[string]any{"name": "x"}, want: 403, target: "user"},
	"reset-password":        {body: map[string]any{"password": "Another-Password-2026"}, want: 403, target: "user"},
	"update-org-unit":       {body: map[string]any{"name": "x"}, want: 403, target: "unit"},
	"revoke-token":          {want: 404, target: "token"},
	"update-field":          {body: map[string]any{"label_zh": "x"}, want: 403, target: "field"},
	"update-setting":        {body: map[string]any{"value": "mlps3"}, want: 403, target: "setting"},
	// Tasks, follow-up plans and work logs (work_scope_test.go makes them).
	"get-task":            {want: 404, target: "task"},
	"close-task":          {body: map[string]any{"status": "done"}, want: 404, target: "task"},
	"list-customer-tasks": {want: 404},
	"get-plan":            {want: 404, target: "plan"},
	"update-plan":         {body: map[string]any{"name": "x", "trigger": "service", "title": "x", "active": true, "offset_days": 1}, want: 404, target: "plan"},
	"get-work-log":        {want: 404, target: "worklog"},
	"update-work-log":     {body: map[string]any{"kind": "log", "work_on": "2026-01-02", "content": "x"}, want: 404, target: "worklog"},
	"submit-work-log":     {want: 404, target: "worklog"},
	"review-work-log":     {body: map[string]any{"decision": "approve"}, want: 404, target: "worklog"},
	// Surveys (surveys_test.go makes the template, owned by the head office).
	"get-survey-template":    {want: 404, target: "survey_template"},
	"update-survey-template": {body: map[string]any{"name": "x", "items": []any{map[string]any{"type": "scale_5", "text_zh": "x"}}}, want: 404, target: "survey_template"},
	"create-survey-request":  {body: map[string]any{"template_id": 1, "channel": "link"}, want: 404},
	"list-survey-requests":   {want: 404},
	"answer-survey-request":  {body: map[string]any{"answers": map[string]any{}}, want: 404},
	"list-survey-answers":    {want: 404},
	"get-survey-answer":      {want: 404},
	"public-survey-form":     {want: 404},
	"public-survey-answer":   {body: map[string]any{"answers": map[string]any{}}, want: 404},
	// Complaints (tickets_test.go makes them); organisation-wide settings
	// are head office only, unit hours follow the manager's subtree.
	"get-ticket":           {want: 404, target: "ticket"},
	"ticket-step":          {body: map[string]any{"step": "note", "note": "x"}, want: 404, target: "ticket"},
	"ticket-events":        {want: 404, target: "ticket"},
	"list-ticket-notices":  {want: 404, target: "ticket"},
	"create-ticket-notice": {body: map[string]any{"org_unit_id": 1, "problem": "x", "deadline": "2026-12-31"}, want: 404, target: "ticket"},
	"ticket-notice-step":   {body: map[string]any{"step": "respond", "text": "x"}, want: 404, target: "ticket"},
	"update-sla-policy":    {body: map[string]any{"category_id": 0, "severity": "", "first_response": 1, "first_response_unit": "hours", "resolution": 1, "resolution_unit": "days"}, want: 403, target: "policy"},
	"delete-sla-policy":    {want: 403, target: "policy"},
	"put-calendar-notice":  {body: map[string]any{"text": "2027-01-01 holiday new_year"}, want: 403, target: "calendar"},
	"put-working-hours":    {body: map[string]any{"hours": "09:00-17:00"}, want: 404, target: "unit"},
	"read-notification":    {want: 404, target: "notification"},
	// The public complaint form's status link and linking its customer.
	// Consent ledger (consent.go), retention rules (privacy.admin only) and
	// personal-data rights (privacy.go, privacy.admin only).
	"list-consent-events":     {want: 404},
	"create-consent-events":   {body: map[string]any{"changes": []any{map[string]any{"purpose": "marketing", "channel": "sms", "action": "grant"}}}, want: 404},
	"update-retention-rule":   {body: map[string]any{"days": 30}, want: 403, target: "retention"},
	"privacy-export":          {want: 403},
	"erase-customer":          {body: map[string]any{"reason": "subject_request", "confirm": "x"}, want: 403},
	"list-legal-holds":        {want: 403},
	"create-legal-hold":       {body: map[string]any{"reason": "x"}, want: 403},
	"release-legal-hold":      {want: 403},
	"public-complaint-status": {want: 404},
	"link-ticket-customer":    {body: map[string]any{"customer_id": 1}, want: 404, target: "ticket"},
	// Exports and saved filters (exports_test.go tries real ones of
	// another user; here the id names none the caller owns).
	"get-export":          {want: 404},
	"download-export":     {want: 404},
	"get-saved-filter":    {want: 404},
	"update-saved-filter": {body: map[string]any{"name": "x"}, want: 404},
	"delete-saved-filter": {want: 404},
	// Duplicates and merging (duplicates.go): no pair carries the customer's
	// id, so dismissing it is 404 for any holder of customer.merge.
	"dismiss-duplicate":   {want: 404},
	"customer-duplicates": {want: 404},
	"merge-customers":     {body: map[string]any{"other_id": 999999, "survivor_version": 1, "other_version": 1}, want: 404},
	// Imports (imports_test.go tries a real import of another manager; here
	// the id names none the caller started). Templates are shared by all
	// importers, so only an unknown id is 404.
	"get-import":             {want: 404},
	"preview-import":         {body: map[string]any{}, want: 404},
	"start-import":           {body: map[string]any{"version": 1}, want: 404},
	"cancel-import":          {want: 404},
	"undo-import":            {want: 404},
	"import-problems":        {want: 404},
	"import-report":          {want: 404},
	"update-import-template": {body: map[string]any{"name": "x", "entity": "customers", "columns": map[string]any{}}, want: 404},
	"delete-import-template": {want: 404},
	"create-renewal":         {body: map[string]any{"outcome": "renewed", "new_due_on": "2030-01-01"}, want: 404},
	"get-renewal":            {want: 404},
	"update-renewal":         {body: map[string]any{"fee_minor": 1}, want: 404},
	"update-renewal-reason":  {body: map[string]any{"active": false}, want: 404},
	// Care rules are global; the id names none. A churn close of another's task is 404.
	"get-care-rule":    {want: 404},
	"update-care-rule": {body: map[string]any{"name": "x", "kind": "birthday", "channel": "none", "create_task": true, "enabled": true}, want: 404},
	"delete-care-rule": {want: 404},
	"run-care-rule":    {want: 404},
	"close-churn-task": {target: "task", body: map[string]any{"status": "done", "churn_reason": "sold"}, want: 404},
	"retry-job":        {want: 403},
	// The outbox (outbox.go): no message carries this id; managers hold
	// message.read and care.admin (404), other roles lack them (403).
	"get-message":    {want: 404},
	"cancel-message": {want: 404},
	"retry-message":  {want: 404},
	// Appointments (appointments_test.go tries a real one of another agent; here the id
	// names none in scope). Kinds are organisation-wide (admins only).
	"update-appointment-kind":     {body: map[string]any{"code": "x", "name_zh": "x", "duration_minutes": 30, "reminder_offsets": []int{60}, "active": true}, want: 403},
	"update-appointment-resource": {body: map[string]any{"name": "x", "kind": "bay", "slot_minutes": 30, "capacity": 1, "active": true}, want: 404},
	"get-appointment":             {want: 404},
	"reschedule-appointment":      {body: map[string]any{"starts_at": "2030-01-07T02:00:00Z"}, want: 404},
	"confirm-appointment":         {body: map[string]any{}, want: 404},
	"arrive-appointment":          {body: map[string]any{"gift": true}, want: 404},
	"no-show-appointment":         {body: map[string]any{}, want: 404},
	"cancel-appointment":          {body: map[string]any{"reason": "x"}, want: 404},
}

// TestRouteTableScope tries every route that takes an id as callers who
// must not reach the object (TESTPLAN A1–A3, A5, A6) and checks that
// nothing changed.
func TestRouteTableScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		owner := env.Actor("agent_a1")
		c := env.Customer(t, "agent_a1", "周八", "13600136000")
		ct := &customer.Contact{CustomerID: c.ID, Name: "联系人"}
		if err := env.App.Customers.SaveContact(ctx, owner, ct, 0); err != nil {
			t.Fatal(err)
		}
		h := &customer.Holding{CustomerID: c.ID, Kind: "loan", Name: "贷款", Currency: "CNY"}
		if err := env.App.Customers.SaveHolding(ctx, owner, h, 0); err != nil {
			t.Fatal(err)
		}
		_, tok, err := env.App.Auth.CreateToken(ctx, owner, owner.UserID, "mine")
		if err != nil {
			t.Fatal(err)
		}
		fd := &customer.FieldDef{Key: "level", LabelZh: "等级", LabelEn: "Level", Type: customer.FieldText}
		if err := env.App.Customers.SaveFieldDef(ctx, guanxi.SystemActor("t"), fd, 0); err != nil {
			t.Fatal(err)
		}
		work := seedWork(t, env, c.ID)
		work["survey_template"] = seedSurveyTemplate(t, env)
		tickets := seedTickets(t, env, c.ID)
		auditFrom := env.AuditHead(t)
		denied := map[servertest.Denied]bool{}

		routes := api.Routes(env.App)
		covered := map[string]bool{}
		for _, r := range routes {
			if !strings.Contains(r.Path, "{") {
				continue
			}
			tc, ok := scopeCases[r.ID]
			if !ok {
				t.Errorf("route %s %s (%s) takes an id but has no scope case", r.Method, r.Path, r.ID)
				continue
			}
			covered[r.ID] = true
			path := r.Path
			switch tc.target {
			case "user":
				path = strings.Replace(path, "{id}", fmt.Sprint(owner.UserID), 1)
			case "unit":
				path = strings.Replace(path, "{id}", fmt.Sprint(env.Units["team_a1"].ID), 1)
			case "token":
				path = strings.Replace(path, "{id}", fmt.Sprint(tok.ID), 1)
			case "field":
				path = strings.Replace(path, "{id}", fmt.Sprint(fd.ID), 1)
			case "task", "plan", "worklog", "survey_template":
				path = strings.Replace(path, "{id}", fmt.Sprint(work[tc.target]), 1)
			case "ticket", "policy", "notification", "calendar":
				path = ticketScopePath(path, tc.target, tickets)
			case "setting":
				path = strings.Replace(path, "{key}", "auth.password_policy", 1)
			case "retention":
				path = strings.Replace(path, "{kind}", "customers_deleted", 1)
			default:
				path = strings.Replace(path, "{id}", fmt.Sprint(c.ID), 1)
				sub := ct.ID
				if strings.Contains(path, "/holdings/") {
					sub = h.ID
				}
				path = strings.Replace(path, "{sub}", fmt.Sprint(sub), 1)
				path = strings.Replace(path, "{hold}", "1", 1)
			}
			for _, who := range []string{"agent_a2", "agent_b", "mgr_b", "credit_a"} {
				if tc.target == "user" && who == "credit_a" {
					continue // same team, still not its business: covered by the others
				}
				cl := clientFor(t, env, who)
				st, _, m := cl.do(r.Method, path, tc.body, "If-Match", `"1"`)
				if st == 403 {
					denied[servertest.Denied{User: who, Route: r.Method + " " + r.Path}] = true
				}
				want := tc.want
				// Functions a role lacks answer 403 before any lookup.
				if want == 404 && r.Perm != "" && !env.Actor(who).Can(r.Perm) {
					want = 403
				}
				if st != want {
					t.Errorf("%s %s as %s: %d, want %d (%v)", r.Method, path, who, st, want, m)
				}
			}
		}
		for id := range scopeCases {
			if !covered[id] {
				t.Errorf("scope case %q matches no route", id)
			}
		}
		// Nothing changed.
		got, err := env.App.Customers.Get(ctx, owner, c.ID)
		if err != nil || got.Version != c.Version || got.OwnerID != owner.UserID {
			t.Fatalf("customer changed: %+v %v", got, err)
		}
		hs, _ := env.App.Customers.Holdings(ctx, owner, c.ID)
		cs, _ := env.App.Customers.Contacts(ctx, owner, c.ID)
		if len(hs) != 1 || hs[0].Version != 1 || len(cs) != 1 || cs[0].Version != 1 {
			t.Fatalf("sub-resources changed: %+v %+v", hs, cs)
		}
		toks, _ := env.App.Auth.ListTokens(ctx, owner, owner.UserID)
		for _, x := range toks {
			if x.ID == tok.ID && x.RevokedAt != nil {
				t.Fatal("token revoked by another user")
			}
		}
		// Denied calls write only access_denied rows (TESTPLAN E1), one per
		// user and route a minute; token_create rows are the test clients'.
		if len(denied) == 0 {
			t.Fatal("no call was refused with 403")
		}
		env.CheckDeniedAudit(t, auditFrom, denied, "token_create")
	})
}

// TestFunctionMatrix checks role permissions on routes without ids.
func TestFunctionMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		for _, tc := range []struct {
			who, method, path string
			body              any
			want              int
		}{
			{"auditor", "POST", "/api/v1/customers", map[string]any{"name": "x"}, 403},
			{"agent_a1", "POST", "/api/v1/users", map[string]any{"username": "u1", "name": "x", "role": "agent", "org_unit_id": 1, "password": "x"}, 403},
			{"mgr_a", "POST", "/api/v1/org-units", map[string]any{"name": "x", "kind": "team", "parent_id": 1}, 403},
			{"agent_a1", "GET", "/api/v1/audit", nil, 403},
			{"mgr_a", "GET", "/api/v1/settings", nil, 403},
			{"agent_a1", "POST", "/api/v1/customers/transfer", map[string]any{"customer_ids": []int{1}, "to_owner_id": 1, "reason": "x"}, 403},
			{"agent_a1", "POST", "/api/v1/fields", map[string]any{"key": "k", "label_zh": "k", "label_en": "k", "type": "text"}, 403},
			{"auditor", "GET", "/api/v1/audit", nil, 200},
			{"admin", "GET", "/api/v1/settings", nil, 200},
			{"agent_a1", "GET", "/api/v1/me", nil, 200},
			// The breach query and the audit log retention (breach.go).
			{"agent_a1", "GET", "/api/v1/audit/breach?user=agent_a2&from=2026-01-01&to=2026-01-02", nil, 403},
			{"mgr_a", "GET", "/api/v1/audit/breach?user=agent_a2&from=2026-01-01&to=2026-01-02", nil, 403},
			{"auditor", "GET", "/api/v1/audit/breach?user=agent_a2&from=2026-01-01&to=2026-01-02", nil, 200},
			{"mgr_a", "GET", "/api/v1/audit/retention", nil, 403},
			{"mgr_a", "PUT", "/api/v1/audit/retention", map[string]any{"days": 400, "version": 0}, 403},
			{"auditor", "GET", "/api/v1/audit/retention", nil, 200},
		} {
			st, _, m := clientFor(t, env, tc.who).do(tc.method, tc.path, tc.body)
			if st != tc.want {
				t.Errorf("%s %s as %s: %d, want %d (%v)", tc.method, tc.path, tc.who, st, tc.want, m)
			}
		}
	})
}

var _ = servertest.Password
