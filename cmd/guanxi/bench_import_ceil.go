package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// measure is one run of one import phase.
type measure struct {
	rows int64
	wall time.Duration
	// cpu is the CPU time (user + system) of whoever did the client side:
	// this process for in-process phases, the child for sqlite3 and psql.
	cpu time.Duration
	// peak is the resident-memory high-water mark in bytes: VmHWM of this
	// process (reset before the phase) or of the child; 0 unknown. base is
	// this process's RSS when the phase began (0 for children).
	peak, base int64
	// server is the PostgreSQL server's CPU time during the phase (-1 when
	// the server is not on this machine or not visible).
	server time.Duration
}

func (m measure) rate() float64 {
	if m.wall <= 0 {
		return 0
	}
	return float64(m.rows) / m.wall.Seconds()
}

// errSkipped marks a measurement that cannot run here (a missing CLI); it
// is reported, not failed.
var errSkipped = errors.New("skipped")

// rawColumns is the index-free ceilings' table: the file's columns as
// TEXT, in file order (sqlite3's .import and COPY fill columns by position).
func rawColumns() []string {
	cols := make([]string, len(importHeader))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%02d", i+1)
	}
	return cols
}

func rawTableDDL() string {
	return "CREATE TABLE raw (" + strings.Join(rawColumns(), " TEXT, ") + " TEXT)"
}

// inProcess measures fn in this process: wall time, CPU time from
// /proc/self/stat, and the RSS high-water mark from VmHWM after resetting it
// (Linux clear_refs 5). The Go heap is returned to the OS first, so the mark
// is this phase's, on top of the process's baseline (runtime, binary).
func inProcess(fn func() (int64, error)) (measure, error) {
	runtime.GC()
	debug.FreeOSMemory()
	resetHWM()
	base := readHWM() // just reset: the current RSS
	c0, _ := processCPU()
	t0 := time.Now()
	n, err := fn()
	m := measure{rows: n, wall: time.Since(t0), server: -1}
	c1, _ := processCPU()
	m.cpu = c1 - c0
	m.peak, m.base = readHWM(), base
	return m, err
}

// resetHWM resets this process's VmHWM to its current RSS (Linux ≥ 4.0).
func resetHWM() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// readHWM is this process's VmHWM in bytes, 0 when unknown.
func readHWM() int64 { return statusHWM("/proc/self/status") }

// statusHWM reads VmHWM in bytes from a /proc status file, 0 when unknown.
func statusHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// inChild runs cmd and measures it: wall time, the child's user + system
// CPU from its rusage, and its peak RSS as the last VmHWM read from
// /proc/PID/status while it ran (sampled every 10 ms). The rusage maxrss
// is no use here: a child forked from this process starts with this
// process's high-water mark.
func inChild(cmd *exec.Cmd) (measure, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return measure{}, err
	}
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var hwm int64
		status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := statusHWM(status); v > 0 {
				hwm = v
			}
			select {
			case <-done:
				peak <- hwm
				return
			case <-t.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	m := measure{wall: time.Since(t0), server: -1, peak: <-peak}
	if ps := cmd.ProcessState; ps != nil {
		m.cpu = ps.UserTime() + ps.SystemTime()
	}
	if err == nil && bytes.Contains(bytes.ToLower(stderr.Bytes()), []byte("error")) {
		err = errors.New("reported an error")
	}
	if err != nil {
		return m, fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, strings.TrimSpace(stderr.String()))
	}
	return m, nil
}

// sqliteProductionDSN opens a SQLite file with the production writer's
// pragmas (internal/sqlstore/store.go openSQLite): WAL, synchronous=FULL
// (or NORMAL, as --sqlite-sync-normal makes production), foreign keys,
// IMMEDIATE transactions.
func sqliteProductionDSN(path, sync string) string {
	p := url.Values{}
	for _, v := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "foreign_keys(1)", "synchronous(" + sync + ")"} {
		p.Add("_pragma", v)
	}
	p.Set("_txlock", "immediate")
	return "file:" + path + "?" + p.Encode()
}

const (
	cLoadBatch   = 5000 // rows per transaction
	cLoadPerStmt = 500  // rows per multi-row INSERT (25 columns: 12,500 parameters)
)

// cLoad is the C-LOAD ceiling: a bare Go loop reading the CSV with
// encoding/csv and inserting every row into an index-free table in a fresh
// SQLite file, with the production driver and pragmas, in transactions of
// cLoadBatch rows through a prepared multi-row INSERT. A reader goroutine
// parses the next batch while the current one is written, as the importer
// may. It returns the rows inserted.
func cLoad(ctx context.Context, dbPath, csvPath, sync string) (int64, error) {
	db, err := sql.Open("sqlite", sqliteProductionDSN(dbPath, sync))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, rawTableDDL()); err != nil {
		return 0, err
	}
	cols := len(importHeader)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	insert := func(n int) string {
		return "INSERT INTO raw VALUES " + strings.TrimSuffix(strings.Repeat(tuple+",", n), ",")
	}
	full, err := db.PrepareContext(ctx, insert(cLoadPerStmt))
	if err != nil {
		return 0, err
	}
	defer full.Close()

	f, err := os.Open(csvPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	batches := make(chan [][]any, 2)
	readErr := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		r := csv.NewReader(f)
		r.ReuseRecord = true
		r.FieldsPerRecord = cols
		if _, err := r.Read(); err != nil { // header
			readErr <- err
			return
		}
		batch := make([][]any, 0, cLoadBatch)
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				readErr <- err
				return
			}
			row := make([]any, cols)
			for i, v := range rec {
				row[i] = v
			}
			batch = append(batch, row)
			if len(batch) == cLoadBatch {
				select {
				case batches <- batch:
				case <-ctx.Done():
					readErr <- ctx.Err()
					return
				}
				batch = make([][]any, 0, cLoadBatch)
			}
		}
		if len(batch) > 0 {
			batches <- batch
		}
		readErr <- nil
	}()
	var n int64
	args := make([]any, 0, cLoadPerStmt*cols)
	for batch := range batches {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return n, err
		}
		st := tx.StmtContext(ctx, full)
		size := len(batch)
		for len(batch) > 0 {
			k := min(cLoadPerStmt, len(batch))
			args = args[:0]
			for _, row := range batch[:k] {
				args = append(args, row...)
			}
			if k == cLoadPerStmt {
				_, err = st.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, insert(k), args...)
			}
			if err != nil {
				tx.Rollback()
				return n, err
			}
			batch = batch[k:]
		}
		if err := tx.Commit(); err != nil {
			return n, err
		}
		n += int64(size)
	}
	if err := <-readErr; err != nil {
		return n, err
	}
	return countRaw(ctx, db)
}

func countRaw(ctx context.Context, db *sql.DB) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM raw").Scan(&n)
	return n, err
}

// cImport is the C-IMPORT ceiling: the sqlite3 CLI's `.import --csv --skip
// 1` of the same file into the same index-free table, WAL and
// synchronous=FULL like production (the CLI wraps the whole import in one
// transaction). errSkipped when the CLI is not installed.
func cImport(ctx context.Context, sqlite3, dbPath, csvPath, sync string) (measure, error) {
	bin, err := exec.LookPath(sqlite3)
	if err != nil {
		return measure{}, fmt.Errorf("%w: sqlite3 not installed", errSkipped)
	}
	script := fmt.Sprintf("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=%s;\n%s;\n.import --csv --skip 1 %s raw\n",
		sync, rawTableDDL(), sqliteShellQuote(csvPath))
	cmd := exec.CommandContext(ctx, bin, "-bail", dbPath)
	cmd.Stdin = strings.NewReader(script)
	cmd.Stdout = io.Discard
	m, err := inChild(cmd)
	if err != nil {
		return m, err
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=query_only(1)")
	if err != nil {
		return m, err
	}
	defer db.Close()
	m.rows, err = countRaw(ctx, db)
	return m, err
}

// sqliteShellQuote quotes a file name for a sqlite3 dot-command.
func sqliteShellQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// pgBench is the PostgreSQL side: the server named by --pg, a fresh schema
// per measurement, dropped afterwards.
type pgBench struct {
	dsn  string // as given, minus any search_path (psql rejects it)
	psql string
}

func newPGBench(dsn, psql string) (*pgBench, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("--pg: %w", err)
	}
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return &pgBench{dsn: u.String(), psql: psql}, nil
}

// schema creates a fresh schema and returns its name and a DSN whose
// connections use it (pgx sends search_path as a run-time parameter).
func (p *pgBench) schema(ctx context.Context, tag string) (string, string, error) {
	conn, err := pgx.Connect(ctx, p.dsn)
	if err != nil {
		return "", "", err
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("bench_%s_%d", tag, time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		return "", "", err
	}
	u, _ := url.Parse(p.dsn)
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return name, u.String(), nil
}

func (p *pgBench) drop(ctx context.Context, schema string) {
	conn, err := pgx.Connect(ctx, p.dsn)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
}

// cPGCopy is the C-PG-COPY ceiling: `psql \copy` of the same file into an
// index-free table in a fresh schema. errSkipped when psql is missing.
func (p *pgBench) cPGCopy(ctx context.Context, csvPath string) (measure, error) {
	bin, err := exec.LookPath(p.psql)
	if err != nil {
		return measure{}, fmt.Errorf("%w: psql not installed", errSkipped)
	}
	schema, dsn, err := p.schema(ctx, "copy")
	if err != nil {
		return measure{}, err
	}
	defer p.drop(ctx, schema)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return measure{}, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, rawTableDDL()); err != nil {
		return measure{}, err
	}
	cpu0 := pgServerCPU(ctx, conn)
	cmd := exec.CommandContext(ctx, bin, "-X", "-q", "-v", "ON_ERROR_STOP=1", p.dsn,
		"-c", "SET search_path TO "+schema,
		"-c", `\copy raw FROM '`+strings.ReplaceAll(csvPath, "'", "''")+`' WITH (FORMAT csv, HEADER true)`)
	cmd.Stdout = io.Discard
	m, err := inChild(cmd)
	if err != nil {
		return m, err
	}
	if cpu1 := pgServerCPU(ctx, conn); cpu0 >= 0 && cpu1 >= 0 {
		m.server = cpu1 - cpu0
	}
	err = conn.QueryRow(ctx, "SELECT COUNT(*) FROM raw").Scan(&m.rows)
	return m, err
}

// pgServerCPU is the CPU time the PostgreSQL server has used, when it runs
// on this machine and /proc shows it: the postmaster's own and reaped
// children's time plus that of its live children (backends, WAL writer,
// checkpointer). A backend that exits moves its time into the postmaster's
// reaped total, so differences stay right. -1 when unknown.
func pgServerCPU(ctx context.Context, conn *pgx.Conn) time.Duration {
	var backend int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return -1
	}
	st, ok := procStat(backend)
	if !ok {
		return -1
	}
	post := st.ppid
	pst, ok := procStat(int(post))
	if !ok {
		return -1
	}
	total := pst.utime + pst.stime + pst.cutime + pst.cstime
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return -1
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, ok := procStat(pid); ok && s.ppid == post {
			total += s.utime + s.stime
		}
	}
	return time.Duration(total) * 10 * time.Millisecond
}

type procStatFields struct{ ppid, utime, stime, cutime, cstime int64 }

// procStat reads a process's parent and CPU ticks from /proc/PID/stat.
func procStat(pid int) (procStatFields, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStatFields{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStatFields{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return procStatFields{}, false
	}
	// After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
	var v [5]int64
	for k, idx := range []int{1, 11, 12, 13, 14} {
		x, err := strconv.ParseInt(f[idx], 10, 64)
		if err != nil {
			return procStatFields{}, false
		}
		v[k] = x
	}
	return procStatFields{v[0], v[1], v[2], v[3], v[4]}, true
}

// pgPing checks the DSN reaches a server, to fail fast before generating
// a large file.
func pgPing(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("--pg: %w", err)
	}
	return conn.Close(ctx)
}
