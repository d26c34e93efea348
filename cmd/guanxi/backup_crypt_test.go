package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// checkBackupProtected is TESTPLAN H4 on one backup file: named as
// encrypted, private, an encrypted stream in which neither the format's
// own header nor a seeded customer's name or mobile appears, and nothing
// in plaintext left beside it; decrypted with the data folder's key it is
// the database's backup (magic), and for SQLite holds those very values,
// so the search above could have found them.
func checkBackupProtected(t *testing.T, file string, ring *fieldcrypt.Ring, magic string) {
	t.Helper()
	if !strings.HasSuffix(file, encryptedExt) {
		t.Fatalf("backup %s is not named as encrypted", file)
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("backup %s: %v, mode %v", file, err, fi.Mode())
	}
	enc, _ := os.ReadFile(file)
	if !fieldcrypt.IsStream(enc) {
		t.Fatalf("backup %s does not start as an encrypted stream", file)
	}
	needles := []string{magic, "备份客户1", "备份客户", "13900000001", "13900000050"}
	for _, n := range needles {
		if bytes.Contains(enc, []byte(n)) {
			t.Fatalf("backup %s holds %q in plaintext", file, n)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), plainTempPrefix+"*"))
	parts, _ := filepath.Glob(filepath.Join(filepath.Dir(file), "*.part"))
	if len(left)+len(parts) != 0 {
		t.Fatalf("the backup left %v %v behind", left, parts)
	}
	r, err := fieldcrypt.NewStreamReader(bytes.NewReader(enc), ring.DerivedKey(backupKeyLabel))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(r)
	if err != nil || !bytes.HasPrefix(plain, []byte(magic)) {
		t.Fatalf("decrypted backup: %v, starts %q", err, plain[:min(16, len(plain))])
	}
	if strings.HasPrefix(magic, "SQLite") {
		for _, n := range needles[1:] {
			if !bytes.Contains(plain, []byte(n)) {
				t.Fatalf("control: the decrypted snapshot lacks %q", n)
			}
		}
	}
}

// checkRestoreNeedsKey: restoring file into target (the data folder
// ROOT/nokey, or --db) with no key file there fails naming the key file
// to pass; with another data folder's key file (from GUANXI_KEY_FILE) it
// fails naming that file. empty checks nothing was restored.
func checkRestoreNeedsKey(t *testing.T, file, root string, target []string, empty func()) {
	t.Helper()
	ctx := context.Background()
	noKey := filepath.Join(root, "nokey")
	args := append([]string{"restore", "--from", file, "--data", noKey}, target...)
	err := run(ctx, args, env(nil), nil, io.Discard, io.Discard)
	want := filepath.Join(noKey, "guanxi.key")
	if err == nil || !strings.Contains(err.Error(), "needs the key file") || !strings.Contains(err.Error(), want) ||
		!strings.Contains(err.Error(), "--key-file") {
		t.Fatalf("restore without the key file: %v", err)
	}
	empty()
	other := filepath.Join(root, "other.key")
	if _, err := fieldcrypt.Create(other); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, args, env(map[string]string{"GUANXI_KEY_FILE": other}), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "does not open") || !strings.Contains(err.Error(), other) {
		t.Fatalf("restore with another key file: %v", err)
	}
	empty()
	if _, err := os.Stat(want); err == nil {
		t.Fatal("a refused restore made a key file")
	}
}

// checkPlainRestore: a backup written before encryption restored into r
// holds the source's customers, and its audit log one restore row more.
func checkPlainRestore(t *testing.T, src *backupSource, r *sqlstore.Store) {
	t.Helper()
	want, err := src.s.TableCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.TableCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got["customers"] != want["customers"] || got["audit_log"] != want["audit_log"]+1 {
		t.Fatalf("restored %d customers, %d audit rows; source %d, %d", got["customers"], got["audit_log"], want["customers"], want["audit_log"])
	}
}

// TestRestorePlainSQLite: a SQLite backup written before backups were
// encrypted restores with a note, given the key file of its data; with no
// key file the restore is refused and leaves neither database nor key.
func TestRestorePlainSQLite(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "live")
	src := newBackupSource(t, filepath.Join(data, "guanxi.db"), filepath.Join(data, "guanxi.key"))
	ctx := context.Background()
	plain := filepath.Join(root, "guanxi-20250101-000000.000.db")
	if err := src.s.BackupSQLite(ctx, plain); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(root, "bare")
	err := run(ctx, []string{"restore", "--from", plain, "--data", bare}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "does not open with the key file") {
		t.Fatalf("restore of a backup sealed with another key file: %v", err)
	}
	for _, f := range []string{"guanxi.db", "guanxi.key"} {
		if _, err := os.Stat(filepath.Join(bare, f)); err == nil {
			t.Fatalf("a refused restore left %s behind", f)
		}
	}
	var out bytes.Buffer
	restored := filepath.Join(root, "restored")
	if err := run(ctx, []string{"restore", "--from", plain, "--data", restored, "--key-file", src.keyFile}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not encrypted") || !strings.Contains(out.String(), "copied the key file") {
		t.Fatalf("restore said: %s", out.String())
	}
	checkSameBytes(t, filepath.Join(restored, "guanxi.key"), src.keyFile)
	checkPlainRestore(t, src, openRestored(t, filepath.Join(restored, "guanxi.db"), src.ring))
}

// TestBackupNeedsKeyFile: no backup is written without the key file, and
// the refusal names it.
func TestBackupNeedsKeyFile(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "live")
	newBackupSource(t, filepath.Join(data, "guanxi.db"), filepath.Join(root, "elsewhere.key"))
	dir := filepath.Join(root, "b")
	err := run(context.Background(), []string{"backup", "--data", data, "--dir", dir}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(data, "guanxi.key")) {
		t.Fatalf("backup without the key file: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Fatalf("a refused backup wrote %v", left)
	}
}

func copyKey(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func checkSameBytes(t *testing.T, got, want string) {
	t.Helper()
	a, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(want)
	if !bytes.Equal(a, b) {
		t.Fatalf("%s differs from %s", got, want)
	}
	if fi, _ := os.Stat(got); fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("%s has mode %v", got, fi.Mode())
	}
}

// flipByte is b with one bit of byte i changed.
func flipByte(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x10
	return c
}
