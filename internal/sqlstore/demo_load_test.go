package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/demo"
	"github.com/guanxi-crm/guanxi/internal/search"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// demoCounts counts what g will write per table.
func demoCounts(t *testing.T, g *demo.Generator) map[string]int {
	t.Helper()
	n := map[string]int{"org_units": len(g.Org()), "users": len(g.Staff())}
	err := g.Customers(100, func(bs []demo.Bundle) error {
		for _, b := range bs {
			c := b.Customer
			n["customers"]++
			n["customer_tags"] += len(c.Tags)
			n["customer_tokens"] += len(search.CustomerTokens(c.Name, c.Number, c.IDNumber, c.Mobile, c.Phone))
			n["contacts"] += len(b.Contacts)
			n["holdings"] += len(b.Holdings)
			n["transactions"] += len(b.Transactions)
			n["interactions"] += len(b.Interactions)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func countRows(t *testing.T, s *sqlstore.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestLoadDemo(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		const n = 300
		indexesBefore := indexNames(t, s)
		g := demo.New(42, n)
		var calls, last int
		if err := s.LoadDemo(ctx, g, "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", func(done, total int) {
			calls++
			last = done
			if total != n {
				t.Errorf("total %d", total)
			}
		}); err != nil {
			t.Fatal(err)
		}
		if calls < 2 || last != n {
			t.Errorf("progress called %d times, last %d", calls, last)
		}
		for table, want := range demoCounts(t, demo.New(42, n)) {
			if got := countRows(t, s, table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}

		if got := indexNames(t, s); got != indexesBefore {
			t.Errorf("indexes after the load:\n%s\nwant\n%s", got, indexesBefore)
		}

		// What was stored is valid and covers every market, kind and role.
		seen := map[string]bool{}
		rows, err := s.DB().QueryContext(ctx, "SELECT kind, id_type, id_number, mobile, market, industry FROM customers")
		if err != nil {
			t.Fatal(err)
		}
		mobiles := map[string]bool{}
		for rows.Next() {
			var kind, idType, idNumber, mobile, market, industry string
			if err := rows.Scan(&kind, &idType, &idNumber, &mobile, &market, &industry); err != nil {
				t.Fatal(err)
			}
			if idNumber, err = sqlstore.OpenIDNumber(s, idNumber); err != nil {
				t.Fatal(err)
			}
			if (idType == "resident_id" && !customer.ValidResidentID(idNumber)) || (idType == "uscc" && !customer.ValidUSCC(idNumber)) {
				t.Errorf("invalid %s %s", idType, idNumber)
			}
			if mobile != "" && mobiles[mobile] {
				t.Errorf("duplicate mobile %s", mobile)
			}
			mobiles[mobile] = true
			seen["kind:"+kind] = true
			seen["market:"+market] = true
			seen["industry:"+industry] = true
		}
		rows.Close()
		for _, q := range []string{"SELECT DISTINCT 'holding:' || kind FROM holdings", "SELECT DISTINCT 'role:' || role FROM users"} {
			rows, err := s.DB().QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v string
				rows.Scan(&v)
				seen[v] = true
			}
			rows.Close()
		}
		want := []string{"kind:person", "kind:org", "role:admin", "role:manager", "role:agent", "role:credit", "role:auditor"}
		for _, m := range customer.Markets {
			want = append(want, "market:"+string(m))
		}
		for _, k := range customer.HoldingKinds {
			want = append(want, "holding:"+string(k))
		}
		for _, w := range want {
			if !seen[w] {
				t.Errorf("no %s in the loaded data", w)
			}
		}

		// A second load is refused.
		err = s.LoadDemo(ctx, demo.New(1, 10), "x", nil)
		if guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("second load: %v", err)
		}

		// The loaded rows read back through the normal store paths.
		admin, err := s.UserByUsername(ctx, demo.UserAdmin)
		if err != nil {
			t.Fatal(err)
		}
		a := admin.Actor("127.0.0.1")
		c1, err := s.GetCustomer(ctx, a, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		if c1.Number != "KH00000001" || c1.Consent == nil || c1.OwnerName == "" {
			t.Errorf("customer 1: %+v", c1)
		}
		for _, name := range []string{demo.UserManager, demo.UserAgent, demo.UserCredit, demo.UserAuditor} {
			u, err := s.UserByUsername(ctx, name)
			if err != nil || u.PasswordHash == "" || u.OrgPath == "" {
				t.Errorf("user %s: %+v %v", name, u, err)
			}
		}
		units, err := s.Units(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[guanxi.ID]staff.OrgUnit{}
		for _, u := range units {
			byID[u.ID] = u
		}
		for _, u := range units {
			want := "/"
			if u.ParentID != nil {
				want = byID[*u.ParentID].Path
			}
			if u.Path != want+strconv.FormatInt(u.ID, 10)+"/" {
				t.Errorf("unit %d path %q under %q", u.ID, u.Path, want)
			}
		}

		// Normal inserts continue after the demo ids and numbers.
		agent, err := s.UserByUsername(ctx, demo.UserAgent)
		if err != nil {
			t.Fatal(err)
		}
		ag := agent.Actor("127.0.0.1")
		c := customer.Customer{Kind: customer.Person, Name: "测试客户", Mobile: "13000000000", OwnerID: agent.ID,
			Stage: customer.StageProspect, Consent: map[string]bool{}}
		if err := s.CreateCustomer(ctx, ag, &c); err != nil {
			t.Fatal(err)
		}
		if c.ID != n+1 || c.Number != "KH00000301" {
			t.Errorf("new customer id %d number %s", c.ID, c.Number)
		}
		ct := customer.Contact{CustomerID: c.ID, Name: "联系人"}
		if err := s.SaveContact(ctx, ag, &ct, 0); err != nil {
			t.Fatal(err)
		}
		h := customer.Holding{CustomerID: c.ID, Kind: "deposit", Currency: "CNY"}
		if err := s.SaveHolding(ctx, ag, &h, 0); err != nil {
			t.Fatal(err)
		}
		tx := customer.Transaction{CustomerID: c.ID, Kind: "deposit", AmountMinor: 100, Currency: "CNY", OccurredAt: time.Now()}
		if err := s.AddTransaction(ctx, ag, &tx); err != nil {
			t.Fatal(err)
		}
		in := customer.Interaction{CustomerID: c.ID, Channel: "phone", Direction: "out", Summary: "回访"}
		if err := s.AddInteraction(ctx, ag, &in); err != nil {
			t.Fatal(err)
		}
		unit := staff.OrgUnit{Name: "新团队", Kind: "team", ParentID: &agent.OrgUnitID}
		if err := s.InsertUnit(ctx, &unit, audit.New(a, audit.ActionCreate, "test", 0, nil)); err != nil {
			t.Fatal(err)
		}
		user := staff.User{Username: "newbie", Name: "新人", Role: guanxi.RoleAgent, OrgUnitID: unit.ID, PasswordHash: "x", Lang: "zh-CN"}
		if err := s.InsertUser(ctx, &user, audit.New(a, audit.ActionCreate, "test", 0, nil)); err != nil {
			t.Fatal(err)
		}
		if broken, _, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
			t.Errorf("audit chain: broken %d, %v", broken, err)
		}
		var demoRows int
		if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log WHERE object_type = 'demo' AND action = 'create'").Scan(&demoRows); err != nil || demoRows != 1 {
			t.Errorf("demo audit rows %d, %v", demoRows, err)
		}
	})
}

// TestLoadDemoFailureKeepsIndexes cancels a load once its staff are in: the
// secondary indexes set aside for the load come back.
func TestLoadDemoFailureKeepsIndexes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		before := indexNames(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		err := s.LoadDemo(ctx, demo.New(5, 50), "h", func(done, total int) { cancel() })
		if err == nil {
			t.Fatal("cancelled load succeeded")
		}
		if got := indexNames(t, s); got != before {
			t.Errorf("indexes after a failed load:\n%s\nwant\n%s", got, before)
		}
	})
}

func indexNames(t *testing.T, s *sqlstore.Store) string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"
	if s.Dialect() == sqlstore.Postgres {
		q = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
	}
	rows, err := s.DB().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out += n + "\n"
	}
	return out
}

// TestLoadDemoNextToExistingStaff loads into a database whose first
// administrator already exists: ids and usernames move out of the way.
func TestLoadDemoNextToExistingStaff(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		seedStaff(t, s)
		if err := s.LoadDemo(ctx, demo.New(3, 50), "h", nil); err != nil {
			t.Fatal(err)
		}
		if got, want := countRows(t, s, "users"), 6+len(demo.New(3, 50).Staff()); got != want {
			t.Errorf("users %d, want %d", got, want)
		}
		if _, err := s.UserByUsername(ctx, "admin2"); err != nil {
			t.Errorf("demo admin renamed: %v", err)
		}
	})
}

// TestLoadDemoTiming loads GUANXI_DEMO_N customers (skipped when unset) and
// logs the time, on SQLite with synchronous=FULL and on PostgreSQL:
//
//	GUANXI_DEMO_N=100000 go test -run TestLoadDemoTiming -v ./internal/sqlstore/
func TestLoadDemoTiming(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("GUANXI_DEMO_N"))
	if n <= 0 {
		t.Skip("set GUANXI_DEMO_N to time a demo load")
	}
	for _, e := range []struct {
		name string
		open func(t *testing.T) *sqlstore.Store
	}{
		{"sqlite-full", func(t *testing.T) *sqlstore.Store {
			s, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if _, err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"postgres", func(t *testing.T) *sqlstore.Store { return sqltest.Postgres(t) }},
	} {
		t.Run(e.name, func(t *testing.T) {
			s := e.open(t)
			cpu0 := processCPU()
			start := time.Now()
			if err := s.LoadDemo(context.Background(), demo.New(1, n), "h", nil); err != nil {
				t.Fatal(err)
			}
			// The CPU time of this process is logged too: on a busy
			// machine the wall clock also measures the neighbours.
			t.Logf("%s: loaded %d demo customers in %s (%s CPU in this process; %d token rows)", e.name, n,
				time.Since(start).Round(time.Millisecond), (processCPU() - cpu0).Round(time.Millisecond),
				countRows(t, s, "customer_tokens"))
		})
	}
}

// processCPU is this process's user+system CPU time from /proc (0 elsewhere).
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields of the whole line, in clock ticks (100 Hz).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
