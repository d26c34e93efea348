package sqlstore_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// bruteBreach answers the breach query by scanning every row in Go.
func bruteBreach(rows []accesslog.Access, user guanxi.ID, from, to time.Time) map[guanxi.ID]map[accesslog.Via]int64 {
	out := map[guanxi.ID]map[accesslog.Via]int64{}
	for _, r := range rows {
		if r.UserID != user || r.At.Before(from) || !r.At.Before(to) {
			continue
		}
		if out[r.CustomerID] == nil {
			out[r.CustomerID] = map[accesslog.Via]int64{}
		}
		out[r.CustomerID][r.Via]++
	}
	return out
}

func runBreach(t testing.TB, s *sqlstore.Store, q accesslog.BreachQuery) []accesslog.BreachRow {
	t.Helper()
	var got []accesslog.BreachRow
	if err := s.Breach(context.Background(), q, func(r accesslog.BreachRow) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestAccessBreachQuery writes random access rows and reveal audit rows and
// checks the breach query against a brute-force scan, on both engines.
func TestAccessBreachQuery(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &customer.Service{Store: s}
		var ids []guanxi.ID
		for i := range 30 {
			c := newCustomer("客户"+string(rune('甲'+i)), "", f.AgentA1.UserID)
			if err := svc.Create(ctx, f.AgentA1, c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		base := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Microsecond)
		rng := rand.New(rand.NewPCG(1, 2))
		vias := []accesslog.Via{accesslog.APIGet, accesslog.WebView, accesslog.List, accesslog.Search, accesslog.Export}
		users := []guanxi.ID{f.AgentA1.UserID, f.AgentA2.UserID, f.ManagerA.UserID}
		var rows []accesslog.Access
		for range 3000 {
			rows = append(rows, accesslog.Access{UserID: users[rng.IntN(len(users))], CustomerID: ids[rng.IntN(len(ids))],
				At: base.Add(time.Duration(rng.IntN(72*3600)) * time.Second), Via: vias[rng.IntN(len(vias))]})
		}
		if err := s.InsertAccess(ctx, rows); err != nil {
			t.Fatal(err)
		}
		// Reveals live in the audit log.
		for i := range 5 {
			e := audit.New(f.AgentA1, audit.ActionReveal, "customer", ids[i], map[string]any{"field": "mobile"}).ForCustomer(ids[i])
			e.At = base.Add(time.Duration(i) * time.Hour)
			if err := s.Audit(ctx, e); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, accesslog.Access{UserID: f.AgentA1.UserID, CustomerID: ids[i], At: e.At, Via: accesslog.Reveal})
		}
		for _, w := range []struct{ from, to time.Duration }{{0, 72 * time.Hour}, {10 * time.Hour, 11 * time.Hour}, {30 * time.Hour, 60 * time.Hour}} {
			for _, u := range users {
				from, to := base.Add(w.from), base.Add(w.to)
				want := bruteBreach(rows, u, from, to)
				got := runBreach(t, s, accesslog.BreachQuery{UserID: u, From: from, To: to})
				if len(got) != len(want) {
					t.Fatalf("user %d [%v,%v): %d customers, brute force %d", u, w.from, w.to, len(got), len(want))
				}
				if !slices.IsSortedFunc(got, func(a, b accesslog.BreachRow) int { return int(a.CustomerID - b.CustomerID) }) {
					t.Fatal("not in id order")
				}
				for _, r := range got {
					var total int64
					for v, n := range want[r.CustomerID] {
						if r.Counts[v] != n {
							t.Fatalf("customer %d via %s: %d, want %d", r.CustomerID, v, r.Counts[v], n)
						}
						total += n
					}
					if r.Total != total || r.Number == "" || r.Name == "" || r.First.After(r.Last) ||
						r.First.Before(from) || !r.Last.Before(to) {
						t.Fatalf("row %+v (total want %d)", r, total)
					}
				}
			}
		}
	})
}

// TestAccessLogProtected: rows cannot be updated, nor deleted while younger
// than 180 days; the purge removes only older rows.
func TestAccessLogProtected(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		rows := []accesslog.Access{
			{UserID: 1, CustomerID: 1, At: now.AddDate(0, 0, -400), Via: accesslog.APIGet},
			{UserID: 1, CustomerID: 2, At: now.AddDate(0, 0, -300), Via: accesslog.List},
			{UserID: 1, CustomerID: 3, At: now.AddDate(0, 0, -100), Via: accesslog.Export},
			{UserID: 2, CustomerID: 3, At: now.AddDate(0, 0, -1), Via: accesslog.WebView},
		}
		if err := s.InsertAccess(ctx, rows); err != nil {
			t.Fatal(err)
		}
		db := s.DB()
		if _, err := db.Exec("UPDATE customer_access SET user_id = 9"); err == nil {
			t.Fatal("update allowed")
		}
		if _, err := db.Exec("DELETE FROM customer_access WHERE customer_id = 3"); err == nil {
			t.Fatal("deleting a young row allowed")
		}
		// A purge asked to go too far is stopped by the database.
		if _, err := s.PurgeAccess(ctx, now, 10); err == nil {
			t.Fatal("purge of young rows allowed")
		}
		n, err := s.PurgeAccess(ctx, now.AddDate(0, 0, -180), 1)
		if err != nil || n != 2 {
			t.Fatalf("purge: %d %v", n, err)
		}
		var left int
		if err := db.QueryRow("SELECT COUNT(*) FROM customer_access").Scan(&left); err != nil || left != 2 {
			t.Fatalf("left %d %v", left, err)
		}
	})
}
