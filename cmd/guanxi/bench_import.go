package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/guanxi-crm/guanxi/internal/bulk"
)

const benchImportUsage = `guanxi bench import — the import against its ceilings, same file, same run

Usage:
  guanxi bench import [--rows N | --quick] [--rounds R] [--pg DSN] [--out FILE] [--cpuprofile FILE]
                      [--csv FILE] [--xlsx-rows N] [--dir DIR] [--seed S] [--sqlite3 BIN] [--psql BIN]

Generates an N-row customer CSV (default 1,000,000; --quick 100,000) from the
demo generator with the Chinese headers of a real archive, then measures, in
interleaved rounds (median):
  C-LOAD    a bare Go loop inserting the CSV's rows into an index-free table
            (same driver and pragmas as production, batched transactions,
            prepared multi-row INSERT): the ceiling;
  C-IMPORT  the sqlite3 CLI's .import --csv of the same file ("skipped" when
            sqlite3 is not installed);
  C-SCHEMA  the floor: a bare Go loop writing the same rows into the
            production schema (customers with every index, tags, holdings),
            no validation and no search tokens; C-SCHEMA+TOKENS adds the
            search tokens. No import is faster than the floor of the index
            set it maintains;
  import    the real import into a fresh migrated database (upload, mapping
            by headers, validation, normalisation, duplicates by mobile, all
            production indexes and the search index).
With --pg DSN the same on PostgreSQL: C-PG-COPY (psql \copy into an
index-free table in a fresh schema) against the import into a fresh migrated
schema. --xlsx-rows N also imports an .xlsx of N rows once per round.
Reports rows/s, wall and CPU seconds, peak RSS and the ratios; --out appends
the markdown report to FILE.
`

// importPhase is one measured line of the report.
type importPhase struct {
	// name is the pprof label, ref how ratios name it, label the report's.
	name, ref, label string
	runs             []measure
	err              error // the last failure; errSkipped when it cannot run here
	note             string
}

func (p *importPhase) ok() bool { return p.err == nil && len(p.runs) > 0 }

func (p *importPhase) med(f func(measure) float64) float64 {
	xs := make([]float64, len(p.runs))
	for i, m := range p.runs {
		xs[i] = f(m)
	}
	return median(xs)
}

func (p *importPhase) rate() float64 { return p.med(measure.rate) }

// cpuPerRow is the median CPU time per row in µs: the client side, plus
// the PostgreSQL server's when known.
func (p *importPhase) cpuPerRow() float64 {
	return p.med(func(m measure) float64 {
		c := m.cpu
		if m.server > 0 {
			c += m.server
		}
		return float64(c.Microseconds()) / float64(max(m.rows, 1))
	})
}

// ratio formats a ratio with enough digits to tell small ones apart.
func ratio(x float64) string {
	if x < 0.1 {
		return fmt.Sprintf("%.3f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

// benchImportDone, when set, receives the measured phases (guanxi bench's
// import section reads its goals from them).
var benchImportDone func(map[string]*importPhase)

// cmdBenchImport measures the import against C-LOAD, C-IMPORT and (with
// --pg) C-PG-COPY on one generated file, interleaved, median of rounds.
func cmdBenchImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bench import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	rows := fs.Int("rows", 1_000_000, "customer rows in the generated CSV")
	quick := fs.Bool("quick", false, "quick run: 100,000 rows")
	seed := fs.Uint64("seed", 1, "demo seed")
	rounds := fs.Int("rounds", 3, "interleaved rounds (median)")
	pg := fs.String("pg", "", "also measure PostgreSQL at this postgres:// DSN (fresh schemas, dropped after)")
	out := fs.String("out", "", "append the markdown report to this file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measurements (pprof label phase=<name>)")
	csvPath := fs.String("csv", "", "use this generated CSV instead of generating one (must match --rows)")
	xlsxRows := fs.Int("xlsx-rows", 0, "also import an .xlsx of this many rows once per round (0: off)")
	dir := fs.String("dir", "", "folder for the files and databases (default: a new temporary folder, removed after)")
	sqlite3 := fs.String("sqlite3", "sqlite3", "sqlite3 CLI for C-IMPORT")
	psql := fs.String("psql", "psql", "psql for C-PG-COPY")
	syncNormal := fs.Bool("sqlite-sync-normal", false, "SQLite synchronous=NORMAL for every SQLite measurement (diagnostic; production defaults to FULL)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, benchImportUsage)
			return nil
		}
		return fmt.Errorf("bench import: %w", err)
	}
	if *quick {
		*rows = 100_000
	}
	sync := "FULL"
	if *syncNormal {
		sync = "NORMAL"
	}
	if *rounds < 1 || *rows < 1 {
		return errors.New("bench import: --rows and --rounds must be positive")
	}
	var pgb *pgBench
	if *pg != "" {
		var err error
		if pgb, err = newPGBench(*pg, *psql); err != nil {
			return err
		}
		if err := pgPing(ctx, pgb.dsn); err != nil {
			return err
		}
	}
	work := *dir
	if work == "" {
		d, err := os.MkdirTemp("", "guanxi-bench-import-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}

	var rep strings.Builder
	say := func(format string, a ...any) { fmt.Fprintf(stdout, format, a...) }
	file := *csvPath
	if file == "" {
		file = filepath.Join(work, fmt.Sprintf("customers-%d.csv", *rows))
		t0 := time.Now()
		if err := writeImportCSV(file, *rows, *seed); err != nil {
			return fmt.Errorf("generate CSV: %w", err)
		}
		say("bench import: generated %s in %s\n", file, time.Since(t0).Round(time.Millisecond))
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	xlsxFile := ""
	if *xlsxRows > 0 {
		xlsxFile = filepath.Join(work, fmt.Sprintf("customers-%d.xlsx", *xlsxRows))
		t0 := time.Now()
		if err := writeImportXLSX(xlsxFile, *xlsxRows, *seed); err != nil {
			return fmt.Errorf("generate xlsx: %w", err)
		}
		say("bench import: generated %s in %s\n", xlsxFile, time.Since(t0).Round(time.Millisecond))
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

	cload := &importPhase{name: "c-load", ref: "C-LOAD", label: "C-LOAD bare Go loop → index-free table, same driver and pragmas"}
	cimport := &importPhase{name: "c-import", ref: "C-IMPORT", label: "C-IMPORT sqlite3 CLI `.import --csv`"}
	product := &importPhase{name: "import", ref: "import (CSV)", label: "**import** (real path, all indexes and search index)"}
	cschema := &importPhase{name: "c-schema", ref: "C-SCHEMA", label: "C-SCHEMA bare Go loop → production schema, all indexes, no search tokens (floor)"}
	cschemaTok := &importPhase{name: "c-schema-tok", ref: "C-SCHEMA+TOKENS", label: "C-SCHEMA+TOKENS the same plus the search tokens (floor)"}
	convert := &importPhase{name: "convert", label: "read + map + convert only, no database (diagnostic)"}
	productX := &importPhase{name: "import-xlsx", label: fmt.Sprintf("import of an .xlsx (%d rows)", *xlsxRows)}
	cpgcopy := &importPhase{name: "c-pg-copy", ref: "C-PG-COPY", label: "C-PG-COPY `psql \\copy` → index-free table"}
	productPG := &importPhase{name: "import-pg", label: "**import** on PostgreSQL (COPY path)"}
	pgSchema := &importPhase{name: "c-pg-schema", ref: "C-PG-SCHEMA", label: "C-PG-SCHEMA COPY → production schema, all indexes, no search tokens (floor)"}
	pgSchemaTok := &importPhase{name: "c-pg-schema-tok", ref: "C-PG-SCHEMA+TOKENS", label: "C-PG-SCHEMA+TOKENS the same plus the search tokens (floor)"}
	seq := 0
	dbPath := func(tag string) string {
		seq++
		return filepath.Join(work, fmt.Sprintf("%s-%d.db", tag, seq))
	}
	// run measures one phase under a pprof label and records it; a failed
	// or skipped run is recorded as the phase's error and the bench goes on.
	run := func(p *importPhase, fn func(ctx context.Context) (measure, error)) {
		var m measure
		var err error
		pprof.Do(ctx, pprof.Labels("phase", p.name), func(ctx context.Context) { m, err = fn(ctx) })
		if err != nil {
			p.err = err
			if errors.Is(err, errSkipped) {
				say("bench import: %s: %v\n", p.name, err)
				return
			}
			say("bench import: %s: %v (after %.2f s, CPU %.2f s, peak %s)\n", p.name, err, m.wall.Seconds(), m.cpu.Seconds(), mib(m.peak))
			return
		}
		p.runs = append(p.runs, m)
		say("bench import: %-11s %9.0f rows/s  %7.2f s  CPU %6.2f s  peak %s%s\n", p.name, m.rate(), m.wall.Seconds(),
			m.cpu.Seconds(), mib(m.peak), serverCPU(m))
	}
	sqliteProduct := func(path string, full bool) func(ctx context.Context) (measure, error) {
		return func(ctx context.Context) (measure, error) {
			db := dbPath("import")
			defer removeSQLite(db)
			p, err := openProductDB(ctx, db, *syncNormal)
			if err != nil {
				return measure{}, err
			}
			defer p.Close()
			var im bulk.Import
			m, err := inProcess(func() (int64, error) {
				var err error
				im, err = p.productImport(ctx, path)
				return im.Created, err
			})
			if err == nil && full && im.Created+im.Skipped+im.Bad != int64(*rows) {
				err = fmt.Errorf("import #%d: %d created, %d skipped, %d bad of %d rows", im.ID, im.Created, im.Skipped, im.Bad, *rows)
			}
			if err == nil && full {
				var size int64
				for _, suffix := range []string{"", "-wal"} {
					if fi, e := os.Stat(db + suffix); e == nil {
						size += fi.Size()
					}
				}
				product.note = fmt.Sprintf("last round: %d created, %d skipped, %d bad; database and WAL %s after the import",
					im.Created, im.Skipped, im.Bad, mib(size))
			}
			return m, err
		}
	}
	for r := 0; r < *rounds; r++ {
		say("bench import: round %d/%d\n", r+1, *rounds)
		run(cload, func(ctx context.Context) (measure, error) {
			db := dbPath("cload")
			defer removeSQLite(db)
			return inProcess(func() (int64, error) { return cLoad(ctx, db, file, sync) })
		})
		if !errors.Is(cimport.err, errSkipped) {
			run(cimport, func(ctx context.Context) (measure, error) {
				db := dbPath("cimport")
				defer removeSQLite(db)
				return cImport(ctx, *sqlite3, db, file, sync)
			})
		}
		for _, ph := range []*importPhase{cschema, cschemaTok} {
			run(ph, func(ctx context.Context) (measure, error) {
				db := dbPath(ph.name)
				defer removeSQLite(db)
				p, err := openProductDB(ctx, db, *syncNormal)
				if err != nil {
					return measure{}, err
				}
				p.Close()
				return inProcess(func() (int64, error) { return cSchema(ctx, db, file, sync, ph == cschemaTok) })
			})
		}
		run(convert, func(ctx context.Context) (measure, error) {
			return inProcess(func() (int64, error) { return convertOnly(file) })
		})
		run(product, sqliteProduct(file, true))
		if xlsxFile != "" {
			run(productX, sqliteProduct(xlsxFile, false))
		}
		if pgb != nil {
			if !errors.Is(cpgcopy.err, errSkipped) {
				run(cpgcopy, func(ctx context.Context) (measure, error) { return pgb.cPGCopy(ctx, file) })
			}
			for _, ph := range []*importPhase{pgSchema, pgSchemaTok} {
				run(ph, func(ctx context.Context) (measure, error) { return pgb.cSchemaPG(ctx, file, ph == pgSchemaTok) })
			}
			run(productPG, func(ctx context.Context) (measure, error) { return pgb.productImport(ctx, file, int64(*rows)) })
		}
	}

	fmt.Fprintf(&rep, "## Import, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&rep, "%d customer rows (demo seed %d) in a %s UTF-8 CSV of %d columns with Chinese headers; %d interleaved rounds, median; SQLite synchronous=%s.\n\n",
		*rows, *seed, mib(st.Size()), len(importHeader), *rounds, sync)
	fmt.Fprintf(&rep, "| measurement | rows/s (median) | rounds (rows/s) | wall s | CPU s | CPU µs/row | peak RSS | ratio |\n|---|---:|---|---:|---:|---:|---:|---|\n")
	line := func(p *importPhase, ratios func() string) {
		switch {
		case errors.Is(p.err, errSkipped):
			fmt.Fprintf(&rep, "| %s | %s | | | | | | |\n", p.label, p.err)
			return
		case len(p.runs) == 0:
			fmt.Fprintf(&rep, "| %s | failed: %s | | | | | | |\n", p.label, oneLine(p.err))
			return
		}
		rs := make([]float64, len(p.runs))
		for i, m := range p.runs {
			rs[i] = m.rate()
		}
		cpu := p.med(func(m measure) float64 { return m.cpu.Seconds() })
		cell := fmt.Sprintf("%.2f", cpu)
		if srv := p.med(func(m measure) float64 { return m.server.Seconds() }); srv >= 0 {
			cell += fmt.Sprintf(" + server %.2f", srv)
		}
		r := ""
		if ratios != nil {
			r = ratios()
		}
		if p.err != nil {
			r += " (a round failed: " + oneLine(p.err) + ")"
		}
		fmt.Fprintf(&rep, "| %s | %.0f | %s | %.2f | %s | %.1f | %s | %s |\n", p.label, p.rate(), fmtList(rs),
			p.med(func(m measure) float64 { return m.wall.Seconds() }), cell, p.cpuPerRow(),
			peakCell(p), r)
	}
	ratioTo := func(p *importPhase, refs ...*importPhase) func() string {
		return func() string {
			var parts []string
			for i, ref := range refs {
				if len(ref.runs) == 0 {
					continue
				}
				s := ratio(p.rate()/ref.rate()) + " × " + ref.ref
				if i == 0 {
					s = "**" + s + "**"
				}
				parts = append(parts, s)
			}
			if len(refs) > 0 && len(refs[0].runs) > 0 {
				parts = append(parts, "CPU/row "+ratio(refs[0].cpuPerRow()/max(p.cpuPerRow(), 1e-9))+" × "+refs[0].ref)
			}
			return strings.Join(parts, ", ")
		}
	}
	line(cload, nil)
	line(cimport, ratioTo(cimport, cload))
	line(cschema, ratioTo(cschema, cload))
	line(cschemaTok, ratioTo(cschemaTok, cload))
	line(product, ratioTo(product, cload, cimport, cschemaTok))
	line(convert, ratioTo(convert, cload))
	if xlsxFile != "" {
		line(productX, ratioTo(productX, product))
	}
	if pgb != nil {
		line(cpgcopy, nil)
		line(pgSchema, ratioTo(pgSchema, cpgcopy))
		line(pgSchemaTok, ratioTo(pgSchemaTok, cpgcopy))
		line(productPG, ratioTo(productPG, cpgcopy, pgSchemaTok))
	}
	fmt.Fprintf(&rep, "\nCPU s: user + system time of the client side (this process for C-LOAD and the import, the child for sqlite3 and psql)")
	if pgb != nil {
		fmt.Fprintf(&rep, "; \"+ server\" is the PostgreSQL server's CPU during the phase (postmaster and its children, from /proc) and counts in CPU µs/row: the whole server's, so other clients' work on a shared server inflates it")
	}
	fmt.Fprintf(&rep, ". Peak RSS: the resident-memory high-water mark (VmHWM) of this process, reset before the phase after returning the Go heap to the OS, so it includes the process's RSS at the start of the phase (Go runtime, binary), shown in brackets; for sqlite3 and psql the child's own VmHWM, sampled every 10 ms. Each round starts from a fresh database.\n")
	if product.note != "" {
		fmt.Fprintf(&rep, "\nImport: %s.\n", product.note)
	}
	fmt.Fprintf(&rep, "\nCommand: `go run ./cmd/guanxi bench import --rows %d --rounds %d", *rows, *rounds)
	if pgb != nil {
		fmt.Fprintf(&rep, " --pg DSN")
	}
	if *xlsxRows > 0 {
		fmt.Fprintf(&rep, " --xlsx-rows %d", *xlsxRows)
	}
	if *syncNormal {
		fmt.Fprintf(&rep, " --sqlite-sync-normal")
	}
	fmt.Fprintf(&rep, "`\n\n")
	fmt.Fprint(stdout, rep.String())
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(rep.String()); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if benchImportDone != nil {
		benchImportDone(map[string]*importPhase{"c-load": cload, "c-import": cimport, "import": product,
			"c-pg-copy": cpgcopy, "import-pg": productPG})
	}
	// Every measurement must have completed; a skipped CLI is not a failure.
	var failed []string
	for _, p := range []*importPhase{cload, cimport, cschema, cschemaTok, product, convert, productX, cpgcopy, pgSchema, pgSchemaTok, productPG} {
		if p.err != nil && !errors.Is(p.err, errSkipped) {
			failed = append(failed, p.name+": "+oneLine(p.err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench import: %s", strings.Join(failed, "; "))
	}
	return nil
}

// productImport is the import into a fresh migrated PostgreSQL schema.
func (p *pgBench) productImport(ctx context.Context, file string, rows int64) (measure, error) {
	schema, dsn, err := p.schema(ctx, "import")
	if err != nil {
		return measure{}, err
	}
	defer p.drop(ctx, schema)
	db, err := openProductDB(ctx, dsn, false)
	if err != nil {
		return measure{}, err
	}
	defer db.Close()
	probe, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return measure{}, err
	}
	defer probe.Close(ctx)
	cpu0 := pgServerCPU(ctx, probe)
	var im bulk.Import
	m, err := inProcess(func() (int64, error) {
		var err error
		im, err = db.productImport(ctx, file)
		return im.Created, err
	})
	if cpu1 := pgServerCPU(ctx, probe); cpu0 >= 0 && cpu1 >= 0 {
		m.server = cpu1 - cpu0
	}
	if err == nil && im.Created+im.Skipped+im.Bad != rows {
		err = fmt.Errorf("import #%d: %d created, %d skipped, %d bad of %d rows", im.ID, im.Created, im.Skipped, im.Bad, rows)
	}
	return m, err
}

// peakCell is the median peak RSS, with the process's RSS at the start of
// the phase for in-process phases.
func peakCell(p *importPhase) string {
	s := mib(int64(p.med(func(m measure) float64 { return float64(m.peak) })))
	if base := int64(p.med(func(m measure) float64 { return float64(m.base) })); base > 0 {
		s += " (at start " + mib(base) + ")"
	}
	return s
}

func removeSQLite(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

func mib(b int64) string {
	if b <= 0 {
		return "–"
	}
	if b < 10<<20 {
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func serverCPU(m measure) string {
	if m.server < 0 {
		return ""
	}
	return fmt.Sprintf("  server CPU %.2f s", m.server.Seconds())
}

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
