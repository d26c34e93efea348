package sqltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// Migrating a fresh store costs about 1.2 s on SQLite and 0.6 s on
// PostgreSQL under the race detector, and every test opens one or two:
// it was most of CI's test time. So each test process migrates once per
// engine and every store with default options starts from a copy: the
// bytes of the migrated SQLite file, or a PostgreSQL database created
// from a migrated template database (a ~60 ms file-level copy). Stores
// with options of their own (EachWith) still migrate from scratch, and
// Migrate still runs on each copy (a no-op that checks the keys).

// sqliteTemplate is a migrated SQLite database file's bytes.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "guanxi-sqltest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, path, sqlstore.Options{SyncNormal: true})
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// Everything into the main file, so its bytes are the whole database.
	if _, err := s.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
})

// sqliteCopy writes a migrated database file into a temporary folder and
// returns its path.
func sqliteCopy(t testing.TB) string {
	t.Helper()
	b, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("migrate the SQLite template: %v", err)
	}
	path := filepath.Join(t.TempDir(), "guanxi.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pgPrefix starts the names of the databases this package creates; the
// rest is the creation time in Unix seconds and a random suffix, so a
// later process can drop what a killed one left behind.
const pgPrefix = "gx_sqltest_"

// pgStale is the age after which a test database is taken as left behind
// (no test binary runs this long: CI's timeout is 20 minutes).
const pgStale = time.Hour

// pgTemplate is the name of a migrated template database on the server
// named by base, made once per process.
var pgTemplate = sync.OnceValues(func() (string, error) {
	base := os.Getenv("GUANXI_TEST_POSTGRES")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	dropStale(ctx, conn)
	name, err := createDatabase(ctx, conn, "")
	if err != nil {
		return "", err
	}
	dsn, err := withDatabase(base, name)
	if err != nil {
		return "", err
	}
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return "", err
	}
	_, err = s.Migrate(ctx)
	s.Close() // a template must have no connections when copied
	if err != nil {
		return "", fmt.Errorf("migrate %s: %w", name, err)
	}
	return name, nil
})

// postgresCopy creates a database from the migrated template, dropped when
// the test ends, and returns its DSN.
func postgresCopy(t testing.TB) string {
	t.Helper()
	base := requirePostgres(t)
	tmpl, err := pgTemplate()
	if err != nil {
		t.Fatalf("migrate the PostgreSQL template: %v", err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to GUANXI_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	name, err := createDatabase(ctx, conn, tmpl)
	if err != nil {
		t.Fatalf("copy the template: %v", err)
	}
	// Registered before the store's Close, so it runs after it.
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// createDatabase creates a database with a fresh name, from template when
// one is given.
func createDatabase(ctx context.Context, conn *pgx.Conn, template string) (string, error) {
	b := make([]byte, 6)
	rand.Read(b)
	name := pgPrefix + strconv.FormatInt(time.Now().Unix(), 10) + "_" + hex.EncodeToString(b)
	q := "CREATE DATABASE " + name
	if template != "" {
		q += " TEMPLATE " + template
	}
	if _, err := conn.Exec(ctx, q); err != nil {
		return "", err
	}
	// A test database need not survive a server crash (none is tested on
	// PostgreSQL), so its commits do not wait for the disk.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" SET synchronous_commit = off"); err != nil {
		return "", err
	}
	return name, nil
}

// dropStale drops the test databases a killed process left behind.
func dropStale(ctx context.Context, conn *pgx.Conn) {
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE '"+pgPrefix+"%'")
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(name, pgPrefix), "_")
		if sec, err := strconv.ParseInt(ts, 10, 64); err == nil && time.Since(time.Unix(sec, 0)) > pgStale {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
}

// withDatabase is base with its database name replaced.
func withDatabase(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse GUANXI_TEST_POSTGRES: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
