package main

import (
	"context"
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
// `guanxi bench import` measures the import instead (bench_import.go).
func cmdBench(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "import" {
		return cmdBenchImport(ctx, args[1:], getenv, stdout)
	}
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
	var existing int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&existing); err != nil {
		return err
	}
	fmt.Fprintf(&rep, "# guanxi bench\n\n%s, %s database, %d clients, %d rounds × %s, median.\n\n",
		time.Now().UTC().Format("2006-01-02"), s.Dialect(), *workers, *rounds, *dur)
	if existing > 0 {
		fmt.Fprintf(&rep, "Existing database reused: %d customers.\n\n", existing)
	} else {
		fmt.Fprintf(&rep, "%d demo customers (seed %d).\n\n", c.DemoCustomers, c.Seed)
		start := time.Now()
		if _, err := loadDemo(ctx, s, c.DemoCustomers, c.Seed, io.Discard); err != nil {
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
	// The load is one synthetic user far faster than a person: the per-user
	// rate limit would refuse it (the guard's own cost stays measured).
	c.RatePerUser = -1
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
	product, err := serveLoopback("product", h)
	if err != nil {
		return err
	}
	// C-GET sends the SQL text with every request, so SQLite parses it each
	// time; C-GET-P prepares it once (per pool connection, by database/sql),
	// as the store's statement cache does for GET /customers/{id}.
	bareDB, err := openBareDB(s.Path())
	if err != nil {
		return err
	}
	defer bareDB.Close()
	bare, err := serveLoopback("bare", barePKHandler(bareDB, false))
	if err != nil {
		return err
	}
	bareP, err := serveLoopback("bare-p", barePKHandler(bareDB, true))
	if err != nil {
		return err
	}
	hello, err := serveLoopback("hello", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	// Each phase runs under a pprof label (phase=hello|bare|...), so a
	// profile can be split: go tool pprof -tagfocus phase=product (client
	// side) or -tagfocus server=product (server side).
	//
	// Besides requests per second, each phase records the process's CPU time
	// per request (clients and server together). On a shared machine the
	// request rate follows whatever else runs; CPU per request moves much
	// less, and its ratio is what the rates would be on an idle machine.
	type series struct{ rps, cpu []float64 }
	res := map[string]*series{}
	phase := func(name, base string, path func(*rand.Rand) string, hdr map[string]string) {
		var rps float64
		var n int64
		c0, ok0 := processCPU()
		pprof.Do(ctx, pprof.Labels("phase", name), func(ctx context.Context) {
			rps, n = throughput(ctx, base, path, hdr, *workers, *dur)
		})
		c1, ok1 := processCPU()
		if res[name] == nil {
			res[name] = &series{}
		}
		r := res[name]
		r.rps = append(r.rps, rps)
		if ok0 && ok1 && n > 0 {
			r.cpu = append(r.cpu, float64((c1-c0).Microseconds())/float64(n))
		}
	}
	for i := 0; i < *rounds; i++ {
		phase("hello", hello, func(*rand.Rand) string { return "/" }, nil)
		phase("bare", bare, idPath("/c/"), nil)
		phase("bare-p", bareP, idPath("/c/"), nil)
		phase("product", product, idPath("/api/v1/customers/"), auth)
	}
	rps := func(name string) float64 { return median(res[name].rps) }
	cpu := func(name string) float64 {
		if len(res[name].cpu) == 0 {
			return 0
		}
		return median(res[name].cpu)
	}
	// cpuRatio is how many requests of name the CPU of one request of ref
	// pays for: ref's CPU per request over name's.
	cpuRatio := func(name, ref string) string {
		if cpu(name) == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", cpu(ref)/cpu(name))
	}
	row := func(label, name, ratios string) {
		c := "–"
		if cpu(name) > 0 {
			c = fmt.Sprintf("%.0f", cpu(name))
		}
		fmt.Fprintf(&rep, "| %s | %.0f | %s | %s | %s | %s |\n", label, rps(name), fmtList(res[name].rps), c, ratios, cpuRatio(name, "hello"))
	}
	fmt.Fprintf(&rep, "| measurement | req/s (median) | rounds | CPU µs/req | req/s ratio | CPU ratio × C-HELLO |\n|---|---:|---|---:|---|---:|\n")
	row("C-HELLO bare net/http JSON", "hello", "")
	row("C-GET bare Go + same SQLite driver, PK read (SQL parsed per request)", "bare",
		fmt.Sprintf("%.2f × C-HELLO", rps("bare")/rps("hello")))
	row("C-GET-P: C-GET with the statement prepared once", "bare-p",
		fmt.Sprintf("%.2f × C-HELLO", rps("bare-p")/rps("hello")))
	mg := rps("product")
	row("GET /api/v1/customers/{id} (token, scoped, masked)", "product",
		fmt.Sprintf("%.2f × C-GET, %.2f × C-GET-P, **%.2f × C-HELLO**", mg/rps("bare"), mg/rps("bare-p"), mg/rps("hello")))
	fmt.Fprintf(&rep, "\nCPU µs/req: median over rounds of the whole process's CPU time (clients and server) per request. CPU ratio: C-HELLO's CPU per request over this row's.\n\n")

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
	if m := procMemory(); m != "" {
		fmt.Fprintf(&rep, "\nMemory of the bench process at the end (server, clients and ceilings together): %s\n", m)
	}
	fmt.Fprint(stdout, rep.String()[strings.Index(rep.String(), "| measurement"):])
	if *out != "" {
		return os.WriteFile(*out, []byte(rep.String()), 0o644)
	}
	return nil
}

func urlq(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
