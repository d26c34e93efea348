package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// seedTickets is servertest's SeedTickets by scope-case target.
func seedTickets(t *testing.T, env *servertest.Env, customerID guanxi.ID) map[string]guanxi.ID {
	o := env.SeedTickets(t, customerID)
	return map[string]guanxi.ID{"ticket": o.Ticket, "notice": o.Notice, "policy": o.Policy, "notification": o.Notification}
}

// ticketScopePath fills a ticket route's path parameters for target.
func ticketScopePath(path, target string, ids map[string]guanxi.ID) string {
	r := func(p, k, v string) string { return strings.Replace(p, k, v, 1) }
	switch target {
	case "ticket":
		path = r(path, "{id}", fmt.Sprint(ids["ticket"]))
		path = r(path, "{sub}", fmt.Sprint(ids["notice"]))
	case "policy", "notification":
		path = r(path, "{id}", fmt.Sprint(ids[target]))
	case "calendar":
		path = r(path, "{year}", "2027")
	}
	return path
}

// TestAPITicketProcess drives a complaint through the API: register,
// steps with If-Match (412 when stale, 428 when missing), a refused close
// naming the step, history, notifications.
func TestAPITicketProcess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c := env.Customer(t, "agent_a1", "钱七", "13700137001")
		a1, mgr, aud := clientFor(t, env, "agent_a1"), clientFor(t, env, "mgr_a"), clientFor(t, env, "auditor")
		st, h, m := a1.do("POST", "/api/v1/tickets", map[string]any{"channel": "phone", "subject": "手续费",
			"description": "多扣 20 元", "customer_id": c.ID, "contact_name": "钱七", "contact_phone": "13700137001"},
			"Idempotency-Key", "reg-1")
		if st != 201 || h.Get("ETag") != `"1"` || m["contact_phone"] != "137****7001" {
			t.Fatalf("register: %d %v %v", st, h, m)
		}
		id := int64(m["id"].(float64))
		// The same Idempotency-Key replays the answer, no second ticket.
		st2, _, m2 := a1.do("POST", "/api/v1/tickets", map[string]any{"channel": "phone", "subject": "手续费",
			"description": "多扣 20 元", "customer_id": c.ID, "contact_name": "钱七", "contact_phone": "13700137001"},
			"Idempotency-Key", "reg-1")
		if st2 != 201 || m2["id"] != m["id"] {
			t.Fatalf("replay: %d %v", st2, m2)
		}
		path := fmt.Sprintf("/api/v1/tickets/%d/steps", id)
		if st, _, _ := mgr.do("POST", path, map[string]any{"step": "confirm"}); st != 428 {
			t.Fatalf("no If-Match: %d", st)
		}
		if st, _, m := mgr.do("POST", path, map[string]any{"step": "confirm"}, "If-Match", `"1"`); st != 200 || m["status"] != "confirmed" {
			t.Fatalf("confirm: %d %v", st, m)
		}
		if st, _, _ := mgr.do("POST", path, map[string]any{"step": "note", "note": "x"}, "If-Match", `"1"`); st != 412 {
			t.Fatalf("stale: %d", st)
		}
		st, _, m = mgr.do("POST", path, map[string]any{"step": "close"}, "If-Match", `"2"`)
		if st != 409 || m["key"] != "ticket.close_before_feedback" || m["title"] == "ticket.close_before_feedback" {
			t.Fatalf("close before feedback: %d %v", st, m)
		}
		st, _, m = a1.do("POST", path, map[string]any{"step": "route", "assignee_id": env.Users["agent_a1"].ID}, "If-Match", `"2"`)
		if st != 403 {
			t.Fatalf("agent routes: %d %v", st, m)
		}
		if st, _, _ := aud.do("POST", path, map[string]any{"step": "note", "note": "x"}, "If-Match", `"2"`); st != 403 {
			t.Fatalf("auditor writes: %d", st)
		}
		st, _, m = mgr.do("POST", path, map[string]any{"step": "route", "assignee_id": env.Users["agent_a1"].ID}, "If-Match", `"2"`)
		if st != 200 || m["status"] != "routed" {
			t.Fatalf("route: %d %v", st, m)
		}
		st, _, m = a1.do("POST", path, map[string]any{"step": "handle"}, "If-Match", `"3"`)
		if st != 400 || m["errors"] == nil {
			t.Fatalf("handle without result: %d %v", st, m)
		}
		st, _, m = a1.do("GET", fmt.Sprintf("/api/v1/tickets/%d/events", id), nil)
		if st != 200 || m["_raw"] == nil {
			t.Fatalf("events: %d %v", st, m)
		}
		if st, _, m := aud.do("GET", "/api/v1/tickets?status=routed", nil); st != 200 || len(m["items"].([]any)) != 1 {
			t.Fatalf("board as auditor: %d %v", st, m)
		}
		note := notificationOf(t, env, "agent_a1")
		if st, _, m := clientFor(t, env, "agent_a2").do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", note), nil); st != 404 {
			t.Fatalf("another user's notification: %d %v", st, m)
		}
		if st, _, m := a1.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", note), nil); st != 204 {
			t.Fatalf("read: %d %v", st, m)
		}
		if st, _, m := a1.do("POST", "/api/v1/notifications/read-all", nil); st != 200 || m["marked"].(float64) != 0 {
			t.Fatalf("read all: %d %v", st, m)
		}
		if st, _, m := clientFor(t, env, "mgr_b").do("PUT", "/api/v1/calendar/notices/2027", map[string]any{"text": "2027-01-01 holiday new_year"}); st != 403 {
			t.Fatalf("branch manager edits the calendar: %d %v", st, m)
		}
		st, _, m = clientFor(t, env, "admin").do("PUT", "/api/v1/calendar/notices/2027", map[string]any{"text": "2027-01-01 holiday new_year\n2027-02-06..2027-02-14 休 spring_festival"})
		if st != 200 || m["version"].(float64) != 1 {
			t.Fatalf("admin enters 2027: %d %v", st, m)
		}
		st, _, m = clientFor(t, env, "admin").do("PUT", "/api/v1/calendar/notices/2027", map[string]any{"text": "2027-13-01 holiday new_year"}, "If-Match", `"1"`)
		if st != 400 {
			t.Fatalf("bad notice: %d %v", st, m)
		}
	})
}

func notificationOf(t *testing.T, env *servertest.Env, user string) guanxi.ID {
	t.Helper()
	ns, err := env.App.Notify.List(context.Background(), env.Actor(user), true, 10)
	if err != nil || len(ns) == 0 {
		t.Fatalf("%s has no notification: %v", user, err)
	}
	return ns[0].ID
}

// TestAPITicketFunctions checks role permissions on complaint routes
// without ids: auditors read, never write; organisation-wide settings are
// for admins and head-office managers.
func TestAPITicketFunctions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		policy := map[string]any{"category_id": 0, "severity": "high", "first_response": 2, "first_response_unit": "hours", "resolution": 3, "resolution_unit": "days"}
		for _, tc := range []struct {
			who, method, path string
			body              any
			want              int
		}{
			{"auditor", "POST", "/api/v1/tickets", map[string]any{"channel": "phone", "subject": "x", "description": "x", "contact_name": "x"}, 403},
			{"auditor", "GET", "/api/v1/tickets", nil, 200},
			{"agent_a1", "GET", "/api/v1/tickets?status=bogus", nil, 400},
			{"agent_a1", "POST", "/api/v1/tickets", map[string]any{"channel": "fax", "subject": "x", "description": "x", "contact_name": "x"}, 400},
			{"agent_a1", "POST", "/api/v1/tickets", map[string]any{"channel": "walk_in", "subject": "x", "description": "x", "contact_name": "路人"}, 201},
			{"agent_a1", "POST", "/api/v1/sla-policies", policy, 403},
			{"mgr_b", "POST", "/api/v1/sla-policies", policy, 403},
			{"admin", "POST", "/api/v1/sla-policies", policy, 201},
			{"agent_a1", "POST", "/api/v1/ticket-categories", map[string]any{"code": "c", "name_zh": "c", "name_en": "c"}, 403},
			{"agent_a1", "GET", "/api/v1/ticket-categories", nil, 200},
			{"agent_a1", "GET", "/api/v1/sla-policies", nil, 200},
			{"agent_a1", "GET", "/api/v1/calendar/notices", nil, 200},
			{"agent_a1", "GET", "/api/v1/working-hours", nil, 200},
			{"auditor", "GET", "/api/v1/notifications", nil, 200},
		} {
			st, _, m := clientFor(t, env, tc.who).do(tc.method, tc.path, tc.body)
			if st != tc.want {
				t.Errorf("%s %s as %s: %d, want %d (%v)", tc.method, tc.path, tc.who, st, tc.want, m)
			}
		}
	})
}
