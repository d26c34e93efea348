// Package sqltest opens migrated stores on both engines for tests. SQLite is
// a fresh file in t.TempDir(); PostgreSQL is a fresh database (a migrated
// store) or schema (PostgresDSN) on the server named by
// GUANXI_TEST_POSTGRES, dropped when the test ends. When that
// variable is unset the PostgreSQL case is skipped with a message, unless
// GUANXI_REQUIRE_POSTGRES=1 (CI), where it fails instead.
package sqltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// Engine is one database engine to run a test against.
type Engine struct {
	Name string
	Open func(t testing.TB) *sqlstore.Store
}

// Engines returns SQLite and PostgreSQL.
func Engines() []Engine {
	return []Engine{{"sqlite", SQLite}, {"postgres", Postgres}}
}

// Each runs fn once per engine as a subtest with a fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			fn(t, e.Open(t))
		})
	}
}

// SQLite opens a migrated store in a temporary folder (a copy of a
// migrated file, template.go). Tests use synchronous=NORMAL for speed;
// durability is tested with FULL elsewhere.
func SQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	return open(t, sqliteCopy(t), sqlstore.Options{SyncNormal: true})
}

// PostgresDSN returns a DSN for a fresh schema, or skips/fails the test when
// no server is configured.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := requirePostgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to GUANXI_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse GUANXI_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// requirePostgres returns GUANXI_TEST_POSTGRES, or skips/fails the test
// when it is unset.
func requirePostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv("GUANXI_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("GUANXI_REQUIRE_POSTGRES") == "1" {
			t.Fatal("GUANXI_TEST_POSTGRES is not set but GUANXI_REQUIRE_POSTGRES=1")
		}
		t.Skip("PostgreSQL suite skipped: set GUANXI_TEST_POSTGRES=postgres://... to run it")
	}
	return base
}

// Postgres opens a migrated store in a fresh database (a copy of a
// migrated template, template.go).
func Postgres(t testing.TB) *sqlstore.Store {
	t.Helper()
	return open(t, postgresCopy(t), sqlstore.Options{})
}

func open(t testing.TB, dsn string, opt sqlstore.Options) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, dsn, opt)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// EachWith is Each with options made per engine (a key ring, say); dsn
// lets the test open the same database again.
func EachWith(t *testing.T, opt func(t *testing.T) sqlstore.Options, fn func(t *testing.T, s *sqlstore.Store, dsn string)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			o := opt(t)
			dsn := filepath.Join(t.TempDir(), "guanxi.db")
			if name == "postgres" {
				dsn = PostgresDSN(t)
			} else {
				o.SyncNormal = true
			}
			fn(t, open(t, dsn, o), dsn)
		})
	}
}
