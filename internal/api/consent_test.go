package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIConsentAndRetention: grant and withdraw through the ledger API,
// out-of-scope 404, retention rules need privacy.admin and If-Match.
func TestAPIConsentAndRetention(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c := env.Customer(t, "agent_a1", "同意测试", "13600136999")
		a1, b, admin := clientFor(t, env, "agent_a1"), clientFor(t, env, "agent_b"), clientFor(t, env, "admin")
		path := fmt.Sprintf("/api/v1/customers/%d/consent-events", c.ID)
		grant := map[string]any{"changes": []map[string]any{{"purpose": "marketing", "channel": "sms", "action": "grant"}}, "note": "纸质表格"}
		st, _, m := a1.do("POST", path, grant)
		if st/100 != 2 || !strings.Contains(m["_raw"].(string), `"notice_version":"1"`) {
			t.Fatalf("grant: %d %v", st, m)
		}
		withdraw := map[string]any{"changes": []map[string]any{{"purpose": "marketing", "channel": "sms", "action": "withdraw"}}}
		if st, _, m = a1.do("POST", path, withdraw); st/100 != 2 {
			t.Fatalf("withdraw: %d %v", st, m)
		}
		st, _, m = a1.do("GET", path, nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 2 || m["next_cursor"] != "" ||
			items[0].(map[string]any)["action"] != "withdraw" || items[1].(map[string]any)["source"] != "api" {
			t.Fatalf("list: %d %v", st, m)
		}
		if st, _, m = b.do("GET", path, nil); st != 404 {
			t.Fatalf("out of scope: %d %v", st, m)
		}
		bad := map[string]any{"changes": []map[string]any{{"purpose": "spam", "channel": "sms", "action": "grant"}}}
		if st, _, m = a1.do("POST", path, bad); st != 422 && st != 400 {
			t.Fatalf("bad purpose: %d %v", st, m)
		}

		if st, _, m = a1.do("GET", "/api/v1/retention-rules", nil); st != 403 {
			t.Fatalf("agent rules: %d %v", st, m)
		}
		if st, _, m = admin.do("GET", "/api/v1/retention-rules", nil); st != 200 || !strings.Contains(m["_raw"].(string), `"kind":"interactions"`) {
			t.Fatalf("rules: %d %v", st, m)
		}
		if st, _, m = admin.do("PATCH", "/api/v1/retention-rules/interactions", map[string]any{"days": 30}); st != 428 && st != 400 {
			t.Fatalf("no If-Match: %d %v", st, m)
		}
		st, hd, m := admin.do("PATCH", "/api/v1/retention-rules/interactions", map[string]any{"days": 30, "enabled": true}, "If-Match", `"1"`)
		if st != 200 || hd.Get("ETag") != `"2"` || m["days"].(float64) != 30 {
			t.Fatalf("patch: %d %v", st, m)
		}
		if st, _, m = admin.do("PATCH", "/api/v1/retention-rules/interactions", map[string]any{"days": 40}, "If-Match", `"1"`); st != 412 {
			t.Fatalf("stale: %d %v", st, m)
		}
		if st, _, m = admin.do("GET", "/api/v1/retention-runs", nil); st != 200 {
			t.Fatalf("runs: %d %v", st, m)
		}
		_ = servertest.New
	})
}
