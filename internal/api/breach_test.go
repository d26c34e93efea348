package api_test

import (
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIBreach (TESTPLAN D3): an agent reads customers through the API;
// the auditor's and the administrator's breach query answers exactly those
// customers with the count per way; others get 403; bad input names the
// query parameter; the CSV is localised and formula-safe; each query is
// audited; under mlps3 only the auditor may ask.
func TestAPIBreach(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c1 := env.Customer(t, "agent_a1", "=HYPERLINK(1)", "13600136001")
		c2 := env.Customer(t, "agent_a1", "泄露乙", "13600136002")
		other := env.Customer(t, "agent_b", "泄露丙", "13600136003") // never read by agent_a1
		agent := clientFor(t, env, "agent_a1")
		auditor, admin, mgr := clientFor(t, env, "auditor"), clientFor(t, env, "admin"), clientFor(t, env, "mgr_a")
		from := time.Now().UTC().Add(-time.Hour)

		want := map[int64]map[string]int64{}
		add := func(id int64, via string) {
			if want[id] == nil {
				want[id] = map[string]int64{}
			}
			want[id][via]++
		}
		for _, id := range []int64{c1.ID, c1.ID, c2.ID} {
			if st, _, m := agent.do("GET", fmt.Sprintf("/api/v1/customers/%d", id), nil); st != 200 {
				t.Fatalf("read %d: %d %v", id, st, m)
			}
			add(id, "api_get")
		}
		st, _, m := agent.do("GET", "/api/v1/customers", nil)
		if st != 200 {
			t.Fatalf("list: %d %v", st, m)
		}
		for _, it := range m["items"].([]any) {
			add(int64(it.(map[string]any)["id"].(float64)), "list")
		}
		if len(want[c1.ID]) != 2 || want[other.ID] != nil {
			t.Fatalf("the list should show the agent's own customers only: %v", want)
		}
		if err := env.App.Access.Flush(); err != nil {
			t.Fatal(err)
		}
		to := time.Now().UTC().Add(time.Hour)
		q := url.Values{"user": {"agent_a1"}, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}
		breaches := breachCount(t, env)

		check := func(who client, q url.Values) {
			t.Helper()
			st, hd, m := who.do("GET", "/api/v1/audit/breach?"+q.Encode(), nil)
			if st != 200 || hd.Get("Cache-Control") != "no-store" || m["user_id"] != float64(env.Users["agent_a1"].ID) {
				t.Fatalf("breach: %d %v %v", st, hd, m)
			}
			items := m["items"].([]any)
			if len(items) != len(want) {
				t.Fatalf("breach: %d customers, want %d: %v", len(items), len(want), items)
			}
			for _, it := range items {
				r := it.(map[string]any)
				id := int64(r["customer_id"].(float64))
				w, ok := want[id]
				if !ok {
					t.Fatalf("breach lists customer %d the agent never read", id)
				}
				var total int64
				for via, n := range r["counts"].(map[string]any) {
					if int64(n.(float64)) != w[via] {
						t.Errorf("customer %d %s: %v, want %d", id, via, n, w[via])
					}
					total += int64(n.(float64))
				}
				if int64(r["total"].(float64)) != total || r["first"] == "" || r["last"] == "" {
					t.Errorf("customer %d: %v", id, r)
				}
				if id == c2.ID && r["name"] != "泄露乙" {
					t.Errorf("name: %v", r)
				}
			}
		}
		check(auditor, q)
		// By user id, with whole days (midnight UTC, "to" excluded).
		day := time.Now().UTC()
		check(admin, url.Values{"user": {fmt.Sprint(env.Users["agent_a1"].ID)}, "from": {day.Format(time.DateOnly)},
			"to": {day.AddDate(0, 0, 1).Format(time.DateOnly)}})
		if n := breachCount(t, env); n != breaches+2 {
			t.Fatalf("breach queries audited: %d, want %d", n, breaches+2)
		}

		for _, who := range []client{agent, mgr} {
			if st, _, m := who.do("GET", "/api/v1/audit/breach?"+q.Encode(), nil); st != 403 {
				t.Fatalf("non-auditor: %d %v", st, m)
			}
		}
		bad := url.Values{"user": {"agent_a1"}, "from": {"yesterday"}, "to": {"2026-13-45"}}
		if st, _, m := auditor.do("GET", "/api/v1/audit/breach?"+bad.Encode(), nil); st != 400 || !hasLocation(m, "query.from") || !hasLocation(m, "query.to") {
			t.Fatalf("bad dates: %d %v", st, m)
		}
		rev := url.Values{"user": {"agent_a1"}, "from": q["to"], "to": q["from"]}
		if st, _, m := auditor.do("GET", "/api/v1/audit/breach?"+rev.Encode(), nil); st != 400 || !hasLocation(m, "query.to") {
			t.Fatalf("to before from: %d %v", st, m)
		}
		unk := url.Values{"user": {"nobody"}, "from": q["from"], "to": q["to"]}
		if st, _, m := auditor.do("GET", "/api/v1/audit/breach?"+unk.Encode(), nil); st != 400 || !hasLocation(m, "query.user") {
			t.Fatalf("unknown user: %d %v", st, m)
		}
		if n := breachCount(t, env); n != breaches+2 {
			t.Fatalf("refused queries were audited as run: %d", n)
		}

		// CSV: BOM, a header in the auditor's language (zh-CN), one row
		// per customer, formulas defused.
		q.Set("format", "csv")
		st, hd, m := auditor.do("GET", "/api/v1/audit/breach?"+q.Encode(), nil)
		raw, _ := m["_raw"].(string)
		if st != 200 || !strings.HasPrefix(hd.Get("Content-Type"), "text/csv") || !strings.HasPrefix(raw, "\ufeff") ||
			!strings.Contains(hd.Get("Content-Disposition"), "attachment") {
			t.Fatalf("csv: %d %v %.200q", st, hd, raw)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\ufeff"))).ReadAll()
		if err != nil || len(recs) != len(want)+1 {
			t.Fatalf("csv rows: %d %v %q", len(recs), err, raw)
		}
		if !slices.Contains(recs[0], "接口读取") || !slices.Contains(recs[0], "访问次数") {
			t.Fatalf("csv header: %q", recs[0])
		}
		found := false
		for _, r := range recs[1:] {
			if r[0] == fmt.Sprint(c1.ID) {
				found = true
				if r[2] != "'=HYPERLINK(1)" || r[3] != fmt.Sprint(want[c1.ID]["api_get"]+want[c1.ID]["list"]) {
					t.Fatalf("csv row of c1: %q", r)
				}
			}
		}
		if !found {
			t.Fatalf("csv lacks customer %d: %q", c1.ID, recs)
		}

		// mlps3 (等保三级): the administrator no longer reads the audit.
		if st, _, m := admin.do("PUT", "/api/v1/settings/auth.password_policy", map[string]any{"value": "mlps3"}, "If-Match", `"0"`); st/100 != 2 {
			t.Fatalf("mlps3: %d %v", st, m)
		}
		q.Set("format", "json")
		if st, _, m := admin.do("GET", "/api/v1/audit/breach?"+q.Encode(), nil); st != 403 {
			t.Fatalf("admin under mlps3: %d %v", st, m)
		}
		if st, _, m := auditor.do("GET", "/api/v1/audit/breach?"+q.Encode(), nil); st != 200 {
			t.Fatalf("auditor under mlps3: %d %v", st, m)
		}
	})
}

// TestAPIAuditRetention: the legal minimum is shown and enforced with a
// field error on days (the refusal audited); a longer retention is saved
// with optimistic locking and audited; others get 403.
func TestAPIAuditRetention(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		auditor, agent := clientFor(t, env, "auditor"), clientFor(t, env, "agent_a1")
		const path = "/api/v1/audit/retention"
		st, hd, m := auditor.do("GET", path, nil)
		if st != 200 || m["days"] != float64(365) || m["min_days"] != float64(180) || m["version"] != float64(0) || hd.Get("ETag") != `"0"` {
			t.Fatalf("get: %d %v %v", st, hd, m)
		}
		if st, _, m := agent.do("GET", path, nil); st != 403 {
			t.Fatalf("agent get: %d %v", st, m)
		}
		protect := auditRows(t, env, "audit.protect", "")
		if st, _, m := agent.do("PUT", path, map[string]any{"days": 400}, "If-Match", `"0"`); st != 403 {
			t.Fatalf("agent put: %d %v", st, m)
		}
		st, _, m = auditor.do("PUT", path, map[string]any{"days": 30}, "If-Match", `"0"`)
		if st != 400 || !hasLocation(m, "body.days") {
			t.Fatalf("below minimum: %d %v", st, m)
		}
		if n := auditRows(t, env, "audit.protect", ""); n != protect+1 {
			t.Fatalf("refusal audited %d times", n-protect)
		}
		if st, _, m := auditor.do("PUT", path, map[string]any{"days": 400}); st != 428 {
			t.Fatalf("no version: %d %v", st, m)
		}
		changes := auditRows(t, env, "settings_change", "audit.retention_days")
		st, hd, m = auditor.do("PUT", path, map[string]any{"days": 400, "version": 0})
		if st != 200 || m["days"] != float64(400) || m["version"] != float64(1) || hd.Get("ETag") != `"1"` {
			t.Fatalf("put: %d %v %v", st, hd, m)
		}
		if n := auditRows(t, env, "settings_change", "audit.retention_days"); n != changes+1 {
			t.Fatalf("change audited %d times", n-changes)
		}
		if st, _, m := auditor.do("PUT", path, map[string]any{"days": 500}, "If-Match", `"0"`); st != 412 {
			t.Fatalf("stale: %d %v", st, m)
		}
		if st, _, m := auditor.do("GET", path, nil); st != 200 || m["days"] != float64(400) {
			t.Fatalf("after: %d %v", st, m)
		}
	})
}

func breachCount(t *testing.T, env *servertest.Env) int {
	t.Helper()
	return auditRows(t, env, "audit.breach_query", "")
}

// auditRows counts audit rows of action whose detail mentions detail.
func auditRows(t *testing.T, env *servertest.Env, action, detail string) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM audit_log WHERE action = ? AND detail LIKE ?"
	if env.Store.Dialect() == sqlstore.Postgres {
		q = "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND detail LIKE $2"
	}
	if err := env.Store.DB().QueryRow(q, action, "%"+detail+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
