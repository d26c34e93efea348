package api_test

import (
	"fmt"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPICareRules: CRUD with If-Match, validation, permissions, run now,
// scoped events, the churn close and the report.
func TestAPICareRules(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		mgr, agent, auditor := clientFor(t, env, "mgr_a"), clientFor(t, env, "agent_a1"), clientFor(t, env, "auditor")
		body := map[string]any{"name": "生日祝福", "kind": "birthday", "channel": "sms", "create_task": true, "enabled": true,
			"quiet_start": "21:00", "quiet_end": "08:00", "cap_count": 2, "cap_days": 30,
			"audience": map[string]any{"field": "grade", "op": "in", "value": []string{"gold"}}}
		if st, _, _ := agent.do("POST", "/api/v1/care-rules", body); st != 403 {
			t.Fatalf("agent creates: %d", st)
		}
		st, hdr, m := mgr.do("POST", "/api/v1/care-rules", body)
		if st != 201 || m["template"] != "care.birthday" || hdr.Get("ETag") != `"1"` {
			t.Fatalf("create: %d %v", st, m)
		}
		aud, _ := m["audience"].(map[string]any)
		if aud["field"] != "grade" {
			t.Fatalf("audience %v", m["audience"])
		}
		id := fmt.Sprint(m["id"])
		bad := map[string]any{"name": "x", "kind": "birthday", "channel": "none", "create_task": false, "enabled": true}
		if st, _, m := mgr.do("POST", "/api/v1/care-rules", bad); st != 400 && st != 422 {
			t.Fatalf("rule that does nothing: %d %v", st, m)
		}
		body["name"] = "金卡生日"
		if st, _, _ := mgr.do("PUT", "/api/v1/care-rules/"+id, body); st != 428 && st != 400 {
			t.Fatalf("update without If-Match: %d", st)
		}
		if st, _, m := mgr.do("PUT", "/api/v1/care-rules/"+id, body, "If-Match", `"1"`); st != 200 || m["name"] != "金卡生日" {
			t.Fatalf("update: %d %v", st, m)
		}
		if st, _, _ := mgr.do("PUT", "/api/v1/care-rules/"+id, body, "If-Match", `"1"`); st != 412 {
			t.Fatalf("stale update: %d", st)
		}
		if st, _, m := mgr.do("POST", "/api/v1/care-rules/"+id+"/run", nil); st != 201 || m["rules"] != float64(1) {
			t.Fatalf("run now: %d %v", st, m)
		}
		if st, _, _ := mgr.do("GET", "/api/v1/care-rules", nil); st != 200 {
			t.Fatalf("list: %d", st)
		}
		if st, _, _ := agent.do("GET", "/api/v1/care-events", nil); st != 200 {
			t.Fatalf("events: %d", st)
		}
		if st, _, m := agent.do("GET", "/api/v1/care-churn-reasons", nil); st != 200 || m["_raw"] == "" {
			t.Fatalf("reasons: %d", st)
		}
		if st, _, _ := agent.do("GET", "/api/v1/care-report", nil); st != 403 {
			t.Fatalf("agent report: %d", st)
		}
		if st, _, m := auditor.do("GET", "/api/v1/care-report?from=2026-01-01&to=2026-12-31", nil); st != 200 || m["from"] != "2026-01-01" {
			t.Fatalf("report: %d %v", st, m)
		}
		if st, _, _ := mgr.do("DELETE", "/api/v1/care-rules/"+id, nil, "If-Match", `"2"`); st != 204 {
			t.Fatalf("delete: %d", st)
		}
		if st, _, _ := mgr.do("GET", "/api/v1/care-rules/"+id, nil); st != 404 {
			t.Fatalf("deleted rule: %d", st)
		}
	})
}
