package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"
)

const benchUsage = `guanxi bench — every speed goal as a ratio to a ceiling, same machine, same run

Usage:
  guanxi bench [--customers N | --db FILE] [--rounds R] [--duration D] [--sections api,import,pg]
               [--pg DSN] [--pg-customers N] [--import-rows N] [--smoke] [--out FILE] [--cpuprofile FILE [--in-process]]
  guanxi bench import ...     the import section alone (guanxi bench import --help)

Sections (all by default; pg and the PostgreSQL import need --pg):
  api     SQLite: the real 'guanxi serve' as a child process on the demo
          database against bare Go ceilings (C-HELLO in its own process,
          C-GET, C-LIST, C-CREATE, C-GROUP), interleaved rounds, median;
          search and list latencies; open-loop GET and list; start-up time
          and peak RSS of the server.
  import  'guanxi bench import' on a generated file of --import-rows rows
          (C-LOAD, C-IMPORT, C-PG-COPY with --pg).
  pg      PostgreSQL: the demo data in a fresh schema (dropped after), GET
          against a bare Go+pgx PK read (C-PG-GET), list and search latencies.
--smoke runs every section briefly and fails if any measurement did not
complete (never on a time threshold).
`

// benchOpts are the flags of guanxi bench.
type benchOpts struct {
	c                     config
	rounds, workers       int
	dur, openDur          time.Duration
	getRate, listRate     float64
	pg                    string
	pgCustomers           int
	importRows            int
	samples               int
	smoke, inProcess      bool
	sections              map[string]bool
	out, cpuProfile, work string
}

// cmdBench runs the sections and prints and writes one report ending in
// the goals table. `guanxi bench import` is the import section alone.
func cmdBench(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "import":
			return cmdBenchImport(ctx, args[1:], getenv, stdout)
		case "hello-server":
			return cmdBenchHelloServer(ctx, stdout)
		}
	}
	var o benchOpts
	fs := baseFlags("bench", getenv, &o.c)
	fs.IntVar(&o.c.DemoCustomers, "customers", 100000, "demo customers to load")
	fs.Uint64Var(&o.c.Seed, "seed", 1, "demo seed")
	fs.IntVar(&o.rounds, "rounds", 3, "interleaved rounds per measurement (median)")
	fs.DurationVar(&o.dur, "duration", 3*time.Second, "duration of one throughput round")
	fs.DurationVar(&o.openDur, "open-duration", 5*time.Second, "duration of each open-loop run")
	fs.Float64Var(&o.getRate, "get-rate", 2000, "open-loop GET arrival rate (req/s)")
	fs.Float64Var(&o.listRate, "list-rate", 1000, "open-loop list arrival rate (req/s)")
	fs.IntVar(&o.workers, "workers", 8, "concurrent closed-loop clients")
	fs.StringVar(&o.pg, "pg", "", "postgres:// DSN for the pg section and the PostgreSQL import (fresh schemas, dropped after)")
	fs.IntVar(&o.pgCustomers, "pg-customers", 0, "demo customers for the pg section (default --customers)")
	fs.IntVar(&o.importRows, "import-rows", 0, "rows of the import section's file (default --customers)")
	fs.IntVar(&o.samples, "samples", 200, "sequential requests per latency line")
	sections := fs.String("sections", "api,import,pg", "sections to run")
	fs.BoolVar(&o.smoke, "smoke", false, "quick run of every section; fails if a measurement did not complete")
	fs.StringVar(&o.out, "out", "", "also write the markdown report to this file")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurements to this file")
	fs.BoolVar(&o.inProcess, "in-process", false, "serve the product's handler in the bench process (for --cpuprofile; no start-up time or server RSS)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, benchUsage)
			return nil
		}
		return fmt.Errorf("bench: %w", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.smoke {
		// Short rounds, but still three of them and every measurement.
		for name, v := range map[string]string{"duration": "300ms", "open-duration": "1s", "samples": "30", "import-rows": "2000"} {
			if !set[name] {
				fs.Set(name, v)
			}
		}
		if !set["pg-customers"] {
			o.pgCustomers = min(o.c.DemoCustomers, 5000)
		}
	}
	if o.pgCustomers == 0 {
		o.pgCustomers = o.c.DemoCustomers
	}
	if o.importRows == 0 {
		o.importRows = o.c.DemoCustomers
	}
	if o.rounds < 1 {
		return errors.New("bench: --rounds must be at least 1")
	}
	o.sections = map[string]bool{}
	for _, s := range strings.Split(*sections, ",") {
		switch s = strings.TrimSpace(s); s {
		case "api", "import", "pg":
			o.sections[s] = true
		case "":
		default:
			return fmt.Errorf("bench: unknown section %q (api, import, pg)", s)
		}
	}
	dir, err := os.MkdirTemp("", "gx-perf-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	o.work = dir

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	var rep strings.Builder
	g := &goals{}
	var failed []string
	fail := func(section string, err error) {
		failed = append(failed, section+": "+oneLine(err))
		fmt.Fprintf(&rep, "\n**%s section failed:** %s\n\n", section, oneLine(err))
		fmt.Fprintf(stdout, "bench: %s: %v\n", section, err)
	}
	t0 := time.Now()
	fmt.Fprintf(&rep, "# guanxi bench, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&rep, "Command: `%s`. Load average at the start: %s.\n\n", benchCommand(args), loadAvg())
	if o.sections["api"] {
		if err := benchAPI(ctx, &o, &rep, g, stdout); err != nil {
			fail("api", err)
		}
	}
	if o.sections["pg"] {
		if o.pg == "" {
			g.skip("PostgreSQL GET ≥ 0.8 × C-PG-GET", "no --pg")
		} else if err := benchPG(ctx, &o, &rep, g, stdout); err != nil {
			fail("pg", err)
		}
	}
	if o.sections["import"] {
		if err := benchImportSection(ctx, &o, &rep, g, getenv, stdout); err != nil {
			fail("import", err)
		}
	}
	if !o.sections["import"] || o.pg == "" {
		g.skip("PostgreSQL import ≥ 0.5 × C-PG-COPY", "no --pg or no import section")
	}
	fmt.Fprintf(&rep, "\n## Goals\n\n")
	g.write(&rep)
	fmt.Fprintf(&rep, "\nLoad average at the end: %s; the whole bench took %s.\n", loadAvg(), time.Since(t0).Round(time.Second))
	fmt.Fprint(stdout, "\n"+rep.String())
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(rep.String()), 0o644); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench: %s", strings.Join(failed, "; "))
	}
	return nil
}

// benchImportSection runs `guanxi bench import` (bench_import.go) on a
// file of --import-rows rows with this run's rounds and --pg, appends its
// report and takes the import goals from its phases.
func benchImportSection(ctx context.Context, o *benchOpts, rep *strings.Builder, g *goals, getenv func(string) string, stdout io.Writer) error {
	out := filepath.Join(o.work, "import.md")
	rounds := o.rounds
	if o.smoke {
		rounds = 1 // each of its eleven measurements once: fresh databases and schemas are slow to set up
	}
	args := []string{"--rows", fmt.Sprint(o.importRows), "--rounds", fmt.Sprint(rounds), "--seed", fmt.Sprint(o.c.Seed),
		"--dir", o.work, "--out", out}
	if o.pg != "" {
		args = append(args, "--pg", o.pg)
	}
	var phases map[string]*importPhase
	benchImportDone = func(p map[string]*importPhase) { phases = p }
	defer func() { benchImportDone = nil }()
	err := cmdBenchImport(ctx, args, getenv, stdout)
	if md, e := os.ReadFile(out); e == nil {
		rep.WriteString("\n" + strings.Replace(string(md), "## Import,", "## Import (section import),", 1))
	}
	imp, load, cimp := phases["import"], phases["c-load"], phases["c-import"]
	if imp != nil && load != nil && imp.ok() && load.ok() {
		r, c := imp.rate()/load.rate(), load.cpuPerRow()/max(imp.cpuPerRow(), 1e-9)
		m := fmt.Sprintf("%s × C-LOAD by rate (%.0f vs %.0f rows/s), %s × by CPU per row (%.1f vs %.1f µs), %d rows",
			ratio(r), imp.rate(), load.rate(), ratio(c), imp.cpuPerRow(), load.cpuPerRow(), o.importRows)
		if cimp != nil && cimp.ok() {
			m += fmt.Sprintf("; %s × C-IMPORT", ratio(imp.rate()/cimp.rate()))
		}
		g.add("import ≥ 0.5 × C-LOAD (× C-IMPORT reported)", m, r >= 0.5 && c >= 0.5)
	} else {
		g.skip("import ≥ 0.5 × C-LOAD (× C-IMPORT reported)", "not measured")
	}
	if o.pg != "" {
		ip, cp := phases["import-pg"], phases["c-pg-copy"]
		if ip != nil && cp != nil && ip.ok() && cp.ok() {
			r := ip.rate() / cp.rate()
			g.add("PostgreSQL import ≥ 0.5 × C-PG-COPY", fmt.Sprintf("%s × by rate (%.0f vs %.0f rows/s), %s × by CPU per row incl. server, %d rows",
				ratio(r), ip.rate(), cp.rate(), ratio(cp.cpuPerRow()/max(ip.cpuPerRow(), 1e-9)), o.importRows), r >= 0.5 && cp.cpuPerRow()/max(ip.cpuPerRow(), 1e-9) >= 0.5)
		} else {
			g.skip("PostgreSQL import ≥ 0.5 × C-PG-COPY", "not measured (psql missing or a phase failed)")
		}
	}
	return err
}

// benchCommand is the command line as run, minus the DSN's credentials.
func benchCommand(args []string) string {
	parts := []string{"guanxi", "bench"}
	for _, a := range args {
		if u, err := url.Parse(a); err == nil && u.Scheme == "postgres" {
			a = "DSN"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
