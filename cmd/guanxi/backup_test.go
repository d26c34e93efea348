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
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// backupSource is a live database with its key file, an administrator and
// a writer that creates customers (each with its audit row) until stopped.
type backupSource struct {
	s       *sqlstore.Store
	ring    *fieldcrypt.Ring
	keyFile string
	a       *app.App
	admin   guanxi.Actor
	stop    chan struct{}
	wg      sync.WaitGroup
	written int
	err     error
}

// newBackupSource makes the database dsn sealed with a new key file at
// keyFile, as serve does on its first start.
func newBackupSource(t *testing.T, dsn, keyFile string) *backupSource {
	t.Helper()
	ctx := context.Background()
	ring, err := fieldcrypt.Create(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Keys: ring})
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
	b := &backupSource{s: s, ring: ring, keyFile: keyFile, a: a, admin: u.Actor("test"), stop: make(chan struct{})}
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

func openRestored(t *testing.T, dsn string, ring *fieldcrypt.Ring) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Keys: ring})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// backupFile is the file `guanxi backup` said it wrote.
func backupFile(out string) string {
	return strings.TrimSpace(strings.SplitN(strings.TrimPrefix(out, "backup: wrote "), " (", 2)[0])
}

// checkBackupRoundTrip backs up src while it writes, restores into dst and
// checks the restore is a consistent point between the counts before and
// after; then backs up the quiet database and checks the restore is equal.
// Both backups are checked to be encrypted (checkBackupProtected); the
// second one's file is returned.
func checkBackupRoundTrip(t *testing.T, srcArgs []string, src *backupSource, restoreArgs func(round int) []string, restoredDSN func(round int) string, dir, magic string) string {
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
	file := backupFile(out.String())
	checkBackupProtected(t, file, src.ring, magic)
	out.Reset()
	if err := run(ctx, append([]string{"restore", "--from", file}, restoreArgs(1)...), env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "audit chain intact") {
		t.Fatalf("restore said: %s", out.String())
	}
	r1 := openRestored(t, restoredDSN(1), src.ring)
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
	file = backupFile(out.String())
	checkBackupProtected(t, file, src.ring, magic)
	if err := run(ctx, append([]string{"restore", "--from", file}, restoreArgs(2)...), env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	r2 := openRestored(t, restoredDSN(2), src.ring)
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
	return file
}

// TestBackupRestoreSQLite is TESTPLAN H1/H2/H4 on SQLite: an online backup
// while writing about 100 customers a second, restored into a clean data
// folder with the key file passed (which is then copied beside the data);
// then a quiet backup restored, with the key file already beside the
// target, equal to the source.
func TestBackupRestoreSQLite(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "live")
	src := newBackupSource(t, filepath.Join(data, "guanxi.db"), filepath.Join(data, "guanxi.key"))
	dir := filepath.Join(root, "backups")
	restoredDir := func(round int) string { return filepath.Join(root, fmt.Sprintf("restored-%d", round)) }
	restored := func(round int) string { return filepath.Join(restoredDir(round), "guanxi.db") }
	copyKey(t, src.keyFile, filepath.Join(restoredDir(2), "guanxi.key"))
	file := checkBackupRoundTrip(t, []string{"--data", data}, src,
		func(round int) []string {
			if round == 1 {
				return []string{"--data", restoredDir(1), "--key-file", src.keyFile}
			}
			return []string{"--data", restoredDir(2)}
		}, restored, dir, "SQLite format 3\x00")
	checkSameBytes(t, filepath.Join(restoredDir(1), "guanxi.key"), src.keyFile)

	// Restore refuses a folder that already holds a database and a damaged backup.
	ctx := context.Background()
	files, _ := filepath.Glob(filepath.Join(dir, backupPrefix+"*.db"+encryptedExt))
	if len(files) != 2 || files[1] != file {
		t.Fatalf("backups: %v", files)
	}
	err := run(ctx, []string{"restore", "--from", files[0], "--data", data}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("restore over a live database: %v", err)
	}
	r3 := filepath.Join(root, "r3")
	noDB := func(folder string) {
		t.Helper()
		for _, f := range []string{"guanxi.db", "guanxi.db.restoring"} {
			if _, err := os.Stat(filepath.Join(folder, f)); err == nil {
				t.Fatalf("a refused restore left %s behind", f)
			}
		}
	}
	b, _ := os.ReadFile(file)
	for name, bad := range map[string][]byte{"truncated": b[:len(b)/2], "altered": flipByte(b, len(b)/3)} {
		damaged := filepath.Join(root, name+".db"+encryptedExt)
		os.WriteFile(damaged, bad, 0o600)
		err = run(ctx, []string{"restore", "--from", damaged, "--data", r3, "--key-file", src.keyFile}, env(nil), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Fatalf("restore of a %s backup: %v", name, err)
		}
		noDB(r3)
	}
	checkRestoreNeedsKey(t, file, root, nil, func() { noDB(filepath.Join(root, "nokey")) })
}

// TestBackupRotation keeps the newest --keep dated backups.
func TestBackupRotation(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "live")
	newBackupSource(t, filepath.Join(data, "guanxi.db"), filepath.Join(data, "guanxi.key"))
	dir := filepath.Join(root, "b")
	os.MkdirAll(dir, 0o700)
	for i := range 5 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s2020010%d-000000.db", backupPrefix, i+1)), []byte("old"), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600)
	// Snapshot folders a crashed backup left: an old one is removed, one
	// that may belong to a backup running now is not.
	stale, fresh := filepath.Join(dir, plainTempPrefix+"crashed"), filepath.Join(dir, plainTempPrefix+"running")
	os.Mkdir(stale, 0o700)
	os.Mkdir(fresh, 0o700)
	os.Chtimes(stale, time.Now().Add(-2*stalePlainAge), time.Now().Add(-2*stalePlainAge))
	if err := run(context.Background(), []string{"backup", "--data", data, "--dir", dir, "--keep", "3"}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Fatal("an old snapshot folder was not removed")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatal("a recent snapshot folder was removed")
	}
	os.Remove(fresh)
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

// TestBackupRestorePostgres is TESTPLAN H3/H4: pg_dump during writes,
// encrypted as it streams, then pg_restore into an empty database, and a
// quiet round trip that is equal; round 1 is told where the key file is,
// round 2's data folder gets a copy of it.
func TestBackupRestorePostgres(t *testing.T) {
	srcDSN := freshPGDatabase(t, "bsrc")
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Fatal("pg_dump is not installed (the PostgreSQL client); .ci/run installs it")
	}
	root := t.TempDir()
	src := newBackupSource(t, srcDSN, filepath.Join(root, "keys", "guanxi.key"))
	targets := map[int]string{1: freshPGDatabase(t, "bdst1"), 2: freshPGDatabase(t, "bdst2")}
	hostData := filepath.Join(root, "host")
	os.Mkdir(hostData, 0o700)
	dir := filepath.Join(root, "backups")
	file := checkBackupRoundTrip(t, []string{"--db", srcDSN, "--key-file", src.keyFile}, src,
		func(round int) []string {
			data := filepath.Join(root, "no-such-folder")
			if round == 2 {
				data = hostData
			}
			return []string{"--db", targets[round], "--key-file", src.keyFile, "--data", data}
		},
		func(round int) string { return targets[round] }, dir, "PGDMP")
	checkSameBytes(t, filepath.Join(hostData, "guanxi.key"), src.keyFile)
	if _, err := os.Stat(filepath.Join(root, "no-such-folder")); err == nil {
		t.Fatal("restore made a data folder to put the key file in")
	}

	// Restore refuses a database that is not empty.
	ctx := context.Background()
	err := run(ctx, []string{"restore", "--from", file, "--db", srcDSN, "--key-file", src.keyFile}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Fatalf("restore into a live database: %v", err)
	}
	// Without the key, with another key or from a damaged backup, nothing
	// is restored: pg_restore is stopped before its transaction commits.
	target := freshPGDatabase(t, "bdst3")
	empty := func() {
		t.Helper()
		s := openRestored(t, target, src.ring)
		counts, err := s.TableCounts(ctx)
		if err != nil || len(counts) != 0 {
			t.Fatalf("a refused restore left %d tables: %v", len(counts), err)
		}
		s.Close()
	}
	checkRestoreNeedsKey(t, file, root, []string{"--db", target}, empty)
	b, _ := os.ReadFile(file)
	if len(b) < 3*fieldcrypt.DefaultChunkSize {
		t.Fatalf("the dump has %d bytes: too few chunks for pg_restore to be reading when the damage is met", len(b))
	}
	for name, bad := range map[string][]byte{"truncated": b[:len(b)-100], "altered": flipByte(b, len(b)-50)} {
		damaged := filepath.Join(root, name+".dump"+encryptedExt)
		os.WriteFile(damaged, bad, 0o600)
		err = run(ctx, []string{"restore", "--from", damaged, "--db", target, "--key-file", src.keyFile}, env(nil), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Fatalf("restore of a %s backup: %v", name, err)
		}
		empty()
	}

	// A dump written before backups were encrypted still restores.
	plain := filepath.Join(root, "guanxi-20250101-000000.000.dump")
	if msg, err := exec.Command("pg_dump", "--format=custom", "--no-owner", "--file", plain, "--dbname", srcDSN).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v: %s", err, msg)
	}
	var out bytes.Buffer
	err = run(ctx, []string{"restore", "--from", plain, "--db", target, "--key-file", src.keyFile, "--data", filepath.Join(root, "no-such-folder")}, env(nil), nil, &out, io.Discard)
	if err != nil || !strings.Contains(out.String(), "not encrypted") || !strings.Contains(out.String(), "run guanxi with --key-file "+src.keyFile) {
		t.Fatalf("restore of an unencrypted dump: %v\n%s", err, out.String())
	}
	checkPlainRestore(t, src, openRestored(t, target, src.ring))
}
