package sqlstore_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// TestDamagedDatabaseRefused is TESTPLAN F4: a truncated file, a page
// overwritten with garbage, or a file that is not a database is refused at
// open with a message that names the problem and the restore command, and
// nothing is served from it.
func TestDamagedDatabaseRefused(t *testing.T) {
	ctx := context.Background()
	fresh := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "guanxi.db")
		s, err := sqlstore.Open(ctx, path, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// A healthy file opens.
		s, err = sqlstore.Open(ctx, path, sqlstore.Options{})
		if err != nil {
			t.Fatalf("healthy database refused: %v", err)
		}
		s.Close()
		return path
	}
	refused := func(t *testing.T, path, want string) {
		t.Helper()
		s, err := sqlstore.Open(ctx, path, sqlstore.Options{})
		if err == nil {
			s.Close()
			t.Fatal("a damaged database opened")
		}
		for _, w := range []string{want, "guanxi restore", "damaged"} {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q does not say %q", err, w)
			}
		}
	}
	t.Run("truncated", func(t *testing.T) {
		path := fresh(t)
		fi, _ := os.Stat(path)
		if err := os.Truncate(path, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
		refused(t, path, "truncated")
	})
	// A crash inside a checkpoint can leave the file shorter than its
	// header with every page still in the WAL: that is left to SQLite's
	// recovery, and a truncated file with a WAL that does not hold the
	// missing pages is still refused once recovery has read it.
	t.Run("truncated beside a WAL", func(t *testing.T) {
		path := fresh(t)
		fi, _ := os.Stat(path)
		if err := os.Truncate(path, fi.Size()/2); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+"-wal", make([]byte, 4096), 0o600); err != nil {
			t.Fatal(err)
		}
		refused(t, path, "malformed")
	})
	t.Run("garbage page", func(t *testing.T) {
		path := fresh(t)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		junk := make([]byte, 4096)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range junk {
			junk[i] = byte(rng.IntN(256))
		}
		// Page 2 is the root page of the first table the migrations made.
		if _, err := f.WriteAt(junk, 4096); err != nil {
			t.Fatal(err)
		}
		f.Close()
		refused(t, path, "quick_check")
	})
	t.Run("not a database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "guanxi.db")
		os.WriteFile(path, []byte(strings.Repeat("客户名称,手机号\n", 100)), 0o600)
		refused(t, path, "not a SQLite database")
	})
}
