package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIAppointments: resources need care.admin; booking, the full slot,
// availability, If-Match on every change, scope 404, the report's permission.
func TestAPIAppointments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		admin, a1, b := clientFor(t, env, "admin"), clientFor(t, env, "agent_a1"), clientFor(t, env, "agent_b")
		c := env.Customer(t, "agent_a1", "蒋十三", "13700137013")
		all := "07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00,07:00-22:00"
		res := map[string]any{"name": "2号工位", "kind": "bay", "hours": all, "slot_minutes": 60, "capacity": 1, "active": true}
		if st, _, _ := a1.do("POST", "/api/v1/appointment-resources", res); st != 403 {
			t.Fatalf("agent adds resource: %d", st)
		}
		st, _, m := admin.do("POST", "/api/v1/appointment-resources", res)
		if st != 201 {
			t.Fatalf("add resource: %d %v", st, m)
		}
		rid := int64(m["id"].(float64))
		st, _, m = a1.do("GET", "/api/v1/appointment-kinds", nil)
		kinds := list(t, m)
		if st != 200 || len(kinds) != 6 {
			t.Fatalf("kinds: %d %v", st, m)
		}
		kid := int64(kinds[0]["id"].(float64))
		loc := env.App.Appointments.Location()
		day := time.Now().In(loc).AddDate(0, 0, 3)
		start := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, loc)
		body := map[string]any{"customer_id": c.ID, "kind_id": kid, "resource_id": rid, "starts_at": start.UTC().Format(time.RFC3339), "priority": true}
		if st, _, _ := b.do("POST", "/api/v1/appointments", body); st != 404 {
			t.Fatalf("other agent books: %d", st)
		}
		st, h, m := a1.do("POST", "/api/v1/appointments", body)
		if st != 201 || m["status"] != "booked" || !strings.HasPrefix(m["number"].(string), "APT-") || h.Get("ETag") != `"1"` {
			t.Fatalf("book: %d %v", st, m)
		}
		p := fmt.Sprintf("/api/v1/appointments/%d", int64(m["id"].(float64)))
		// Out of scope is 404 on every path, and nothing changes.
		mgrB := clientFor(t, env, "mgr_b")
		for _, who := range []client{b, mgrB} {
			for _, call := range []struct {
				method, path string
				body         any
			}{{"GET", p, nil}, {"PATCH", p, map[string]any{"starts_at": start.Add(time.Hour).UTC().Format(time.RFC3339)}},
				{"POST", p + "/confirm", map[string]any{}}, {"POST", p + "/arrive", map[string]any{"gift": true}},
				{"POST", p + "/no-show", map[string]any{}}, {"POST", p + "/cancel", map[string]any{"reason": "x"}}} {
				if st, _, m := who.do(call.method, call.path, call.body, "If-Match", `"1"`); st != 404 {
					t.Fatalf("%s %s out of scope: %d %v", call.method, call.path, st, m)
				}
			}
		}
		// Kinds are organisation-wide: a branch manager with care.admin may not change them.
		kb := map[string]any{"code": "x", "name_zh": "x", "duration_minutes": 30, "reminder_offsets": []int{60}, "active": true}
		if st, _, _ := mgrB.do("PUT", fmt.Sprintf("/api/v1/appointment-kinds/%d", kid), kb, "If-Match", `"1"`); st != 403 {
			t.Fatalf("manager changes kind: %d", st)
		}
		if st, _, _ := mgrB.do("PUT", fmt.Sprintf("/api/v1/appointment-resources/%d", rid), res, "If-Match", `"1"`); st != 404 {
			t.Fatalf("manager of B changes a head-office resource: %d", st)
		}
		st, _, m = a1.do("POST", "/api/v1/appointments", body)
		if st != 409 || !strings.Contains(fmt.Sprint(m), start.Format("2006-01-02 15:04")) {
			t.Fatalf("full slot: %d %v", st, m)
		}
		st, _, m = a1.do("GET", fmt.Sprintf("/api/v1/appointments/availability?resource=%d&date=%s", rid, start.Format(time.DateOnly)), nil)
		slots := list(t, m)
		if st != 200 || len(slots) != 15 || slots[3]["free"].(float64) != 0 || slots[4]["free"].(float64) != 1 {
			t.Fatalf("availability: %d %v", st, slots)
		}
		if st, _, _ := a1.do("POST", p+"/confirm", map[string]any{}); st != 428 {
			t.Fatalf("confirm without If-Match: %d", st)
		}
		st, h, m = a1.do("POST", p+"/confirm", map[string]any{}, "If-Match", `"1"`)
		if st != 201 || m["status"] != "confirmed" || h.Get("ETag") != `"2"` {
			t.Fatalf("confirm: %d %v", st, m)
		}
		if st, _, _ := a1.do("POST", p+"/confirm", map[string]any{}, "If-Match", `"2"`); st != 409 {
			t.Fatalf("confirm twice: %d", st)
		}
		moved := start.Add(2 * time.Hour).UTC().Format(time.RFC3339)
		if st, _, _ := a1.do("PATCH", p, map[string]any{"starts_at": moved}, "If-Match", `"1"`); st != 412 {
			t.Fatalf("stale reschedule: %d", st)
		}
		st, _, m = a1.do("PATCH", p, map[string]any{"starts_at": moved}, "If-Match", `"2"`)
		if st != 200 || m["reschedules"].(float64) != 1 || m["status"] != "confirmed" {
			t.Fatalf("reschedule: %d %v", st, m)
		}
		if st, _, _ := a1.do("POST", p+"/cancel", map[string]any{}, "If-Match", `"3"`); st != 400 {
			t.Fatalf("cancel without reason: %d", st)
		}
		st, _, m = a1.do("POST", p+"/cancel", map[string]any{"reason": "临时有事"}, "If-Match", `"3"`)
		if st != 201 || m["status"] != "cancelled" || m["cancel_reason"] != "临时有事" {
			t.Fatalf("cancel: %d %v", st, m)
		}
		st, _, m = a1.do("GET", fmt.Sprintf("/api/v1/appointments?customer_id=%d", c.ID), nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 1 || m["next_cursor"] != "" {
			t.Fatalf("list: %d %v", st, m)
		}
		if st, _, _ := a1.do("GET", "/api/v1/reports/appointments", nil); st != 403 {
			t.Fatalf("agent report: %d", st)
		}
		st, _, m = admin.do("GET", "/api/v1/reports/appointments?period=quarter", nil)
		if st != 200 || m["target"].(float64) != 0.8 || m["baseline"].(float64) != 0.5 {
			t.Fatalf("report: %d %v", st, m)
		}
		st, _, m = admin.do("GET", fmt.Sprintf("/api/v1/reports/appointments/reliable?year=%d", start.Year()), nil)
		if st != 200 {
			t.Fatalf("reliable: %d %v", st, m)
		}
	})
}
