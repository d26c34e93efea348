package sqlstore

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
)

// Every connection of both SQLite pools has the safety settings: WAL,
// synchronous=FULL by default, foreign keys, the read pool query-only, and
// no extra pragmas in production.
func TestSQLiteConnectionPragmas(t *testing.T) {
	if len(sqliteExtraPragmas) != 0 {
		t.Fatalf("sqliteExtraPragmas = %v, want none in production", sqliteExtraPragmas)
	}
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check := func(pool string, db *sqlx.DB, n int, queryOnly string) {
		t.Helper()
		// Hold n connections at once so that n different ones are checked.
		for i := 0; i < n; i++ {
			c, err := db.Connx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for p, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "query_only": queryOnly,
				"foreign_keys": "1", "busy_timeout": "10000", "mmap_size": "0"} {
				var got string
				if err := c.GetContext(ctx, &got, "PRAGMA "+p); err != nil {
					t.Fatalf("%s conn %d: PRAGMA %s: %v", pool, i, p, err)
				}
				if got != want {
					t.Errorf("%s conn %d: %s = %s, want %s", pool, i, p, got, want)
				}
			}
		}
	}
	check("writer", s.w, 1, "0")
	check("reader", s.r, 4, "1")
}

// TestGetCustomerReadCost measures what candidate pragmas would do to one
// customer read through the store (the query, scan and decode of GET
// /customers/{id}) on an existing database:
//
//	GUANXI_BENCH_DB=path/to/guanxi.db go test ./internal/sqlstore -run TestGetCustomerReadCost -v
//
// GUANXI_BENCH_PRAGMAS lists the candidates, "|" between candidates and ";"
// between the pragmas of one (default "mmap_size(2147418112)"). The file is
// opened once per candidate plus once with the defaults, and 400 ms slices
// of random-id reads alternate between them on one goroutine locked to its
// thread; the result is the median thread CPU time per read (from
// /proc/thread-self/schedstat, so other work on a shared machine does not
// count). Linux only; skipped unless GUANXI_BENCH_DB is set.
func TestGetCustomerReadCost(t *testing.T) {
	path := os.Getenv("GUANXI_BENCH_DB")
	if path == "" {
		t.Skip("set GUANXI_BENCH_DB to a loaded database to measure")
	}
	if _, ok := threadCPU(); !ok {
		t.Skip("no /proc/thread-self/schedstat")
	}
	cands := os.Getenv("GUANXI_BENCH_PRAGMAS")
	if cands == "" {
		cands = "mmap_size(2147418112)"
	}
	ctx := context.Background()
	type variant struct {
		name    string
		pragmas []string
	}
	variants := []variant{{"default", nil}}
	for _, c := range strings.Split(cands, "|") {
		variants = append(variants, variant{c, strings.Split(c, ";")})
	}
	defer func() { sqliteExtraPragmas = nil }()
	stores := make([]*Store, len(variants))
	for i, v := range variants {
		sqliteExtraPragmas = v.pragmas
		s, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	sqliteExtraPragmas = nil
	var maxID int64
	if err := stores[0].r.GetContext(ctx, &maxID, "SELECT MAX(id) FROM customers"); err != nil || maxID == 0 {
		t.Fatalf("no customers in %s (%v)", path, err)
	}
	admin := guanxi.Actor{UserID: 1, Username: "admin", Role: guanxi.RoleAdmin, OrgUnitID: 1, OrgPath: "/1/"}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rnd := rand.New(rand.NewPCG(7, 7))
	res := make([][]float64, len(stores))
	for round := 0; round < 12; round++ {
		for i, s := range stores {
			c0, _ := threadCPU()
			n := 0
			for t0 := time.Now(); time.Since(t0) < 400*time.Millisecond; n++ {
				_, err := s.GetCustomer(ctx, admin, guanxi.ID(1+rnd.Int64N(maxID)), false)
				if err != nil && guanxi.KindOf(err) != guanxi.KindNotFound {
					t.Fatal(err)
				}
			}
			c1, _ := threadCPU()
			res[i] = append(res[i], float64((c1-c0).Nanoseconds())/1e3/float64(n))
		}
	}
	for i, v := range variants {
		xs := slices.Clone(res[i])
		slices.Sort(xs)
		t.Logf("%-32s median %.1f µs CPU per read (min %.1f, max %.1f; %d rounds)", v.name, xs[len(xs)/2], xs[0], xs[len(xs)-1], len(xs))
	}
}

// threadCPU is the calling thread's CPU time so far.
func threadCPU() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, false
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	return time.Duration(ns), err == nil
}
