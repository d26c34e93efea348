package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// backupSource is a live database with an administrator and a writer that
// creates customers (each with its audit row) until stopped.
type backupSource struct {
	s       *sqlstore.Store
	a       *app.App
	admin   guanxi.Actor
	stop    chan struct{}
	wg      sync.WaitGroup
	written int
	err     error
}

func newBackupSource(t *testing.T, dsn string) *backupSource {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := buildApp(ctx, s, newLogger())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Staff.Bootstrap(ctx, "admin", benchAdminPassword); err != nil {
		t.Fatal(err)
	}
	u, err := s.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	b := &backupSource{s: s, a: a, admin: u.Actor("test"), stop: make(chan struct{})}
	for range 50 {
		b.create(t)
	}
	return b
}

func (b *backupSource) create(t *testing.T) {
	t.Helper()
	if err := b.createErr(); err != nil {
		t.Fatal(err)
	}
}

func (b *backupSource) createErr() error {
	b.written++
	c := &customer.Customer{Kind: customer.Person, Name: fmt.Sprintf("备份客户%d", b.written),
		Stage: customer.StageCustomer, OwnerID: b.admin.UserID, Mobile: fmt.Sprintf("139%08d", b.written)}
	return b.a.Customers.Create(context.Background(), b.admin, c)
}

// writeUntilStopped keeps writing about 100 customers a second.
func (b *backupSource) writeUntilStopped() {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-tick.C:
				if err := b.createErr(); err != nil {
					b.err = err
					return
				}
			}
		}
	}()
}

func (b *backupSource) halt(t *testing.T) {
	t.Helper()
	close(b.stop)
	b.wg.Wait()
	if b.err != nil {
		t.Fatal(b.err)
	}
}

// digest is a checksum of every customer's id, number, name and version
// and of the audit chain up to its second newest row: the newest is the
// backup's own row in the source, the restore's row in a restored copy
// (checkBackupAuditRows checks those two).
func digest(t *testing.T, s *sqlstore.Store) string {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(), "SELECT id, number, name, version FROM customers ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var id, version int64
		var number, name string
		if err := rows.Scan(&id, &number, &name, &version); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%d|%s|%s|%d\n", id, number, name, version)
	}
	var head string
	if err := s.DB().QueryRowContext(context.Background(), "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1 OFFSET 1").Scan(&head); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(h, "audit %s", head)
	return fmt.Sprintf("%x", h.Sum(nil))
}

func openRestored(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// checkBackupRoundTrip backs up src while it writes, restores into dst and
// checks the restore is a consistent point between the counts before and
// after; then backs up the quiet database and checks the restore is equal.
func checkBackupRoundTrip(t *testing.T, srcArgs []string, src *backupSource, restoreArgs func(round int) []string, restoredDSN func(round int) string, dir string) {
	ctx := context.Background()
	before, err := src.s.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src.writeUntilStopped()
	time.Sleep(100 * time.Millisecond)
	var out bytes.Buffer
	if err := run(ctx, append([]string{"backup", "--dir", dir}, srcArgs...), env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("backup under load: %v", err)
	}
	src.halt(t)
	after, err := src.s.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	file := strings.TrimSpace(strings.SplitN(strings.TrimPrefix(out.String(), "backup: wrote "), " (", 2)[0])
	out.Reset()
	if err := run(ctx, append([]string{"restore", "--from", file}, restoreArgs(1)...), env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "audit chain intact") {
		t.Fatalf("restore said: %s", out.String())
	}
	r1 := openRestored(t, restoredDSN(1))
	got, err := r1.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got["customers"] < before["customers"] || got["customers"] > after["customers"] {
		t.Fatalf("restored %d customers, want between %d and %d", got["customers"], before["customers"], after["customers"])
	}
	if after["customers"] <= before["customers"] {
		t.Fatalf("no writes during the backup: %d → %d", before["customers"], after["customers"])
	}
	// A consistent point: every customer written has its audit row.
	var orphans int
	if err := r1.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM customers c WHERE NOT EXISTS
		(SELECT 1 FROM audit_log l WHERE l.object_type = 'customer' AND l.object_id = c.id AND l.action = 'create')`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Fatalf("%d restored customers without their audit row", orphans)
	}

	// Quiet: the restore equals the source, table by table.
	out.Reset()
	if err := run(ctx, append([]string{"backup", "--dir", dir}, srcArgs...), env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("backup: %v", err)
	}
	file = strings.TrimSpace(strings.SplitN(strings.TrimPrefix(out.String(), "backup: wrote "), " (", 2)[0])
	if err := run(ctx, append([]string{"restore", "--from", file}, restoreArgs(2)...), env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	r2 := openRestored(t, restoredDSN(2))
	want, err := src.s.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err = r2.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("table %s: restored %d rows, source has %d", table, got[table], n)
		}
	}
	if d1, d2 := digest(t, src.s), digest(t, r2); d1 != d2 {
		t.Fatalf("checksum of the restore %s differs from the source %s", d2, d1)
	}
	checkBackupAuditRows(t, src.s, r1, r2, file)
}

// TestBackupRestoreSQLite is TESTPLAN H1/H2 on SQLite: an online backup
// while writing about 100 customers a second, restored into a clean data
// folder; then a quiet backup restored equal to the source.
func TestBackupRestoreSQLite(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "live")
	src := newBackupSource(t, filepath.Join(data, "guanxi.db"))
	dir := filepath.Join(root, "backups")
	restored := func(round int) string { return filepath.Join(root, fmt.Sprintf("restored-%d", round), "guanxi.db") }
	checkBackupRoundTrip(t, []string{"--data", data}, src,
		func(round int) []string { return []string{"--data", filepath.Dir(restored(round))} }, restored, dir)

	// Restore refuses a folder that already holds a database and a damaged backup.
	ctx := context.Background()
	files, _ := filepath.Glob(filepath.Join(dir, backupPrefix+"*.db"))
	if len(files) != 2 {
		t.Fatalf("backups: %v", files)
	}
	err := run(ctx, []string{"restore", "--from", files[0], "--data", data}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("restore over a live database: %v", err)
	}
	bad := filepath.Join(root, "damaged.db")
	b, _ := os.ReadFile(files[1])
	os.WriteFile(bad, b[:len(b)/2], 0o600)
	err = run(ctx, []string{"restore", "--from", bad, "--data", filepath.Join(root, "r3")}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("restore of a truncated backup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "r3", "guanxi.db")); err == nil {
		t.Fatal("a damaged backup left a database behind")
	}
}

// TestBackupRotation keeps the newest --keep dated backups.
func TestBackupRotation(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "live")
	newBackupSource(t, filepath.Join(data, "guanxi.db"))
	dir := filepath.Join(root, "b")
	os.MkdirAll(dir, 0o700)
	for i := range 5 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s2020010%d-000000.db", backupPrefix, i+1)), []byte("old"), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600)
	if err := run(context.Background(), []string{"backup", "--data", data, "--dir", dir, "--keep", "3"}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	var names []string
	for _, f := range left {
		names = append(names, filepath.Base(f))
	}
	if len(names) != 4 || !strings.Contains(strings.Join(names, " "), "notes.txt") ||
		!strings.Contains(strings.Join(names, " "), "20200105") || strings.Contains(strings.Join(names, " "), "20200103") {
		t.Fatalf("after rotation: %v", names)
	}
}

// freshPGDatabase creates an empty database on the test server and drops
// it after the test; it returns its DSN.
func freshPGDatabase(t *testing.T, tag string) string {
	t.Helper()
	base := sqltest.PostgresDSN(t) // skips or fails without a server
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("guanxi_%s_%d", tag, time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(context.Background())
	})
	u.Path = "/" + name
	return u.String()
}

// TestBackupRestorePostgres is TESTPLAN H3: pg_dump during writes, then
// pg_restore into an empty database, and a quiet round trip that is equal.
func TestBackupRestorePostgres(t *testing.T) {
	srcDSN := freshPGDatabase(t, "bsrc")
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Fatal("pg_dump is not installed (the PostgreSQL client); .ci/run installs it")
	}
	src := newBackupSource(t, srcDSN)
	targets := map[int]string{1: freshPGDatabase(t, "bdst1"), 2: freshPGDatabase(t, "bdst2")}
	dir := t.TempDir()
	checkBackupRoundTrip(t, []string{"--db", srcDSN}, src,
		func(round int) []string { return []string{"--db", targets[round]} },
		func(round int) string { return targets[round] }, dir)
	// Restore refuses a database that is not empty.
	files, _ := filepath.Glob(filepath.Join(dir, backupPrefix+"*.dump"))
	err := run(context.Background(), []string{"restore", "--from", files[0], "--db", srcDSN}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Fatalf("restore into a live database: %v", err)
	}
}
