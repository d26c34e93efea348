package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestMigrationCrash is TESTPLAN F5 on SQLite: `guanxi migrate` on a fresh
// database is killed (SIGKILL, through GUANXI_FAILPOINT) at every commit
// inside every migration, before that commit is durable, and after every
// migration, each run resuming from the last one's remains. After each kill
// the file passes integrity_check and foreign_key_check, the recorded
// versions are exactly those applied before, and a kill inside a migration
// left the schema exactly as it was before that migration (no half
// migration). At the end the schema equals a clean migration's.
func TestMigrationCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash harness: not in -short")
	}
	versions := migrationVersions(t, sqlstore.SQLite)
	clean := t.TempDir()
	if migrateChild(t, []string{"--data", clean}, "") {
		t.Fatal("a migration without failpoint was killed")
	}
	final := sqliteSchema(t, clean)
	dir := t.TempDir()
	prev, before := int64(0), ""
	kills := 0
	for _, v := range versions {
		// Kill at the 1st, 2nd… commit while v runs, until v runs through
		// (then the process is killed right after v).
		for k := 1; ; k++ {
			fp := fmt.Sprintf("migrate-commit:%d:%d,migrate-after:%d", v, k, v)
			if !migrateChild(t, []string{"--data", dir}, fp) {
				t.Fatalf("%s: no failpoint fired", fp)
			}
			kills++
			if recorded := checkMigrated(t, dir); recorded == v {
				prev, before = v, sqliteSchema(t, dir)
				break
			} else if recorded != prev {
				t.Fatalf("%s: recorded version %d, want %d or %d", fp, recorded, prev, v)
			}
			if prev > 0 {
				if got := sqliteSchema(t, dir); got != before {
					t.Fatalf("%s: a kill inside migration %d changed the schema:\n%s", fp, v, schemaDiff(before, got))
				}
			}
			if k > 20 {
				t.Fatalf("migration %d: more than 20 commits", v)
			}
		}
	}
	if migrateChild(t, []string{"--data", dir}, "") {
		t.Fatal("the last migrate was killed")
	}
	if got := sqliteSchema(t, dir); got != final {
		t.Fatalf("after the kills the schema differs from a clean migration:\n%s", schemaDiff(final, got))
	}
	t.Logf("%d migrations, %d kills; each left a consistent schema, and the result equals a clean migration", len(versions), kills)
}

// migrationVersions are the version numbers of a dialect's migration files.
func migrationVersions(t *testing.T, d sqlstore.Dialect) []int64 {
	t.Helper()
	names, err := sqlstore.MigrationNames(d)
	if err != nil {
		t.Fatal(err)
	}
	var vs []int64
	for _, n := range names {
		num, _, _ := strings.Cut(n, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			t.Fatalf("migration file %q: no version number", n)
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		t.Fatal("no migrations")
	}
	return vs
}

// migrateChild runs the real `guanxi migrate` with failpoint and reports
// whether it was killed; any other failure fails the test.
func migrateChild(t *testing.T, args []string, failpoint string) (killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childArgsEnv+"="+strings.Join(append([]string{"migrate"}, args...), "\x1f"),
		"GUANXI_FAILPOINT="+failpoint)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(interface{ Signaled() bool }); ok && ws.Signaled() {
			return true
		}
	}
	if err != nil {
		t.Fatalf("guanxi migrate (failpoint %q): %v\n%s", failpoint, err, out)
	}
	return false
}

// checkMigrated checks the file after a kill (intact, foreign keys hold)
// and returns the highest recorded version (0: none or no file yet).
func checkMigrated(t *testing.T, dir string) int64 {
	t.Helper()
	path := filepath.Join(dir, "guanxi.db")
	if _, err := os.Stat(path); err != nil {
		return 0 // killed before the file was written
	}
	if err := sqlstore.CheckSQLiteFile(context.Background(), path, true); err != nil {
		t.Fatalf("after a kill: %v", err)
	}
	db := openRaw(t, path)
	defer db.Close()
	var maxV int64
	if err := db.QueryRow("SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&maxV); err != nil {
		return 0 // the version table is not there yet
	}
	return maxV
}

func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// sqliteSchema is every table, index, view and trigger with its SQL.
func sqliteSchema(t *testing.T, dir string) string {
	t.Helper()
	db := openRaw(t, filepath.Join(dir, "guanxi.db"))
	defer db.Close()
	return sqliteSchemaDB(t, db)
}

func sqliteSchemaDB(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, tbl, text string
		if err := rows.Scan(&typ, &name, &tbl, &text); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s on %s: %s\n", typ, name, tbl, text)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// schemaDiff lists the lines only one side has.
func schemaDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for l := range w {
		if !g[l] {
			fmt.Fprintf(&b, "- %.200s\n", l)
		}
	}
	for l := range g {
		if !w[l] {
			fmt.Fprintf(&b, "+ %.200s\n", l)
		}
	}
	return b.String()
}

// TestMigrationCrashPostgres kills `guanxi migrate` after every migration
// on PostgreSQL (each goose migration there is one transaction with its
// version record), each run resuming from the last, and checks the
// versions after each kill and that a last run completes.
func TestMigrationCrashPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("crash harness: not in -short")
	}
	versions := migrationVersions(t, sqlstore.Postgres)
	ctx := context.Background()
	dsn := sqltest.PostgresDSN(t)
	keyDir := t.TempDir() // the key file every run shares
	recorded := func() (maxV, n int64) {
		s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.DB().QueryRowContext(ctx, "SELECT max(version_id), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&maxV, &n); err != nil {
			t.Fatal(err)
		}
		return maxV, n
	}
	for i, v := range versions {
		if !migrateChild(t, []string{"--db", dsn, "--data", keyDir}, fmt.Sprintf("migrate-after:%d", v)) {
			t.Fatalf("failpoint migrate-after:%d did not fire", v)
		}
		if maxV, n := recorded(); maxV != v || n != int64(i+1) {
			t.Fatalf("after a kill at %d: max version %d, %d versions", v, maxV, n)
		}
	}
	if migrateChild(t, []string{"--db", dsn, "--data", keyDir}, "") {
		t.Fatal("the last migrate was killed")
	}
	t.Logf("%d kills, each resumed to the next version", len(versions))
}
