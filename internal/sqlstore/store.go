// Package sqlstore is the storage layer for both engines: SQLite through the
// pure-Go modernc driver and PostgreSQL through pgx. All SQL lives here, as
// named queries in queries/*.sql (with per-dialect overrides) plus a few
// builders for dynamic filters. Transactions begin and end only here.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/guanxi-crm/guanxi"
)

// Dialect names the engine behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune Open. The zero value is the safe default.
type Options struct {
	// SyncNormal trades the last commits on power loss for speed (SQLite only).
	SyncNormal bool
	// Readers is the size of the SQLite read pool (default 2 × cores, min 4).
	Readers int
	// Now is the clock; tests fix it. Defaults to time.Now.
	Now guanxi.Clock
	// Keys seal ID numbers and secrets at rest (fieldcrypt_store.go). The
	// binary passes its key file's ring; nil (tests) is a derived ring.
	Keys *fieldcrypt.Ring
}

// Store implements every domain's storage interface.
type Store struct {
	dialect Dialect
	// w is the writer: on SQLite a single connection whose transactions begin
	// IMMEDIATE, so writers queue in Go instead of failing with SQLITE_BUSY.
	w *sqlx.DB
	// r serves reads; on PostgreSQL it is the same pool as w.
	r    *sqlx.DB
	pool *pgxpool.Pool
	q    queries
	now  guanxi.Clock
	keys *fieldcrypt.Ring
	path string // SQLite file, for backups
	// stmts caches prepared read statements by text (see readStmt);
	// wstmts the SQLite writer's (see prepareWrites).
	stmts, wstmts sync.Map
	bounded       atomic.Int64 // list texts in stmts (boundedStmt)
	// group queues customer creates for a shared SQLite transaction
	// (hotpath_group.go).
	group groupQueue
	// wal keeps the SQLite WAL bounded (wal_guard.go).
	wal *walGuard
}

// IsPostgresDSN reports whether dsn names a PostgreSQL server.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to dsn: a postgres:// URL, or a SQLite file path (optionally
// prefixed with sqlite:// or file:). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{now: now, keys: opt.Keys}
	if s.keys == nil {
		s.keys = fieldcrypt.Derived("guanxi test store")
	}
	var err error
	if IsPostgresDSN(dsn) {
		err = s.openPostgres(ctx, dsn)
	} else {
		err = s.openSQLite(ctx, dsn, opt)
	}
	if err != nil {
		return nil, err
	}
	if s.q, err = loadQueries(s.dialect); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// sqliteExtraPragmas are added to every SQLite connection (writer and read
// pool) in the driver's _pragma form. Empty in production: it is the hook
// TestGetCustomerReadCost uses to measure candidate settings against the
// defaults on a loaded database.
//
// mmap_size was measured and left off (docs/perf.md, "Read path, SQLite
// (2026-11-26)"): it saves 2–3.5 µs of CPU per customer read (7–11 %), too
// little to show in the request rate, while every connection's map of the
// file counts in the process's resident memory (5 GB RSS after a 1M bench),
// and an I/O error on a mapped page kills the process instead of failing
// one request.
var sqliteExtraPragmas []string

// sqliteBusyTimeoutMS is how long a SQLite statement waits for a lock.
const sqliteBusyTimeoutMS = 10000

func (s *Store) openSQLite(ctx context.Context, dsn string, opt Options) error {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create data folder: %w", err)
		}
	}
	s.dialect, s.path = SQLite, path
	if err := checkSQLiteHeader(path); err != nil {
		return err
	}
	sync := "FULL"
	if opt.SyncNormal {
		sync = "NORMAL"
	}
	params := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(" + strconv.Itoa(sqliteBusyTimeoutMS) + ")", "foreign_keys(1)", "synchronous(" + sync + ")"} {
		params.Add("_pragma", p)
	}
	for _, p := range sqliteExtraPragmas {
		params.Add("_pragma", p)
	}
	params.Set("_time_format", "sqlite")
	wp := url.Values{}
	for k, v := range params {
		wp[k] = v
	}
	wp.Set("_txlock", "immediate")
	w, err := sqlx.Open("sqlite", "file:"+path+"?"+wp.Encode())
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		if isCorrupt(err) {
			return errDamaged(path, err.Error())
		}
		return fmt.Errorf("open %s: %w", path, err)
	}
	s.w = w
	if err := s.quickCheck(ctx); err != nil {
		w.Close()
		return err
	}
	rp := url.Values{}
	for k, v := range params {
		rp[k] = v
	}
	rp.Add("_pragma", "query_only(1)")
	r, err := sqlx.Open("sqlite", "file:"+path+"?"+rp.Encode())
	if err != nil {
		w.Close()
		return err
	}
	n := opt.Readers
	if n <= 0 {
		n = 8
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.w, s.r = w, r
	s.startWALGuard(walCheckEvery, WALLimit)
	return nil
}

func (s *Store) openPostgres(ctx context.Context, dsn string) error {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("parse --db: %w", err)
	}
	// The pool serves two kinds of users: database/sql (most queries) and
	// pgx directly (the customer read of GET /customers/{id}, the demo
	// loader's COPY). Without pool_max_conns in the DSN it gets twice
	// pgx's default, so that database/sql's idle connections (below) leave
	// as many for the direct users.
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns *= 2
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	// OpenDBFromPool keeps no idle database/sql connections, so every query
	// took a fresh driver connection from the pool: the statements readStmt
	// prepared were prepared again (a Parse/Describe round trip) and
	// deallocated (another) on each request. Keeping half the pool idle in
	// database/sql makes a cached read one round trip; database/sql may
	// still use every connection at once.
	sqlDB := stdlib.OpenDBFromPool(pool)
	if n := int(cfg.MaxConns) / 2; n > 0 {
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxLifetime(cfg.MaxConnLifetime)
		sqlDB.SetConnMaxIdleTime(cfg.MaxConnIdleTime)
	}
	db := sqlx.NewDb(sqlDB, "pgx")
	s.dialect, s.pool, s.w, s.r = Postgres, pool, db, db
	return nil
}

// Dialect returns the engine in use.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close releases every connection.
func (s *Store) Close() error {
	s.stopWALGuard()
	s.closeStmts()
	var err error
	if s.r != nil && s.r != s.w {
		err = s.r.Close()
	}
	if s.w != nil {
		if e := s.w.Close(); e != nil {
			err = e
		}
	}
	if s.pool != nil {
		s.pool.Close()
	}
	return err
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// nowUTC is the store clock truncated to microseconds (both engines keep µs).
func (s *Store) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// DB exposes the reader for tests in this package's callers that need raw
// access (the schema parity test, the audit tamper test).
func (s *Store) DB() *sql.DB { return s.w.DB }

// Path is the SQLite database file ("" on PostgreSQL).
func (s *Store) Path() string { return s.path }

// Analyze refreshes the planner statistics after a bulk load. PostgreSQL
// needs them for the token range scans; SQLite plans those from the
// primary key without statistics.
func (s *Store) Analyze(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	_, err := s.w.ExecContext(ctx, "ANALYZE")
	return wrap(err)
}
