package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

func TestAPIDuplicatesAndMerge(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		a1 := env.Actor("agent_a1")
		c1 := env.Customer(t, "agent_a1", "张三", "13800000011")
		c2 := &customer.Customer{Kind: customer.Person, Name: "张三", Phone: "13800000011", Email: "z3@example.com", OwnerID: a1.UserID}
		if err := env.App.Customers.Create(ctx, a1, c2); err != nil {
			t.Fatal(err)
		}
		c3 := &customer.Customer{Kind: customer.Person, Name: "李四", Birthday: "1990-01-01", OwnerID: a1.UserID}
		c4 := &customer.Customer{Kind: customer.Person, Name: "李四", Birthday: "1990-01-01", OwnerID: a1.UserID}
		for _, c := range []*customer.Customer{c3, c4} {
			if err := env.App.Customers.Create(ctx, a1, c); err != nil {
				t.Fatal(err)
			}
		}
		other := env.Customer(t, "agent_b", "王五", "13900000022")
		mgr, agent, mgrB := clientFor(t, env, "mgr_a"), clientFor(t, env, "agent_a1"), clientFor(t, env, "mgr_b")

		if st, _, _ := agent.do("POST", "/api/v1/duplicates/scan", nil); st != 403 {
			t.Fatalf("agent scan: %d", st)
		}
		st, _, m := mgr.do("POST", "/api/v1/duplicates/scan", nil)
		if st != 201 || m["added"] != float64(2) {
			t.Fatalf("scan: %d %v", st, m)
		}
		st, _, m = mgr.do("GET", "/api/v1/duplicates?reason=name_birthday", nil)
		items, _ := m["items"].([]any)
		if st != 200 || len(items) != 1 {
			t.Fatalf("list: %d %v", st, m)
		}
		pair := items[0].(map[string]any)
		if a := pair["a"].(map[string]any); a["name"] != "李四" || pair["score"].(float64) <= 0 {
			t.Fatalf("pair: %v", pair)
		}
		if st, _, m := mgrB.do("GET", "/api/v1/duplicates", nil); st != 200 || len(m["items"].([]any)) != 0 {
			t.Fatalf("mgr_b list: %d %v", st, m)
		}
		if st, _, _ := agent.do("GET", "/api/v1/duplicates", nil); st != 403 {
			t.Fatalf("agent list: %d", st)
		}
		if st, _, _ := mgr.do("GET", "/api/v1/duplicates?reason=bogus", nil); st < 400 || st >= 500 {
			t.Fatalf("bad reason: %d", st)
		}

		// Dismiss needs If-Match; a stale one is 412.
		dpath := fmt.Sprintf("/api/v1/duplicates/%d/dismiss", int64(pair["id"].(float64)))
		if st, _, _ := mgr.do("POST", dpath, nil); st != 428 {
			t.Fatalf("dismiss without If-Match: %d", st)
		}
		if st, _, _ := mgr.do("POST", dpath, nil, "If-Match", `"9"`); st != 412 {
			t.Fatalf("stale dismiss: %d", st)
		}
		if st, _, _ := mgrB.do("POST", dpath, nil, "If-Match", `"1"`); st != 404 {
			t.Fatalf("mgr_b dismiss: %d", st)
		}
		st, hdr, m := mgr.do("POST", dpath, nil, "If-Match", `"1"`)
		if st != 201 || m["status"] != "dismissed" || hdr.Get("ETag") != `"2"` {
			t.Fatalf("dismiss: %d %v", st, m)
		}

		// Candidates of one customer.
		st, _, m = mgr.do("GET", fmt.Sprintf("/api/v1/customers/%d/duplicates", c1.ID), nil)
		if st != 200 || m["_raw"] == nil {
			t.Fatalf("candidates: %d %v", st, m)
		}
		cands := decodeList(t, m["_raw"].(string))
		if len(cands) != 1 || int64(cands[0]["id"].(float64)) != c2.ID || cands[0]["reason"] != "phone_name" || cands[0]["mobile"] != "" {
			t.Fatalf("candidates: %v", cands)
		}

		// Merge c2 into c1 taking c2's email; stale and out-of-scope first.
		mpath := fmt.Sprintf("/api/v1/customers/%d/merge", c1.ID)
		body := map[string]any{"other_id": c2.ID, "survivor_version": c1.Version, "other_version": c2.Version,
			"chosen": map[string]string{"email": "merged"}}
		stale := map[string]any{"other_id": c2.ID, "survivor_version": c1.Version + 1, "other_version": c2.Version}
		if st, _, _ := mgr.do("POST", mpath, stale); st != 412 {
			t.Fatalf("stale merge: %d", st)
		}
		if st, _, _ := mgr.do("POST", mpath, map[string]any{"other_id": other.ID, "survivor_version": 1, "other_version": 1}); st != 404 {
			t.Fatalf("merge with an out-of-scope customer: %d", st)
		}
		if st, _, _ := mgrB.do("POST", mpath, body); st != 404 {
			t.Fatalf("mgr_b merge: %d", st)
		}
		if st, _, m := mgr.do("POST", mpath, map[string]any{"other_id": c2.ID, "survivor_version": 1, "other_version": 1,
			"chosen": map[string]string{"owner_id": "merged"}}); st != 400 || !hasLocation(m, "body.chosen.owner_id") {
			t.Fatalf("unknown field: %d %v", st, m)
		}
		st, hdr, m = mgr.do("POST", mpath, body)
		if st != 201 || m["email"] != "z3@example.com" || m["phone"] != "138****0011" || hdr.Get("ETag") != `"2"` {
			t.Fatalf("merge: %d %v", st, m)
		}
		if st, _, _ := mgr.do("GET", fmt.Sprintf("/api/v1/customers/%d", c2.ID), nil); st != 404 {
			t.Fatalf("merged customer still there: %d", st)
		}
		st, _, m = mgr.do("GET", fmt.Sprintf("/api/v1/customers/%d/history", c1.ID), nil)
		if st != 200 || !containsAction(m, "customer.merge") {
			t.Fatalf("history: %d %v", st, m)
		}
	})
}

func decodeList(t *testing.T, raw string) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("not a JSON list: %q", raw)
	}
	return out
}

// containsAction reports whether a history answer (a list or a page) has
// an entry with action.
func containsAction(m map[string]any, action string) bool {
	var list []any
	if raw, ok := m["_raw"].(string); ok {
		_ = json.Unmarshal([]byte(raw), &list)
	} else if items, ok := m["items"].([]any); ok {
		list = items
	}
	for _, x := range list {
		if e, ok := x.(map[string]any); ok && e["action"] == action {
			return true
		}
	}
	return false
}
