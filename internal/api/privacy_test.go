package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIPrivacy: export in both formats (admin only, 403 for others),
// legal hold blocks erasure with 409, release needs If-Match, erasure needs
// the typed customer number, and the erasure is listed pseudonymously.
func TestAPIPrivacy(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c := env.Customer(t, "agent_a1", "隐私测试", "13600136999")
		admin, agent := clientFor(t, env, "admin"), clientFor(t, env, "agent_a1")
		base := fmt.Sprintf("/api/v1/customers/%d", c.ID)
		if st, _, m := agent.do("GET", base+"/privacy-export", nil); st != 403 {
			t.Fatalf("agent export: %d %v", st, m)
		}
		st, hd, m := admin.do("GET", base+"/privacy-export?format=json", nil)
		if st != 200 || !strings.Contains(fmt.Sprint(m), "13600136999") || hd.Get("Cache-Control") != "no-store" {
			t.Fatalf("json export: %d %v", st, m)
		}
		if st, hd, _ := admin.do("GET", base+"/privacy-export?format=csv", nil); st != 200 || hd.Get("Content-Type") != "application/zip" {
			t.Fatalf("csv export: %d %v", st, hd)
		}
		if st, _, m := admin.do("GET", "/api/v1/customers/999999/privacy-export", nil); st != 404 {
			t.Fatalf("missing: %d %v", st, m)
		}
		st, _, m = admin.do("POST", base+"/legal-holds", map[string]any{"reason": "（2026）沪01民初1号"})
		if st != 201 && st != 200 {
			t.Fatalf("hold: %d %v", st, m)
		}
		hold := int64(m["id"].(float64))
		erase := map[string]any{"reason": "subject_request", "confirm": c.Number}
		if st, _, m := admin.do("POST", base+"/erase", erase); st != 409 {
			t.Fatalf("erase on hold: %d %v", st, m)
		}
		hp := fmt.Sprintf("%s/legal-holds/%d", base, hold)
		if st, _, m := admin.do("DELETE", hp, nil); st != 428 {
			t.Fatalf("release without If-Match: %d %v", st, m)
		}
		if st, _, m := admin.do("DELETE", hp, nil, "If-Match", `"1"`); st != 204 && st != 200 {
			t.Fatalf("release: %d %v", st, m)
		}
		if st, _, m := admin.do("POST", base+"/erase", map[string]any{"reason": "subject_request", "confirm": "X"}); st != 400 {
			t.Fatalf("wrong confirmation: %d %v", st, m)
		}
		if st, _, m := admin.do("POST", base+"/erase", erase); st/100 != 2 {
			t.Fatalf("erase: %d %v", st, m)
		}
		st, _, m = admin.do("GET", "/api/v1/erasures", nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 1 || !strings.Contains(fmt.Sprint(items), "已注销客户") ||
			strings.Contains(fmt.Sprint(m), "隐私测试") {
			t.Fatalf("erasures: %d %v", st, m)
		}
	})
}
