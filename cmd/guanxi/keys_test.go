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

// dataKeys loads the key file the binary made in the data folder, for a
// test that opens the folder's database itself.
func dataKeys(t *testing.T, data string) *fieldcrypt.Ring {
	t.Helper()
	r, err := fieldcrypt.Load(filepath.Join(data, "guanxi.key"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestKeysCommand: the first start makes the key file (mode 0600); a
// database is refused with another key file and the stray file it would
// have made is removed; `keys rotate` re-seals under a new key, audits it
// and drops the old key; `keys status` reports it.
func TestKeysCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	if err := run(ctx, []string{"demo", "--customers", "50", "--data", data}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(data, "guanxi.key")
	st, err := os.Stat(keyFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	// The database is useless to someone who copied it without the key.
	moved := filepath.Join(t.TempDir(), "elsewhere.key")
	if err := os.Rename(keyFile, moved); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"migrate", "--data", data}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "key file") {
		t.Fatalf("start without the key file: %v", err)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Fatalf("a stray key file was left behind: %v", err)
	}
	// --key-file names it where it is.
	var out bytes.Buffer
	if err := run(ctx, []string{"keys", "status", "--data", data, "--key-file", moved}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "customers.id_number: key 1: ") {
		t.Fatalf("status: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"keys", "rotate", "--grace", "10ms", "--data", data, "--key-file", moved}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "retired keys [1]") {
		t.Fatalf("rotate: %s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"keys", "status", "--data", data, "--key-file", moved}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "data keys [2], primary 2") || strings.Contains(out.String(), "key 1:") {
		t.Fatalf("status after rotation: %s", out.String())
	}
	r, err := fieldcrypt.Load(moved)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(ctx, filepath.Join(data, "guanxi.db"), sqlstore.Options{Keys: r})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'key.rotate'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("key.rotate audit rows: %d %v", n, err)
	}
}

// TestKeysRotateKeepsKeysOfCopies: an import's stored file and rejected
// rows stay sealed under the key of their day (they are not re-sealed), so
// a rotation keeps that key in the key file and they still open.
func TestKeysRotateKeepsKeysOfCopies(t *testing.T) {
	ctx := context.Background()
	data := bootstrapData(t)
	file := filepath.Join(data, "customers.csv")
	if err := os.WriteFile(file, []byte("客户名称,手机号码\n张三,13700137000\n李四,12345\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"import", "customers", file, "--data", data, "--lang", "en"}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"keys", "rotate", "--grace", "10ms", "--data", data}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "retired keys []") || !strings.Contains(out.String(), "keys [1] kept") {
		t.Fatalf("rotate: %s", out.String())
	}
	r := dataKeys(t, data)
	if ids := r.IDs(); len(ids) != 2 || r.Primary() != 2 {
		t.Fatalf("key file after rotation: %v primary %d", ids, r.Primary())
	}
	s, err := sqlstore.Open(ctx, filepath.Join(data, "guanxi.db"), sqlstore.Options{Keys: r})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var cells string
	if err := s.DB().QueryRow("SELECT cells FROM import_problems").Scan(&cells); err != nil {
		t.Fatal(err)
	}
	if plain, err := r.Open(cells, "import_problems.cells"); err != nil || !strings.Contains(plain, "12345") {
		t.Fatalf("rejected row after rotation: %q %v", plain, err)
	}
}
