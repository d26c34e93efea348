package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// benchPhase is one throughput measurement: a request builder against one
// server, and the child processes whose CPU counts besides this one's.
type benchPhase struct {
	name, label string
	next        reqFunc
	children    []*benchChild
	extra       func() time.Duration // more CPU to count (a PostgreSQL server); negative: unknown
	workers     int                  // closed-loop clients; 0: --workers
	rps, cpu    []float64            // per round; cpu in µs per request
	err         error
}

func (p *benchPhase) ok() bool { return p.err == nil && len(p.rps) > 0 }

func (p *benchPhase) rate() float64 {
	if len(p.rps) == 0 {
		return 0
	}
	return median(p.rps)
}

func (p *benchPhase) cpuPer() float64 {
	if len(p.cpu) == 0 {
		return 0
	}
	return median(p.cpu)
}

// cpuNow is this process's CPU time plus the phase's children's and extra.
func cpuNow(p *benchPhase) (time.Duration, bool) {
	t, ok := processCPU()
	if p.extra != nil {
		d := p.extra()
		if d < 0 {
			return 0, false
		}
		t += d
	}
	for _, c := range p.children {
		d := c.cpu()
		if d < 0 {
			return 0, false
		}
		t += d
	}
	return t, ok
}

// runPhases runs every phase once per round, in order (ceiling, product,
// ceiling, product...), each under the pprof label phase=<name>.
func runPhases(ctx context.Context, o *benchOpts, phases []*benchPhase, stdout io.Writer) {
	for r := 0; r < o.rounds; r++ {
		for _, p := range phases {
			if p.err != nil {
				continue
			}
			c0, ok0 := cpuNow(p)
			var rps float64
			var n int64
			var err error
			pprof.Do(ctx, pprof.Labels("phase", p.name), func(ctx context.Context) {
				w := o.workers
				if p.workers > 0 {
					w = p.workers
				}
				rps, n, err = closedLoop(ctx, p.next, w, o.dur)
			})
			c1, ok1 := cpuNow(p)
			if err != nil {
				p.err = err
				fmt.Fprintf(stdout, "bench: %s: %v\n", p.name, err)
				continue
			}
			p.rps = append(p.rps, rps)
			cpu := ""
			if ok0 && ok1 && n > 0 {
				p.cpu = append(p.cpu, float64((c1-c0).Microseconds())/float64(n))
				cpu = fmt.Sprintf(", %.0f µs CPU/req", p.cpu[len(p.cpu)-1])
			}
			fmt.Fprintf(stdout, "bench: round %d %-20s %8.0f req/s%s\n", r+1, p.name, rps, cpu)
		}
	}
}

// phaseTable writes the throughput table; ratios maps a phase to the
// phases its rate is compared with.
func phaseTable(rep *strings.Builder, phases []*benchPhase, ratios map[string][]*benchPhase) {
	fmt.Fprintf(rep, "| measurement | req/s (median) | rounds | CPU µs/req | ratio by rate | ratio by CPU |\n|---|---:|---|---:|---|---|\n")
	for _, p := range phases {
		if !p.ok() {
			fmt.Fprintf(rep, "| %s | failed: %s | | | | |\n", p.label, oneLine(p.err))
			continue
		}
		var byRate, byCPU []string
		for _, ref := range ratios[p.name] {
			if !ref.ok() {
				continue
			}
			byRate = append(byRate, fmt.Sprintf("%.2f × %s", p.rate()/ref.rate(), refName(ref)))
			if p.cpuPer() > 0 && ref.cpuPer() > 0 {
				byCPU = append(byCPU, fmt.Sprintf("%.2f × %s", ref.cpuPer()/p.cpuPer(), refName(ref)))
			}
		}
		cpu := "–"
		if p.cpuPer() > 0 {
			cpu = fmt.Sprintf("%.0f", p.cpuPer())
		}
		fmt.Fprintf(rep, "| %s | %.0f | %s | %s | %s | %s |\n", p.label, p.rate(), fmtList(p.rps), cpu,
			strings.Join(byRate, ", "), strings.Join(byCPU, ", "))
	}
	fmt.Fprintf(rep, "\nCPU µs/req: median over rounds of the CPU time (user + system) of this process (the clients, and the bare ceilings' servers) plus the server child's, per request. Ratio by CPU: the reference's CPU per request over this row's, i.e. the rate ratio on an idle machine.\n\n")
}

// refName is the short name a ratio uses: the label up to the first space.
func refName(p *benchPhase) string {
	name, _, _ := strings.Cut(p.label, " ")
	return name
}

// benchAPI is the SQLite API section.
func benchAPI(ctx context.Context, o *benchOpts, rep *strings.Builder, g *goals, stdout io.Writer) error {
	c := o.c
	if c.DB == "" {
		c.DB = filepath.Join(o.work, "bench.db")
	}
	say := func(format string, a ...any) { fmt.Fprintf(stdout, "bench: "+format+"\n", a...) }
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(rep, "## API, SQLite\n\n")
	if err := ensureDemo(ctx, s, c, rep, stdout); err != nil {
		return err
	}
	f, err := prepareFixture(ctx, s)
	if err != nil {
		return err
	}
	var prod *benchChild
	if o.inProcess {
		// The product's handler in this process, so --cpuprofile covers it
		// (pprof label server=product); no start-up time or server RSS.
		a, err := buildApp(ctx, s, newLogger())
		if err != nil {
			return err
		}
		defer a.Access.Close()
		c.RatePerUser = -1
		h, err := handler(a, c)
		if err != nil {
			return err
		}
		base, err := serveLoopback("product", h)
		if err != nil {
			return err
		}
		prod = &benchChild{base: base}
		fmt.Fprintf(rep, "Server: the product's handler in the bench process (--in-process): no start-up time, RSS is the whole bench process's.\n\n")
	} else {
		s.Close()
		say("starting guanxi serve and C-HELLO as child processes")
		if prod, err = startServeChild(ctx, c); err != nil {
			return err
		}
		defer prod.stop()
		fmt.Fprintf(rep, "Server: `guanxi serve` as a child process on this database (production defaults, per-user rate limit off, log discarded); start-up (exec → first 200 from /api/v1/health) **%s**.\n\n",
			prod.startup.Round(time.Millisecond))
	}
	hello, err := startHelloChild(ctx)
	if err != nil {
		return err
	}
	defer hello.stop()
	bareDB, err := openBareDB(c.DB)
	if err != nil {
		return err
	}
	defer bareDB.Close()
	helloIn, err := serveLoopback("hello-in", helloHandler())
	if err != nil {
		return err
	}
	bareGet, err := serveLoopback("c-get", barePKHandler(bareDB, false))
	if err != nil {
		return err
	}
	bareGetP, err := serveLoopback("c-get-p", barePKHandler(bareDB, true))
	if err != nil {
		return err
	}
	lh, err := bareListHandler(bareDB)
	if err != nil {
		return err
	}
	bareList, err := serveLoopback("c-list", lh)
	if err != nil {
		return err
	}
	gc, err := newGroupCommit(ctx, filepath.Join(o.work, "c-create.db"))
	if err != nil {
		return err
	}
	defer gc.db.Close()
	bareCreate, err := serveLoopback("c-create", gc)
	if err != nil {
		return err
	}
	bareGroup, err := serveLoopback("c-group", bareGroupHandler(bareDB))
	if err != nil {
		return err
	}
	cookie, err := webLogin(ctx, prod.base, "admin", demoPassword)
	if err != nil {
		return err
	}
	auth := map[string]string{"Authorization": "Bearer " + f.token}
	web := map[string]string{"Cookie": cookie}
	idPath := func(prefix string) func(*rand.Rand) string {
		return func(r *rand.Rand) string { return fmt.Sprintf("%s%d", prefix, 1+r.Int64N(f.maxID)) }
	}
	listPath := listPaths(f.maxID)
	fixed := func(p string) func(*rand.Rand) string { return func(*rand.Rand) string { return p } }
	none := []*benchChild(nil)
	ph := func(name, label string, next reqFunc, children []*benchChild) *benchPhase {
		return &benchPhase{name: name, label: label, next: next, children: children}
	}
	pHello := ph("c-hello", "C-HELLO bare net/http JSON handler, own process", getReq(hello.base, fixed("/"), nil), []*benchChild{hello})
	pHelloIn := ph("c-hello-in", "C-HELLO-IN the same handler in the bench process", getReq(helloIn, fixed("/"), nil), none)
	pCGet := ph("c-get", "C-GET bare Go + same SQLite driver, PK read, SQL parsed per request", getReq(bareGet, idPath("/c/"), nil), none)
	pCGetP := ph("c-get-p", "C-GET-P the same, statement prepared once", getReq(bareGetP, idPath("/c/"), nil), none)
	pGet := ph("get", "GET /api/v1/customers/{id} (token, scoped, masked)", getReq(prod.base, idPath("/api/v1/customers/"), auth), []*benchChild{prod})
	pCList := ph("c-list", "C-LIST bare keyset page of 20, stage filter, prepared", getReq(bareList, listPath("bare"), nil), none)
	pList := ph("list", "GET /api/v1/customers?filter=stage&cursor (page of 20)", getReq(prod.base, listPath("api"), auth), []*benchChild{prod})
	pListWeb := ph("list-web", "web list page /customers?stage&cursor (session)", getReq(prod.base, listPath("web"), web), []*benchChild{prod})
	pCCreate := ph("c-create", "C-CREATE bare insert, group commit, synchronous=FULL", postReq(bareCreate, "/", nil), none)
	pCreate := ph("create", "POST /api/v1/customers (validation, tokens, audit)", postReq(prod.base, "/api/v1/customers", auth), []*benchChild{prod})
	pCGroupF := ph("c-group-followup", "C-GROUP raw GROUP BYs of the follow-up report", getReq(bareGroup, fixed("/g/followup"), nil), none)
	pFollowup := ph("followup", "GET /api/v1/reports/followup (last 8 weeks)", getReq(prod.base, fixed(productDashboards["followup"]), auth), []*benchChild{prod})
	pCGroupC := ph("c-group-complaints", "C-GROUP raw GROUP BYs of complaint analytics", getReq(bareGroup, fixed("/g/complaints"), nil), none)
	pComplaints := ph("complaints", "GET /api/v1/complaint-analytics (last 12 months)", getReq(prod.base, fixed(productDashboards["complaints"]), auth), []*benchChild{prod})
	// Reports run at most 4 at once in production (--max-heavy; the rest
	// get 503), so the dashboards and their ceilings get 2 clients.
	for _, p := range []*benchPhase{pCGroupF, pFollowup, pCGroupC, pComplaints} {
		p.workers = dashboardWorkers
	}
	phases := []*benchPhase{pHello, pHelloIn, pCGet, pCGetP, pGet, pCList, pList, pListWeb, pCCreate, pCreate,
		pCGroupF, pFollowup, pCGroupC, pComplaints}
	say("%d rounds of %d phases × %s (load average %s)", o.rounds, len(phases), o.dur, loadAvg())
	runPhases(ctx, o, phases, stdout)
	fmt.Fprintf(rep, "Throughput: %d closed-loop clients (%d for the dashboards and their ceilings), %d interleaved rounds × %s, median. Load average after: %s.\n\n",
		o.workers, dashboardWorkers, o.rounds, o.dur, loadAvg())
	phaseTable(rep, phases, map[string][]*benchPhase{
		"c-hello-in": {pHello}, "c-get": {pHello}, "c-get-p": {pHello},
		"get":  {pCGet, pCGetP, pHello},
		"list": {pCList}, "list-web": {pCList},
		"create":   {pCCreate},
		"followup": {pCGroupF}, "complaints": {pCGroupC},
	})

	lat, latErr := latencies(ctx, rep, prod.base, auth, web, f.names, o, listPath)
	// Open loop: constant arrival rate, latency from the scheduled send.
	getOL, err1 := openLoop(ctx, o.getRate, o.openDur, getReq(prod.base, idPath("/api/v1/customers/"), auth))
	listOL, err2 := openLoop(ctx, o.listRate, o.openDur, getReq(prod.base, listPath("api"), auth))
	fmt.Fprintf(rep, "Open loop (internal/loadgen: constant arrival rate for %s, latency from each request's scheduled send time, at most %d in flight):\n\n", o.openDur, openLoopInFlight)
	fmt.Fprintf(rep, "| open loop | target req/s | achieved req/s | sent | missed | errors | 2xx | 429/503 | p50 | p95 | p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	olLine(rep, "GET /api/v1/customers/{id}", o.getRate, getOL, err1)
	olLine(rep, "GET /api/v1/customers (stage filter, cursor)", o.listRate, listOL, err2)

	rss := prod.peakRSS()
	fmt.Fprintf(rep, "\nServer child after all the load above: peak RSS (VmHWM) **%s**; start-up %s.\n\n", mib(rss), prod.startup.Round(time.Millisecond))

	// Goals.
	cpuRatio := func(p, ref *benchPhase) string {
		if p.cpuPer() == 0 || ref.cpuPer() == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", ref.cpuPer()/p.cpuPer())
	}
	at := fmt.Sprintf(" (%d customers)", f.customers)
	ratioGoal := func(goal string, p, ref *benchPhase, want float64) {
		if !p.ok() || !ref.ok() {
			g.skip(goal, "not measured")
			return
		}
		r := p.rate() / ref.rate()
		met := r >= want && (p.cpuPer() == 0 || ref.cpuPer() == 0 || ref.cpuPer()/p.cpuPer() >= want)
		g.add(goal, fmt.Sprintf("%.2f × by rate (%.0f vs %.0f req/s), %s × by CPU%s", r, p.rate(), ref.rate(), cpuRatio(p, ref), at), met)
	}
	ratioGoal("create ≥ 0.5 × C-CREATE", pCreate, pCCreate, 0.5)
	ratioGoal("GET ≥ 0.8 × C-GET", pGet, pCGet, 0.8)
	ratioGoal("GET ≥ 0.8 × C-GET-P (prepared; stronger)", pGet, pCGetP, 0.8)
	ratioGoal("GET ≥ 0.4 × C-HELLO (own process)", pGet, pHello, 0.4)
	olGoal(g, "GET p99 ≤ 5 ms at 2,000 req/s open loop", getOL, err1, 5*time.Millisecond, o.getRate)
	ratioGoal("list (API) ≥ 0.6 × C-LIST", pList, pCList, 0.6)
	ratioGoal("list page (web) ≥ 0.6 × C-LIST", pListWeb, pCList, 0.6)
	olGoal(g, "list p99 ≤ 10 ms at 1,000 req/s open loop", listOL, err2, 10*time.Millisecond, o.listRate)
	for _, k := range []struct{ key, goal string }{{"s2", "2-character Chinese search p95 ≤ 30 ms"}, {"si", "initials search p95 ≤ 30 ms"}} {
		if d, ok := lat[k.key+"-p95"]; ok {
			g.add(k.goal, ms(d)+at, d <= 30*time.Millisecond)
		} else {
			g.skip(k.goal, "not measured")
		}
	}
	for _, d := range []struct {
		goal      string
		p, ref    *benchPhase
		dashboard string
	}{{"follow-up report ≤ 2 × C-GROUP", pFollowup, pCGroupF, "followup"}, {"complaint analytics ≤ 2 × C-GROUP", pComplaints, pCGroupC, "complaints"}} {
		if !d.p.ok() || !d.ref.ok() {
			g.skip("dashboards: "+d.goal, "not measured")
			continue
		}
		x := d.ref.rate() / d.p.rate() // time per request relative to the ceiling
		xc := d.p.cpuPer() / max(d.ref.cpuPer(), 1e-9)
		g.add("dashboards: "+d.goal, fmt.Sprintf("%.2f × C-GROUP's time by rate (%.1f vs %.1f req/s), %.2f × by CPU%s", x, d.p.rate(), d.ref.rate(),
			xc, at), x <= 2 && (d.p.cpuPer() == 0 || xc <= 2))
	}
	if prod.cmd != nil {
		g.add("server peak RSS ≤ 300 MB", fmt.Sprintf("%s (%.0f MB) after every load above%s", mib(rss), float64(rss)/1e6, at), rss > 0 && rss <= 300e6)
	} else {
		g.skip("server peak RSS ≤ 300 MB", "not measured (--in-process)")
	}
	if prod.cmd != nil {
		g.add("start-up ≤ 1 s", fmt.Sprintf("%s exec → first 200%s", prod.startup.Round(time.Millisecond), at), prod.startup <= time.Second)
	} else {
		g.skip("start-up ≤ 1 s", "not measured (--in-process)")
	}

	// Every measurement must have completed.
	var failed []string
	for _, p := range phases {
		if !p.ok() {
			failed = append(failed, p.name+": "+oneLine(p.err))
		}
	}
	for _, e := range []error{latErr, err1, err2} {
		if e != nil {
			failed = append(failed, oneLine(e))
		}
	}
	if getOL.Responses() == 0 || listOL.Responses() == 0 {
		failed = append(failed, "open loop: no responses")
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return nil
}

// benchFixture is what the measurements need from the database.
type benchFixture struct {
	token     string
	maxID     int64
	customers int
	names     []sampleName
}

// prepareFixture creates the admin's API token and samples the data.
func prepareFixture(ctx context.Context, s *sqlstore.Store) (benchFixture, error) {
	var f benchFixture
	a, err := buildApp(ctx, s, newLogger())
	if err != nil {
		return f, err
	}
	admin, err := s.UserByUsername(ctx, "admin")
	if err != nil {
		return f, err
	}
	if f.token, _, err = a.Auth.CreateToken(ctx, guanxi.SystemActor("bench"), admin.ID, "bench"); err != nil {
		return f, err
	}
	if err := s.DB().QueryRowContext(ctx, "SELECT MAX(id), COUNT(*) FROM customers").Scan(&f.maxID, &f.customers); err != nil {
		return f, err
	}
	if err := resumeBenchSeq(ctx, s.DB()); err != nil {
		return f, err
	}
	f.names, err = sampleNames(s.DB(), 400)
	return f, err
}

// ensureDemo loads the demo data with its day-to-day activity (complaints,
// tasks, surveys) into an empty database, or reuses a loaded one.
func ensureDemo(ctx context.Context, s *sqlstore.Store, c config, rep *strings.Builder, stdout io.Writer) error {
	var existing int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&existing); err != nil {
		return err
	}
	if existing > 0 {
		fmt.Fprintf(rep, "Existing database reused: %d customers.\n\n", existing)
		return nil
	}
	a, err := buildApp(ctx, s, newLogger())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench: loading %d demo customers\n", c.DemoCustomers)
	t0 := time.Now()
	if err := loadDemoWithActivity(ctx, s, a, c.DemoCustomers, c.Seed, io.Discard); err != nil {
		return err
	}
	fmt.Fprintf(rep, "%d demo customers (seed %d) with holdings, transactions, interactions, search tokens and the demo's activity: loaded in %s.\n\n",
		c.DemoCustomers, c.Seed, time.Since(t0).Round(time.Millisecond))
	return nil
}
