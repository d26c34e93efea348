package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestOutOfScopeAudited: another agent's customer or ticket answers the
// same 404 as a missing id, and only the former writes an access_denied
// row (reason out_of_scope) naming the caller, route and path (TESTPLAN
// E1, G1).
func TestOutOfScopeAudited(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c := env.Customer(t, "agent_a1", "周八", "13600136000")
		tickets := seedTickets(t, env, c.ID)
		work := seedWork(t, env, c.ID)
		apt := bookAppointment(t, env, c.ID)
		other := clientFor(t, env, "agent_b")
		const missing = 987654321
		for _, tc := range []struct{ route, hidden, absent string }{
			{"GET /api/v1/customers/{id}", fmt.Sprintf("/api/v1/customers/%d", c.ID), fmt.Sprintf("/api/v1/customers/%d", missing)},
			{"GET /api/v1/customers/{id}/contacts", fmt.Sprintf("/api/v1/customers/%d/contacts", c.ID), fmt.Sprintf("/api/v1/customers/%d/contacts", missing)},
			{"GET /api/v1/tickets/{id}", fmt.Sprintf("/api/v1/tickets/%d", tickets["ticket"]), fmt.Sprintf("/api/v1/tickets/%d", missing)},
			{"GET /api/v1/tasks/{id}", fmt.Sprintf("/api/v1/tasks/%d", work["task"]), fmt.Sprintf("/api/v1/tasks/%d", missing)},
			{"GET /api/v1/appointments/{id}", fmt.Sprintf("/api/v1/appointments/%d", apt), fmt.Sprintf("/api/v1/appointments/%d", missing)},
		} {
			from := env.AuditHead(t)
			st, _, absent := other.do("GET", tc.absent, nil)
			if st != 404 {
				t.Fatalf("%s: %d, want 404", tc.absent, st)
			}
			if rows := env.AuditSince(t, from); len(rows) != 0 {
				t.Fatalf("a missing id wrote audit rows: %+v", rows)
			}
			st, _, hidden := other.do("GET", tc.hidden, nil)
			if st != 404 {
				t.Fatalf("%s: %d, want 404", tc.hidden, st)
			}
			// Same answer as the missing id, apart from the request's own path.
			if hidden["title"] != absent["title"] || hidden["detail"] != absent["detail"] || hidden["status"] != absent["status"] {
				t.Fatalf("out of scope %v differs from missing %v", hidden, absent)
			}
			rows := env.AuditSince(t, from)
			if len(rows) != 1 || rows[0].Action != audit.ActionDenied || rows[0].Outcome != "denied" || rows[0].ActorName != "agent_b" {
				t.Fatalf("%s: want one access_denied row by agent_b, got %+v", tc.hidden, rows)
			}
			var d servertest.DeniedDetail
			if err := json.Unmarshal([]byte(rows[0].Detail), &d); err != nil {
				t.Fatal(err)
			}
			if d.Reason != "out_of_scope" || d.Method+" "+d.Route != tc.route || d.Path != tc.hidden || d.Surface != "api" {
				t.Fatalf("%s: detail %+v", tc.hidden, d)
			}
			// The owner's own read writes no denial.
			from = env.AuditHead(t)
			if st, _, _ := clientFor(t, env, "agent_a1").do("GET", tc.hidden, nil); st != 200 {
				t.Fatalf("owner %s: %d", tc.hidden, st)
			}
			for _, x := range env.AuditSince(t, from) {
				if x.Action == audit.ActionDenied {
					t.Fatalf("the owner's read was audited as denied: %+v", x)
				}
			}
		}
	})
}

// bookAppointment books one appointment for customer id (agent_a1's) on a
// new resource and returns its id.
func bookAppointment(t *testing.T, env *servertest.Env, customerID guanxi.ID) int64 {
	t.Helper()
	admin, a1 := clientFor(t, env, "admin"), clientFor(t, env, "agent_a1")
	all := "07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00"
	st, _, m := admin.do("POST", "/api/v1/appointment-resources",
		map[string]any{"name": "3号工位", "kind": "bay", "hours": all, "slot_minutes": 60, "capacity": 1, "active": true})
	if st != 201 {
		t.Fatalf("add resource: %d %v", st, m)
	}
	rid := int64(m["id"].(float64))
	st, _, m = a1.do("GET", "/api/v1/appointment-kinds", nil)
	kinds := list(t, m)
	if st != 200 || len(kinds) == 0 {
		t.Fatalf("kinds: %d %v", st, m)
	}
	loc := env.App.Appointments.Location()
	day := time.Now().In(loc).AddDate(0, 0, 3)
	start := time.Date(day.Year(), day.Month(), day.Day(), 11, 0, 0, 0, loc)
	st, _, m = a1.do("POST", "/api/v1/appointments", map[string]any{"customer_id": customerID,
		"kind_id": int64(kinds[0]["id"].(float64)), "resource_id": rid, "starts_at": start.UTC().Format(time.RFC3339), "priority": false})
	if st != 201 {
		t.Fatalf("book: %d %v", st, m)
	}
	return int64(m["id"].(float64))
}
