package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/care"
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

// TestAPICareEventsPaging: care events are a cursor page, newest first:
// limit over 200 is refused (400), next_cursor leads to the rest and is
// empty on the last page, the scope holds, and a malformed cursor is a 400
// on query.cursor in the caller's language.
func TestAPICareEventsPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		rule := care.Rule{Name: "生日", Kind: care.KindBirthday, Channel: care.ChannelNone, CreateTask: true, Enabled: true}
		if err := env.App.Care.Save(ctx, env.Actor("admin"), &rule, 0); err != nil {
			t.Fatal(err)
		}
		c := env.Customer(t, "agent_a1", "分页客户", "13600136103")
		cb := env.Customer(t, "agent_b", "乙方客户", "13600136104")
		ins := "INSERT INTO care_events (rule_id, customer_id, occurrence, kind, event_on, status, channel, created_at) " +
			"VALUES (?, ?, ?, 'birthday', '2026-07-01', 'fired', 'none', ?)"
		if s.Dialect() == sqlstore.Postgres {
			for n := 1; strings.Contains(ins, "?"); n++ {
				ins = strings.Replace(ins, "?", fmt.Sprintf("$%d", n), 1)
			}
		}
		for i := range 5 {
			cid := c.ID
			if i == 2 {
				cid = cb.ID
			}
			if _, err := s.DB().ExecContext(ctx, ins, rule.ID, cid, fmt.Sprintf("occ-%d", i), time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		a1 := clientFor(t, env, "agent_a1")
		if st, _, m := a1.do("GET", "/api/v1/care-events?limit=201", nil); st != 400 {
			t.Fatalf("limit over 200: %d %v", st, m)
		}
		var occ []string
		cursor := ""
		for pages := 1; ; pages++ {
			path := "/api/v1/care-events?limit=3"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			st, _, m := a1.do("GET", path, nil)
			items, _ := m["items"].([]any)
			next, ok := m["next_cursor"].(string)
			if st != 200 || !ok || (pages == 1) != (next != "") {
				t.Fatalf("page %d: %d %v", pages, st, m)
			}
			for _, it := range items {
				occ = append(occ, it.(map[string]any)["occurrence"].(string))
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if got := strings.Join(occ, " "); got != "occ-4 occ-3 occ-1 occ-0" {
			t.Fatalf("paged events: %s", got)
		}
		st, _, m := clientFor(t, env, "agent_b").do("GET", "/api/v1/care-events", nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 1 || m["next_cursor"] != "" {
			t.Fatalf("agent B: %d %v", st, m)
		}
		st, _, m = a1.do("GET", "/api/v1/care-events?cursor=abc", nil, "Accept-Language", "zh-CN")
		if st != 400 || !hasLocation(m, "query.cursor") || !strings.Contains(fmt.Sprint(m), "分页游标无效") {
			t.Fatalf("bad cursor: %d %v", st, m)
		}
	})
}
