package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
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

// TestKeysRotateResealsCopies: a rotation re-seals the sealed copies too
// (an import's stored file, its rejected rows and undo images, an export
// file, a merge snapshot), so the old key leaves the key file at once; with
// only the new key, every copy still opens through the product's own
// paths: the rejected rows, the stored file, the undo, the export download
// and the subject access export that quotes the snapshot.
func TestKeysRotateResealsCopies(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			data := t.TempDir()
			c := config{Data: data, SyncNormal: true}
			flags := []string{"--data", data}
			if engine == "postgres" {
				c.DB = sqltest.PostgresDSN(t) // skips or fails without a server
				flags = append(flags, "--db", c.DB)
			}
			cmd := func(args ...string) string {
				t.Helper()
				var out bytes.Buffer
				if err := run(ctx, append(args, flags...), env(nil), nil, &out, io.Discard); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, out.String())
				}
				return out.String()
			}
			s, a, err := openApp(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Staff.Bootstrap(ctx, "admin", "Guanxi-Test-2026x"); err != nil {
				t.Fatal(err)
			}
			admin, err := importActor(ctx, a, "")
			if err != nil {
				t.Fatal(err)
			}
			// 张三 is updated by the import (an undo image), 李四 rejected;
			// 王五 is merged into 赵六 (a snapshot quoting 王五's ID number).
			var ids []string
			var made []customer.Customer
			for i, name := range []string{"张三", "赵六", "王五"} {
				first17 := fmt.Sprintf("110105194912310%02d", 40+i)
				ids = append(ids, first17+string(customer.ResidentCheckDigit(first17)))
				cu := customer.Customer{Kind: customer.Person, Name: name, Mobile: fmt.Sprintf("1370013700%d", i), IDType: customer.IDResident,
					IDNumber: ids[i], OwnerID: admin.UserID, Stage: customer.StageCustomer, Market: customer.MarketPersonal}
				if err := a.Customers.Create(ctx, admin, &cu); err != nil {
					t.Fatal(err)
				}
				made = append(made, cu)
			}
			if _, err := a.Customers.Merge(ctx, admin, customer.MergeRequest{SurvivorID: made[1].ID, SurvivorVersion: made[1].Version,
				MergedID: made[2].ID, MergedVersion: made[2].Version}); err != nil {
				t.Fatal(err)
			}
			job, err := a.Exports.Queue(ctx, admin, bulk.ExportRequest{Kind: bulk.ExportCustomers, Format: bulk.FormatCSV, Lang: "en"})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Exports.Run(ctx, time.Now()); err != nil {
				t.Fatal(err)
			}
			download := func(a *app.App) []byte {
				t.Helper()
				var buf bytes.Buffer
				if err := a.Exports.Download(ctx, admin, job.ID, func(bulk.ExportJob) (io.Writer, error) { return &buf, nil }); err != nil {
					t.Fatal(err)
				}
				return buf.Bytes()
			}
			exported := download(a)
			if !strings.Contains(string(exported), "赵六") {
				t.Fatalf("export file: %q", exported)
			}
			s.Close()
			file := filepath.Join(data, "customers.csv")
			if err := os.WriteFile(file, []byte("客户名称,手机号码\n张三丰,13700137000\n李四,12345\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if out := cmd("import", "customers", file, "--lang", "en", "--mode", "upsert", "--key", "phone"); !strings.Contains(out, "1 updated") {
				t.Fatalf("import: %s", out)
			}

			out := cmd("keys", "rotate", "--grace", "10ms")
			if !strings.Contains(out, "retired keys [1]") || strings.Contains(out, "kept") {
				t.Fatalf("rotate: %s", out)
			}
			ring, err := fieldcrypt.Load(c.keyPath())
			if err != nil || !slices.Equal(ring.IDs(), []uint32{2}) || ring.Primary() != 2 {
				t.Fatalf("key file after rotation: %v primary %d, %v", ring.IDs(), ring.Primary(), err)
			}
			out = cmd("keys", "status")
			for _, col := range []string{"import_files.data", "import_problems.cells", "import_changes.before_image", "export_chunks.data", "customer_merges.snapshot"} {
				if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(col) + `: key 2: [1-9]`).MatchString(out) {
					t.Errorf("status lacks the copies of %s under key 2:\n%s", col, out)
				}
			}
			if strings.Contains(out, "key 1:") {
				t.Errorf("status after rotation still names key 1:\n%s", out)
			}

			s, a, err = openApp(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var imID guanxi.ID
			if err := s.DB().QueryRow("SELECT MAX(id) FROM imports").Scan(&imID); err != nil {
				t.Fatal(err)
			}
			rows, _, err := a.Imports.Problems(ctx, admin, imID, 10)
			if err != nil || len(rows) != 1 || !slices.Contains(rows[0].Cells, "12345") {
				t.Fatalf("rejected row after rotation: %+v %v", rows, err)
			}
			chunk, err := s.ImportChunk(ctx, imID, 0)
			if err != nil || !strings.Contains(string(chunk), "李四,12345") {
				t.Fatalf("stored import file after rotation: %q %v", chunk, err)
			}
			if got := download(a); !bytes.Equal(got, exported) {
				t.Fatalf("export file after rotation: %d bytes, want %d", len(got), len(exported))
			}
			if un, err := a.Imports.Undo(ctx, admin, imID); err != nil || un.Status != bulk.StatusUndone {
				t.Fatalf("undo after rotation: %+v %v", un, err)
			}
			if got, err := a.Customers.Get(ctx, admin, made[0].ID); err != nil || got.Name != "张三" || got.IDNumber != ids[0] {
				t.Fatalf("restored from the undo image: %q %q %v", got.Name, got.IDNumber, err)
			}
			survivor, err := a.Customers.Get(ctx, admin, made[1].ID)
			if err != nil {
				t.Fatal(err)
			}
			dsar := filepath.Join(data, "dsar.json")
			cmd("privacy", "export", "--customer", survivor.Number, "--format", "json", "--out", dsar)
			doc, err := os.ReadFile(dsar)
			if err != nil || !strings.Contains(string(doc), ids[2]) || strings.Contains(string(doc), "gx1:") {
				t.Fatalf("the merge snapshot in the subject's export: %v (has 王五's ID number: %v)", err, strings.Contains(string(doc), ids[2]))
			}
		})
	}
}
