package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// cmdBench builds a demo database and measures the API against bare
// ceilings on the same machine in the same run, interleaved, median of
// rounds. Ratios matter; absolute numbers depend on the machine.
func cmdBench(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("bench", getenv, &c)
	fs.IntVar(&c.DemoCustomers, "customers", 100000, "demo customers to load")
	fs.Uint64Var(&c.Seed, "seed", 1, "demo seed")
	rounds := fs.Int("rounds", 3, "rounds per measurement (median)")
	dur := fs.Duration("duration", 3*time.Second, "duration of one throughput round")
	workers := fs.Int("workers", 8, "concurrent clients")
	out := fs.String("out", "", "also write the markdown report to this file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "guanxi-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if c.DB == "" {
		c.DB = filepath.Join(dir, "bench.db")
	}
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	var rep strings.Builder
	fmt.Fprintf(&rep, "# guanxi bench\n\n%s, %d customers (seed %d), %s database, %d clients, %d rounds × %s, median.\n\n",
		time.Now().UTC().Format("2006-01-02"), c.DemoCustomers, c.Seed, s.Dialect(), *workers, *rounds, *dur)
	var existing int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		fmt.Fprintf(&rep, "Existing database reused: %d customers.\n\n", existing)
	} else {
		start := time.Now()
		if err := loadDemo(ctx, s, c.DemoCustomers, c.Seed, io.Discard); err != nil {
			return err
		}
		fmt.Fprintf(&rep, "Demo load: %s for %d customers with holdings, transactions, interactions, tokens.\n\n",
			time.Since(start).Round(time.Millisecond), c.DemoCustomers)
	}
	fmt.Fprint(stdout, rep.String())

	a, err := buildApp(ctx, s, newLogger())
	if err != nil {
		return err
	}
	h, err := handler(a, c)
	if err != nil {
		return err
	}
	admin, err := s.UserByUsername(ctx, "admin")
	if err != nil {
		return err
	}
	token, _, err := a.Auth.CreateToken(ctx, guanxi.SystemActor("bench"), admin.ID, "bench")
	if err != nil {
		return err
	}
	product, err := serveLoopback(h)
	if err != nil {
		return err
	}
	bareDB, err := sql.Open("sqlite", "file:"+s.Path()+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer bareDB.Close()
	bareDB.SetMaxOpenConns(8)
	bare, err := serveLoopback(barePKHandler(bareDB))
	if err != nil {
		return err
	}
	hello, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"hello":"world"}`))
	}))
	if err != nil {
		return err
	}
	var maxID int64
	if err := bareDB.QueryRow("SELECT MAX(id) FROM customers").Scan(&maxID); err != nil {
		return err
	}
	auth := map[string]string{"Authorization": "Bearer " + token}
	idPath := func(base string) func(*rand.Rand) string {
		return func(r *rand.Rand) string { return fmt.Sprintf("%s%d", base, 1+r.Int64N(maxID)) }
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var hellos, bares, gets []float64
	for i := 0; i < *rounds; i++ {
		hellos = append(hellos, throughput(ctx, hello, func(*rand.Rand) string { return "/" }, nil, *workers, *dur))
		bares = append(bares, throughput(ctx, bare, idPath("/c/"), nil, *workers, *dur))
		gets = append(gets, throughput(ctx, product, idPath("/api/v1/customers/"), auth, *workers, *dur))
	}
	mh, mb, mg := median(hellos), median(bares), median(gets)
	fmt.Fprintf(&rep, "| measurement | req/s (median) | rounds | ratio |\n|---|---:|---|---:|\n")
	fmt.Fprintf(&rep, "| C-HELLO bare net/http JSON | %.0f | %s | |\n", mh, fmtList(hellos))
	fmt.Fprintf(&rep, "| C-GET bare Go + same SQLite driver, PK read | %.0f | %s | |\n", mb, fmtList(bares))
	fmt.Fprintf(&rep, "| GET /api/v1/customers/{id} (token, scoped, masked) | %.0f | %s | %.2f × C-GET, %.2f × C-HELLO |\n\n",
		mg, fmtList(gets), mg/mb, mg/mh)

	lat := func(name string, paths []string) {
		var ds []time.Duration
		for _, p := range paths {
			t0 := time.Now()
			if err := get(ctx, product+p, auth); err != nil {
				fmt.Fprintf(&rep, "%s: error %v\n", name, err)
				return
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		q := func(p float64) time.Duration { return ds[int(float64(len(ds)-1)*p)].Round(10 * time.Microsecond) }
		fmt.Fprintf(&rep, "| %s | %d | %s | %s | %s |\n", name, len(ds), q(0.5), q(0.95), q(0.99))
	}
	names, err := sampleNames(bareDB, 200)
	if err != nil {
		return err
	}
	var two, initials, one, phone4, list []string
	r := rand.New(rand.NewPCG(c.Seed, 42))
	for _, n := range names {
		rs := []rune(n.name)
		if len(rs) >= 2 {
			two = append(two, "/api/v1/customers?limit=20&q="+urlq(string(rs[:2])))
		}
		one = append(one, "/api/v1/customers?limit=20&q="+urlq(string(rs[:1])))
		if n.initials != "" {
			initials = append(initials, "/api/v1/customers?limit=20&q="+urlq(n.initials))
		}
		phone4 = append(phone4, fmt.Sprintf("/api/v1/customers?limit=20&q=%04d", r.IntN(10000)))
		list = append(list, "/api/v1/customers?limit=20&sort=-updated_at")
	}
	fmt.Fprintf(&rep, "| latency (sequential, via HTTP API) | n | p50 | p95 | p99 |\n|---|---:|---:|---:|---:|\n")
	lat("search: 1 Chinese character", one)
	lat("search: 2 Chinese characters", two)
	lat("search: initials", initials)
	lat("search: last 4 phone digits", phone4)
	lat("list page of 20, newest updated first", list)
	if existing > 0 {
		fmt.Fprintf(&rep, "\nCommand: `go run ./cmd/guanxi bench --db DB --rounds %d --duration %s` on a database of %d demo customers\n", *rounds, *dur, existing)
	} else {
		fmt.Fprintf(&rep, "\nCommand: `go run ./cmd/guanxi bench --customers %d --rounds %d --duration %s`\n", c.DemoCustomers, *rounds, *dur)
	}
	fmt.Fprint(stdout, rep.String()[strings.Index(rep.String(), "| measurement"):])
	if *out != "" {
		return os.WriteFile(*out, []byte(rep.String()), 0o644)
	}
	return nil
}

func urlq(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
