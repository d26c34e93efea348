package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIRenewals: record an outcome (replayed by Idempotency-Key), a
// second decision of the period is 409, a lapse needs a reason, a stale
// correction 412, an out-of-scope holding 404, and the report adds up.
func TestAPIRenewals(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		owner := env.Actor("agent_a1")
		c := env.Customer(t, "agent_a1", "星光网吧", "13600136100")
		h := &customer.Holding{CustomerID: c.ID, Kind: "subscription", Name: "平台年费", Currency: "CNY", DueOn: "2026-03-31",
			Attrs: map[string]any{"period_months": 12}}
		if err := env.App.Customers.SaveHolding(ctx, owner, h, 0); err != nil {
			t.Fatal(err)
		}
		a1, b := clientFor(t, env, "agent_a1"), clientFor(t, env, "agent_b")
		path := fmt.Sprintf("/api/v1/holdings/%d/renewals", h.ID)

		st, _, m := a1.do("GET", "/api/v1/renewals?from=2026-03-01&to=2026-03-31", nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 1 || items[0].(map[string]any)["default_new_due"] != "2027-03-31" ||
			m["next_cursor"] != "" {
			t.Fatalf("due list: %d %v", st, m)
		}
		st, _, m = a1.do("POST", path, map[string]any{"outcome": "lapsed"}, "Accept-Language", "en")
		if st != 400 || !hasLocation(m, "body.reason") {
			t.Fatalf("lapse without reason: %d %v", st, m)
		}
		if st, _, m = b.do("POST", path, map[string]any{"outcome": "renewed", "new_due_on": "2027-03-31"}); st != 404 {
			t.Fatalf("out of scope: %d %v", st, m)
		}
		body := map[string]any{"outcome": "renewed", "fee_minor": 360000, "new_due_on": "2027-03-31", "due_on": "2026-03-31"}
		st, hd, m := a1.do("POST", path, body, "Idempotency-Key", "rn-1")
		if st != 201 || hd.Get("ETag") != `"1"` || m["due_on"] != "2026-03-31" || m["fee_minor"].(float64) != 360000 {
			t.Fatalf("record: %d %v", st, m)
		}
		id := int64(m["id"].(float64))
		if st, _, m2 := a1.do("POST", path, body, "Idempotency-Key", "rn-1"); st != 201 || m2["id"].(float64) != float64(id) {
			t.Fatalf("replay: %d %v", st, m2)
		}
		st, _, m = a1.do("POST", path, body, "Accept-Language", "zh-CN")
		if st != 409 || !strings.Contains(fmt.Sprint(m["title"]), "2027-03-31") {
			t.Fatalf("same period again: %d %v", st, m)
		}
		got, _ := env.App.Customers.Holdings(ctx, owner, c.ID)
		if len(got) != 1 || got[0].DueOn != "2027-03-31" || got[0].Status != "renewed" {
			t.Fatalf("holding: %+v", got)
		}
		rp := fmt.Sprintf("/api/v1/renewals/%d", id)
		if st, _, _ := a1.do("PATCH", rp, map[string]any{"fee_minor": 350000}, "If-Match", `"9"`); st != 412 {
			t.Fatalf("stale correction: %d", st)
		}
		st, hd, m = a1.do("PATCH", rp, map[string]any{"fee_minor": 350000}, "If-Match", `"1"`)
		if st != 200 || hd.Get("ETag") != `"2"` || m["fee_minor"].(float64) != 350000 || m["new_due_on"] != "2027-03-31" {
			t.Fatalf("correction: %d %v", st, m)
		}
		if st, _, _ := b.do("GET", rp, nil); st != 404 {
			t.Fatalf("agent B reads: %d", st)
		}
		// The report is for care.report holders, scoped like the customers.
		if st, _, _ := a1.do("GET", "/api/v1/reports/renewals?from=2026-03&to=2026-03", nil); st != 403 {
			t.Fatalf("agent report: %d", st)
		}
		st, _, m = clientFor(t, env, "mgr_a").do("GET", "/api/v1/reports/renewals?from=2026-03&to=2026-04&kind=subscription", nil)
		total, _ := m["total"].(map[string]any)
		if st != 200 || total["due"].(float64) != 1 || total["renewed"].(float64) != 1 || total["fee_minor"].(float64) != 350000 || total["rate"].(float64) != 100 {
			t.Fatalf("report: %d %v", st, m)
		}
		st, _, m = clientFor(t, env, "mgr_b").do("GET", "/api/v1/reports/renewals?from=2026-03&to=2026-04", nil)
		if total, _ = m["total"].(map[string]any); st != 200 || total["due"].(float64) != 0 {
			t.Fatalf("other branch's report: %d %v", st, m)
		}
		if st, _, m = a1.do("GET", "/api/v1/reports/renewals?from=bad", nil); st != 403 {
			t.Fatalf("agent bad report: %d %v", st, m)
		}
		if st, _, m = clientFor(t, env, "mgr_a").do("GET", "/api/v1/reports/renewals?from=2026-13", nil); st != 400 || !hasLocation(m, "query.from") {
			t.Fatalf("bad month: %d %v", st, m)
		}
		// Reason codes: listed for everyone, edited by care.admin.
		st, _, m = a1.do("GET", "/api/v1/renewal-reasons", nil)
		if st != 200 || !strings.Contains(m["_raw"].(string), `"code":"server_unstable"`) {
			t.Fatalf("reasons: %d %v", st, m)
		}
		if st, _, _ := a1.do("POST", "/api/v1/renewal-reasons", map[string]any{"code": "moved", "name_zh": "搬迁", "active": true}); st != 403 {
			t.Fatalf("agent adds reason: %d", st)
		}
		mgr := clientFor(t, env, "mgr_a")
		if st, _, m = mgr.do("POST", "/api/v1/renewal-reasons", map[string]any{"code": "moved", "name_zh": "搬迁", "active": true}); st != 201 {
			t.Fatalf("add reason: %d %v", st, m)
		}
		if st, _, m = mgr.do("PATCH", "/api/v1/renewal-reasons/moved", map[string]any{"active": false}, "If-Match", `"1"`); st != 200 || m["active"] != false {
			t.Fatalf("retire reason: %d %v", st, m)
		}
		if st, _, _ = mgr.do("PATCH", "/api/v1/renewal-reasons/nope", map[string]any{"active": false}, "If-Match", `"1"`); st != 404 {
			t.Fatalf("unknown reason: %d", st)
		}
	})
}

// TestAPIRenewalsPaging: the due list is a cursor page: limit over 200 is
// refused (400), next_cursor leads to the rest and is empty on the last
// page, the scope holds, and a malformed cursor is a 400 on query.cursor.
func TestAPIRenewalsPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		c := env.Customer(t, "agent_a1", "分页网吧", "13600136101")
		cb := env.Customer(t, "agent_b", "乙方网吧", "13600136102")
		for i, due := range []string{"2026-03-05", "2026-03-05", "2026-03-20", "2026-03-10"} {
			h := &customer.Holding{CustomerID: c.ID, Kind: "subscription", Name: fmt.Sprintf("年费%d", i), Currency: "CNY", DueOn: due}
			if err := env.App.Customers.SaveHolding(ctx, env.Actor("agent_a1"), h, 0); err != nil {
				t.Fatal(err)
			}
		}
		hb := &customer.Holding{CustomerID: cb.ID, Kind: "subscription", Name: "乙方年费", Currency: "CNY", DueOn: "2026-03-06"}
		if err := env.App.Customers.SaveHolding(ctx, env.Actor("agent_b"), hb, 0); err != nil {
			t.Fatal(err)
		}
		a1 := clientFor(t, env, "agent_a1")
		const list = "/api/v1/renewals?from=2026-03-01&to=2026-03-31"
		if st, _, m := a1.do("GET", list+"&limit=201", nil); st != 400 {
			t.Fatalf("limit over 200: %d %v", st, m)
		}
		var dues []string
		cursor := ""
		for pages := 1; ; pages++ {
			path := list + "&limit=3"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			st, _, m := a1.do("GET", path, nil)
			items, _ := m["items"].([]any)
			next, ok := m["next_cursor"].(string)
			if st != 200 || !ok || (pages == 1) != (next != "") {
				t.Fatalf("page %d: %d %v", pages, st, m)
			}
			for _, it := range items {
				dues = append(dues, it.(map[string]any)["due_on"].(string))
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if got := strings.Join(dues, " "); got != "2026-03-05 2026-03-05 2026-03-10 2026-03-20" {
			t.Fatalf("paged due dates: %s", got)
		}
		st, _, m := clientFor(t, env, "agent_b").do("GET", list, nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 1 || m["next_cursor"] != "" {
			t.Fatalf("agent B: %d %v", st, m)
		}
		st, _, m = a1.do("GET", list+"&cursor=nope", nil)
		if st != 400 || !hasLocation(m, "query.cursor") || !strings.Contains(fmt.Sprint(m), "key:validation.cursor") {
			t.Fatalf("bad cursor: %d %v", st, m)
		}
	})
}
