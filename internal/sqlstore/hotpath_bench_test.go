package sqlstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// benchStore opens the loaded database named by GUANXI_BENCH_DB (e.g. one
// made by `guanxi demo --customers 100000`), or skips.
func benchStore(b *testing.B) (*Store, int64) {
	path := os.Getenv("GUANXI_BENCH_DB")
	if path == "" {
		b.Skip("set GUANXI_BENCH_DB to a loaded database")
	}
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	var maxID int64
	if err := s.r.Get(&maxID, "SELECT MAX(id) FROM customers"); err != nil || maxID == 0 {
		b.Fatalf("no customers (%v)", err)
	}
	return s, maxID
}

// cpuLoop runs fn b.N times and reports the process's CPU time per op
// (user + system, every thread, GC included) besides the wall time: on a
// shared machine wall time follows the neighbours' load, CPU time far less.
func cpuLoop(b *testing.B, fn func()) {
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		fn()
	}
	b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var stageLost = func() *segment.Node {
	n, err := segment.Parse([]byte(`{"field":"stage","op":"eq","value":"lost"}`))
	if err != nil {
		panic(err)
	}
	return n
}()

var benchAdmin = guanxi.Actor{UserID: 1, Username: "admin", Role: guanxi.RoleAdmin, OrgUnitID: 1, OrgPath: "/1/"}

// BenchmarkGetCustomer is the store's part of GET /customers/{id}, against
// the previous path (customer-columns through sqlx, prepared once):
//
//	GUANXI_BENCH_DB=/tmp/d/guanxi.db go test ./internal/sqlstore -run '^$' -bench 'GetCustomer' -count 5
func BenchmarkGetCustomer(b *testing.B) {
	s, maxID := benchStore(b)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	b.Run("hot", func(b *testing.B) {
		cpuLoop(b, func() {
			if _, err := s.GetCustomer(ctx, benchAdmin, 1+r.Int64N(maxID), false); err != nil && guanxi.KindOf(err) != guanxi.KindNotFound {
				b.Fatal(err)
			}
		})
	})
	b.Run("sqlx", func(b *testing.B) {
		st, err := s.readStmt(ctx, s.rawColumns()+" WHERE c.id = ? AND c.deleted_at IS NULL AND 1=1")
		if err != nil {
			b.Fatal(err)
		}
		cpuLoop(b, func() {
			var row customerRow
			if err := st.GetContext(ctx, &row, 1+r.Int64N(maxID)); err == nil {
				if _, err := row.decode(); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkListCustomers is one list page of 20: newest, by update (the
// bench's list request) and a 2-character search.
func BenchmarkListCustomers(b *testing.B) {
	s, _ := benchStore(b)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		q    customer.ListQuery
	}{
		{"newest", customer.ListQuery{Limit: 20}},
		{"updated", customer.ListQuery{Limit: 20, Sort: "-updated_at"}},
		{"search2", customer.ListQuery{Limit: 20, Q: "王芳"}},
		{"stage", customer.ListQuery{Limit: 20, Filter: stageLost}},
		// The bench's list request: a stage filter from the middle of the
		// table (keyset cursor), through the prepared statement.
		{"stage-cursor", customer.ListQuery{Limit: 20, Filter: stageLost, Cursor: midCursor(s)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			cpuLoop(b, func() {
				if _, err := s.ListCustomers(ctx, benchAdmin, c.q); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// midCursor is the cursor of a "-id" page ending in the middle of the table.
func midCursor(s *Store) string {
	var maxID int64
	if err := s.r.Get(&maxID, "SELECT MAX(id) FROM customers"); err != nil {
		panic(err)
	}
	return encodeCursor(listCursor{Sort: "-id", ID: maxID / 2})
}

// createStore is a fresh migrated SQLite store with synchronous=FULL (the
// production default) and one admin.
func createStore(b testing.TB) *Store {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "g.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	now := "2026-01-01 00:00:00"
	for _, q := range []string{
		"INSERT INTO org_units (id, parent_id, name, kind, path, version, created_at, updated_at) VALUES (1, NULL, 'HQ', 'head_office', '/1/', 1, '" + now + "', '" + now + "')",
		"INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, version, created_at, updated_at) VALUES (1, 'admin', 'admin', 'admin', 1, 'x', '" + now + "', 1, '" + now + "', '" + now + "')",
	} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkCreateCustomer is the store's part of POST /customers with 8
// concurrent callers (the bench's client count), synchronous=FULL, with
// and without group commit:
//
//	go test ./internal/sqlstore -run '^$' -bench 'CreateCustomer' -benchtime 2000x -count 3
func BenchmarkCreateCustomer(b *testing.B) {
	for _, group := range []bool{true, false} {
		name := map[bool]string{true: "group", false: "single"}[group]
		b.Run(name, func(b *testing.B) {
			defer func(v bool) { groupCreates = v }(groupCreates)
			groupCreates = group
			benchCreates(b)
		})
	}
}

func benchCreates(b *testing.B) {
	s := createStore(b)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(4) // × GOMAXPROCS (2 here) = 8 callers
	b.ReportAllocs()
	b.ResetTimer()
	start, wall, txs := processCPU(), time.Now(), groupTxs.Load()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			c := &customer.Customer{Kind: customer.Person, Name: "张伟" + strconv.FormatInt(i, 10), Mobile: fmt.Sprintf("139%08d", i),
				OwnerID: 1, Market: customer.MarketPersonal, Stage: customer.StageCustomer, Tags: []string{"vip"},
				Consent: map[string]bool{"sms": true}}
			if err := s.CreateCustomer(ctx, benchAdmin, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(wall).Seconds(), "creates/s")
	if n := groupTxs.Load() - txs; n > 0 {
		b.ReportMetric(float64(b.N)/float64(n), "creates/commit")
	}
	b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
