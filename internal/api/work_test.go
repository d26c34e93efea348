package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

func list(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(m["_raw"].(string)), &out); err != nil {
		t.Fatalf("not a list: %v", m)
	}
	return out
}

// TestAPITasksAndWorkLogs: a next action becomes a task; closing it needs
// If-Match and logs the follow-up; plans, work-log review and the report.
func TestAPITasksAndWorkLogs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		a1, mgr := clientFor(t, env, "agent_a1"), clientFor(t, env, "mgr_a")
		c := env.Customer(t, "agent_a1", "冯十二", "13700137000")
		today := env.App.Tasks.Today()
		cp := fmt.Sprintf("/api/v1/customers/%d", c.ID)
		st, _, m := a1.do("POST", cp+"/interactions", map[string]any{"channel": "wechat", "purpose": "care", "summary": "生日问候",
			"occurred_at": time.Now().UTC().Format(time.RFC3339), "next_action": "送礼", "next_action_on": today})
		if st != 201 || m["task_id"] == nil || m["purpose"] != "care" {
			t.Fatalf("interaction: %d %v", st, m)
		}
		tid := int64(m["task_id"].(float64))
		st, _, m = a1.do("GET", "/api/v1/tasks/today", nil)
		due, _ := m["due"].([]any)
		if st != 200 || len(due) != 1 {
			t.Fatalf("today: %d %v", st, m)
		}
		tp := fmt.Sprintf("/api/v1/tasks/%d", tid)
		st, h, _ := a1.do("GET", tp, nil)
		if st != 200 || h.Get("ETag") != `"1"` {
			t.Fatalf("get task: %d %v", st, h)
		}
		// If-Match is required; skip needs an outcome (a field path).
		if st, _, _ = a1.do("POST", tp+"/close", map[string]any{"status": "done"}); st != 428 {
			t.Fatalf("close without If-Match: %d", st)
		}
		st, h, m = a1.do("POST", tp+"/close", map[string]any{"status": "skipped"}, "If-Match", `"1"`)
		if st != 400 || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") || !hasLocation(m, "body.outcome") {
			t.Fatalf("skip without outcome: %d %v", st, m)
		}
		st, h, m = a1.do("POST", tp+"/close", map[string]any{"status": "done", "outcome": "已送达", "log": map[string]any{"channel": "visit"}},
			"If-Match", `"1"`, "Idempotency-Key", "close-1")
		if st != 201 || m["status"] != "done" || m["interaction_id"] == nil || h.Get("ETag") != `"2"` {
			t.Fatalf("close: %d %v", st, m)
		}
		if st, _, _ = a1.do("POST", tp+"/close", map[string]any{"status": "done"}, "If-Match", `"1"`); st != 412 {
			t.Fatalf("stale close: %d", st)
		}
		st, _, m = a1.do("GET", cp+"/tasks?status=done", nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 1 || m["next_cursor"] != "" {
			t.Fatalf("customer tasks: %d %v", st, m)
		}
		// A manual task for the customer.
		st, _, m = a1.do("POST", "/api/v1/tasks", map[string]any{"customer_id": c.ID, "title": "寄资料", "due_on": today})
		if st != 201 || m["kind"] != "manual" || m["owner_name"] != "李经理" {
			t.Fatalf("create task: %d %v", st, m)
		}

		// Plans: managers only, in their subtree.
		unit := env.Units["branch_a"].ID
		plan := map[string]any{"name": "保养回访", "trigger": "service", "offset_days": 1, "title": "保养回访 {customer}", "active": true, "org_unit_id": unit}
		if st, _, _ = a1.do("POST", "/api/v1/follow-up-plans", plan); st != 403 {
			t.Fatalf("agent creates plan: %d", st)
		}
		st, h, m = mgr.do("POST", "/api/v1/follow-up-plans", plan)
		if st != 201 || m["starts_on"] != today {
			t.Fatalf("create plan: %d %v", st, m)
		}
		pp := fmt.Sprintf("/api/v1/follow-up-plans/%d", int64(m["id"].(float64)))
		plan["offset_days"] = 2
		if st, _, m = mgr.do("PUT", pp, plan, "If-Match", h.Get("ETag")); st != 200 || m["offset_days"] != float64(2) {
			t.Fatalf("update plan: %d %v", st, m)
		}
		if st, _, m = mgr.do("POST", "/api/v1/transactions-none", nil); st != 404 {
			t.Fatalf("unknown: %d", st)
		}
		st, _, _ = a1.do("POST", cp+"/transactions", map[string]any{"kind": "service", "amount_minor": 30000, "occurred_at": time.Now().UTC().Format(time.RFC3339)})
		if st != 201 {
			t.Fatalf("service: %d", st)
		}
		if st, _, m = mgr.do("POST", "/api/v1/follow-up-plans/run", nil); st != 201 || m["tasks"] != float64(1) {
			t.Fatalf("run: %d %v", st, m)
		}
		if st, _, m = mgr.do("POST", "/api/v1/follow-up-plans/run", nil); st != 201 || m["tasks"] != float64(0) {
			t.Fatalf("second run: %d %v", st, m)
		}

		// Work log: create, submit, review by the manager.
		st, h, m = a1.do("POST", "/api/v1/work-logs", map[string]any{"kind": "log", "work_on": today, "content": "拜访三户", "minutes": 240,
			"customer_ids": []int64{c.ID}})
		if st != 201 || m["status"] != "draft" {
			t.Fatalf("work log: %d %v", st, m)
		}
		wp := fmt.Sprintf("/api/v1/work-logs/%d", int64(m["id"].(float64)))
		if st, _, m = a1.do("POST", wp+"/submit", nil, "If-Match", h.Get("ETag")); st != 201 || m["status"] != "submitted" {
			t.Fatalf("submit: %d %v", st, m)
		}
		if st, _, m = a1.do("POST", wp+"/review", map[string]any{"decision": "approve"}, "If-Match", `"2"`); st != 403 {
			t.Fatalf("agent reviews: %d %v", st, m)
		}
		st, _, m = mgr.do("GET", "/api/v1/work-logs?to_review=true", nil)
		if st != 200 || len(list(t, m)) != 1 {
			t.Fatalf("to review: %d %v", st, m)
		}
		if st, _, m = mgr.do("POST", wp+"/review", map[string]any{"decision": "approve"}, "If-Match", `"2"`); st != 201 || m["status"] != "approved" {
			t.Fatalf("approve: %d %v", st, m)
		}
		// The report.
		st, _, m = mgr.do("GET", "/api/v1/reports/followup?period=month", nil)
		total, _ := m["total"].(map[string]any)
		if st != 200 || total["done"] != float64(1) || total["interactions"].(float64) < 2 {
			t.Fatalf("report: %d %v", st, m)
		}
		if st, _, _ = a1.do("GET", "/api/v1/reports/followup", nil); st != 403 {
			t.Fatalf("agent report: %d", st)
		}
	})
}

var _ = servertest.Password
