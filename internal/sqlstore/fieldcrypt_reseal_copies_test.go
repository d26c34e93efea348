package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// sealedCopies is what the test stored in the five sealed copy columns, to
// compare with what the store reads back.
type sealedCopies struct {
	admin    guanxi.Actor
	importID guanxi.ID
	file     [][]byte // import_files chunks, in order
	exportID guanxi.ID
	export   []byte // export_chunks, joined
	cells    map[int][]string
	before   map[int64]string // import_changes.before_image by id; plaintext (legacy) too
	snapshot map[int64]string // customer_merges.snapshot by id
}

const (
	copyFileChunks = 10   // 1 MiB each: two batches under the 8 MiB bound
	copyProblems   = 1200 // three batches of 500
	copyBefore     = 3
)

// seedCopies stores each kind of sealed copy through its writer where the
// store has one (an uploaded file, rejected rows, an export file) and as
// the writer seals it otherwise (undo images, a merge snapshot).
func seedCopies(t *testing.T, s *sqlstore.Store) *sealedCopies {
	t.Helper()
	ctx := context.Background()
	f := seedStaff(t, s)
	c := &sealedCopies{admin: f.Admin, cells: map[int][]string{}, before: map[int64]string{}, snapshot: map[int64]string{}}
	for n := range copyFileChunks {
		line := []byte(fmt.Sprintf("客户%02d,%s\n", n, sealedTestID(n)))
		c.file = append(c.file, bytes.Repeat(line, (1<<20)/len(line)+1)[:1<<20])
	}
	im := bulk.Import{Entity: bulk.Customers, FileName: "客户.csv", FileSize: copyFileChunks << 20}
	next := 0
	err := s.CreateImport(ctx, f.Admin, &im, []string{"客户名称", "证件号码"}, func() ([]byte, error) {
		if next == len(c.file) {
			return nil, io.EOF
		}
		next++
		return c.file[next-1], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.importID = im.ID
	if _, err := s.QueueImport(ctx, f.Admin, im.ID, im.Version, bulk.Options{Entity: bulk.Customers}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, _, ok, err := s.ClaimImport(ctx, im.ID, "test", now, now.Add(time.Hour)); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	var rows []bulk.ProblemRow
	for line := 1; line <= copyProblems; line++ {
		c.cells[line] = []string{fmt.Sprintf("行%d", line), sealedTestID(1000 + line)}
		rows = append(rows, bulk.ProblemRow{Line: line, Cells: c.cells[line], Problems: []bulk.Problem{{Key: "import.job.problem.bad"}}})
	}
	if err := s.AddProblems(ctx, im.ID, "test", "error", rows); err != nil {
		t.Fatal(err)
	}
	job := bulk.ExportJob{Kind: bulk.ExportCustomers, Format: bulk.FormatCSV, Params: "{}", FileName: "导出.csv"}
	if err := s.CreateExport(ctx, f.Admin, &job); err != nil {
		t.Fatal(err)
	}
	claimed, ok, err := s.ClaimExport(ctx, now, now.Add(time.Hour), 3)
	if err != nil || !ok {
		t.Fatalf("claim export: %v %v", ok, err)
	}
	c.exportID = job.ID
	for seq := 1; seq <= 3; seq++ {
		chunk := bytes.Repeat([]byte(fmt.Sprintf("导出%d,%s\n", seq, sealedTestID(2000+seq))), 40000)
		if seq == 3 {
			chunk = []byte{} // an empty last chunk stays a value
		}
		c.export = append(c.export, chunk...)
		if err := s.AppendExportChunk(ctx, job.ID, claimed.Attempt, seq, chunk, int64(seq), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	ring := s.Keys()
	for i := range copyBefore {
		img := fmt.Sprintf(`{"name":"更新前%d","id_number":"%s"}`, i, sealedTestID(3000+i))
		stored := ring.Seal(img, "import_changes.before_image")
		if i == copyBefore-1 {
			stored = img // written before encryption at rest: stays as it is
		}
		var id int64
		if err := s.DB().QueryRowContext(ctx, rebindTest(s, `INSERT INTO import_changes (import_id, customer_id, object_type, object_id, action, before_image)
			VALUES (?, 1, 'customer', 1, 'update', ?) RETURNING id`), im.ID, stored).Scan(&id); err != nil {
			t.Fatal(err)
		}
		c.before[id] = img
	}
	survivor := newCustomer("合并后", "13700137999", f.Admin.UserID)
	if err := (&customer.Service{Store: s}).Create(ctx, f.Admin, survivor); err != nil {
		t.Fatal(err)
	}
	snap := fmt.Sprintf(`{"name":"被合并","id_number":"%s"}`, sealedTestID(4000))
	var mid int64
	if err := s.DB().QueryRowContext(ctx, rebindTest(s, `INSERT INTO customer_merges (survivor_id, merged_into, merged_id, merged_number, merged_name, snapshot, at)
		VALUES (?, ?, 999, 'C999', '被合并', ?, ?) RETURNING id`), survivor.ID, survivor.ID, ring.Seal(snap, "customer_merges.snapshot"), now.UTC()).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	c.snapshot[mid] = snap
	return c
}

func rebindTest(s *sqlstore.Store, q string) string {
	if s.Dialect() != sqlstore.Postgres {
		return q
	}
	var b []byte
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b = fmt.Appendf(b, "$%d", n)
			continue
		}
		b = append(b, q[i])
	}
	return string(b)
}

// check reads every copy back through the store's own readers (and opens
// the undo images and the snapshot with their column names).
func (c *sealedCopies) check(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	for n, want := range c.file {
		got, err := s.ImportChunk(ctx, c.importID, n)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("import file chunk %d: %d bytes, %v", n, len(got), err)
		}
	}
	var export []byte
	if err := s.ExportChunks(ctx, c.exportID, func(b []byte) error { export = append(export, b...); return nil }); err != nil || !bytes.Equal(export, c.export) {
		t.Fatalf("export file: %d of %d bytes, %v", len(export), len(c.export), err)
	}
	seen := 0
	for after := 0; ; {
		page, err := s.ImportProblems(ctx, c.admin, c.importID, after, 200)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, p := range page {
			if !slices.Equal(p.Cells, c.cells[p.Line]) {
				t.Fatalf("rejected row %d: %q, want %q", p.Line, p.Cells, c.cells[p.Line])
			}
			seen++
			after = p.Line
		}
	}
	if seen != len(c.cells) {
		t.Fatalf("%d rejected rows, want %d", seen, len(c.cells))
	}
	for _, col := range []struct {
		table, col string
		want       map[int64]string
	}{{"import_changes", "before_image", c.before}, {"customer_merges", "snapshot", c.snapshot}} {
		for id, plain := range col.want {
			var v string
			q := fmt.Sprintf("SELECT %s FROM %s WHERE id = %d", col.col, col.table, id)
			if err := s.DB().QueryRowContext(ctx, q).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Keys().Open(v, col.table+"."+col.col); err != nil || got != plain {
				t.Fatalf("%s.%s %d: %q %v", col.table, col.col, id, got, err)
			}
		}
	}
}

// copyCounts are SealedCounts of the five copy columns.
func copyCounts(t *testing.T, s *sqlstore.Store) map[string]map[uint32]int {
	t.Helper()
	all, err := s.SealedCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[uint32]int{}
	for _, col := range []string{"import_files.data", "export_chunks.data", "import_problems.cells", "import_changes.before_image", "customer_merges.snapshot"} {
		m, ok := all[col]
		if !ok {
			t.Fatalf("SealedCounts lacks %s: %v", col, all)
		}
		out[col] = m
	}
	return out
}

// TestResealCopies: after a rotation the sealed copies (an uploaded file,
// rejected rows, undo images, an export file, a merge snapshot) are
// re-sealed under the new key in bounded batches. An interrupted run
// leaves every value whole and a rerun continues; a value changed between
// the read and the write of its batch keeps the change (compare-and-swap),
// also beside a writer that keeps rewriting rows under the old key; in the
// end no value names the old key, it is dropped, and a store opened with
// the rotated key file reads every copy.
func TestResealCopies(t *testing.T) {
	var keyPath string
	sqltest.EachWith(t, fileKeys(&keyPath), func(t *testing.T, s *sqlstore.Store, dsn string) {
		ctx := context.Background()
		c := seedCopies(t, s)
		// A server that has not read the rotated key file yet keeps sealing
		// under key 1: this ring is a copy of the file before the rotation.
		oldFile := filepath.Join(t.TempDir(), "old.key")
		if b, err := os.ReadFile(keyPath); err != nil || os.WriteFile(oldFile, b, 0o600) != nil {
			t.Fatal(err)
		}
		oldRing, err := fieldcrypt.Load(oldFile)
		if err != nil {
			t.Fatal(err)
		}
		primary, err := fieldcrypt.AddPrimary(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		s.Keys().Reload()
		if err := s.CheckKeys(ctx); err != nil {
			t.Fatal(err)
		}

		// Interrupted in the import file's second batch: the first batch
		// (7 chunks of 1 MiB under the 8 MiB bound) is committed, nothing
		// else is touched, and every value still opens.
		cctx, cancel := context.WithCancel(ctx)
		fileBatches := 0
		_, err = s.ResealCopiesWith(cctx, func(col string) {
			if col == "import_files.data" {
				if fileBatches++; fileBatches == 2 {
					cancel()
				}
			}
		})
		cancel()
		if err == nil || fileBatches != 2 {
			t.Fatalf("interrupted run: %v after %d batches of the import file", err, fileBatches)
		}
		counts := copyCounts(t, s)
		if m := counts["import_files.data"]; m[primary] != 7 || m[1] != 3 {
			t.Fatalf("import file after the interruption: %v", m)
		}
		if m := counts["import_problems.cells"]; m[1] != copyProblems {
			t.Fatalf("rejected rows re-sealed by an interrupted run: %v", m)
		}
		c.check(t, s)

		// The rerun continues. Between the read and the write of the first
		// batch of rejected rows, another writer changes line 1 (still
		// under key 1) and deletes line 2: neither is overwritten.
		changed := false
		n, err := s.ResealCopiesWith(ctx, func(col string) {
			if col != "import_problems.cells" || changed {
				return
			}
			changed = true
			c.cells[1] = []string{"改过", sealedTestID(9001)}
			cells, _ := json.Marshal(c.cells[1])
			execTest(t, s, fmt.Sprintf("UPDATE import_problems SET cells = '%s' WHERE import_id = %d AND line = 1", oldRing.Seal(string(cells), "import_problems.cells"), c.importID))
			execTest(t, s, fmt.Sprintf("DELETE FROM import_problems WHERE import_id = %d AND line = 2", c.importID))
			delete(c.cells, 2)
		})
		// 3 file chunks, 3 export chunks (one empty), the rejected rows but
		// lines 1 and 2, the sealed undo images (not the plaintext one) and
		// the snapshot.
		if want := 3 + 3 + copyProblems - 2 + copyBefore - 1 + 1; err != nil || n != want {
			t.Fatalf("rerun: %d re-sealed, want %d: %v", n, want, err)
		}
		counts = copyCounts(t, s)
		if m := counts["import_problems.cells"]; m[1] != 1 || m[primary] != copyProblems-2 {
			t.Fatalf("rejected rows after a concurrent change: %v", m)
		}
		if m := counts["import_changes.before_image"]; m[0] != 1 || m[primary] != copyBefore-1 {
			t.Fatalf("undo images: %v (the plaintext one stays plaintext)", m)
		}
		c.check(t, s)

		// Beside a live writer that keeps rewriting lines 3–42, half the
		// time under the old key: no write of its is lost.
		stop, started := make(chan struct{}), make(chan struct{})
		var once sync.Once
		last := map[int][]string{}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer once.Do(func() { close(started) })
			for round := 0; ; round++ {
				select {
				case <-stop:
					return
				default:
				}
				ring := s.Keys()
				if round%2 == 0 {
					ring = oldRing
				}
				for line := 3; line <= 42; line++ {
					last[line] = []string{fmt.Sprintf("第%d轮", round), sealedTestID(line)}
					cells, _ := json.Marshal(last[line])
					if _, err := s.DB().ExecContext(ctx, fmt.Sprintf("UPDATE import_problems SET cells = '%s' WHERE import_id = %d AND line = %d",
						ring.Seal(string(cells), "import_problems.cells"), c.importID, line)); err != nil {
						t.Error(err)
						return
					}
				}
				once.Do(func() { close(started) })
			}
		}()
		<-started
		if _, err := s.Reseal(ctx); err != nil {
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
		for line, cells := range last {
			c.cells[line] = cells
		}
		// A last pass once the writer is gone, then nothing is left to do.
		if _, err := s.Reseal(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Reseal(ctx); err != nil || n != 0 {
			t.Fatalf("a pass with nothing left re-sealed %d: %v", n, err)
		}
		for col, m := range copyCounts(t, s) {
			for id, k := range m {
				if id != primary && id != 0 && k > 0 {
					t.Fatalf("%s: %d values still under key %d", col, k, id)
				}
			}
		}
		c.check(t, s)

		// Key 1 leaves the key file; a fresh start reads every copy.
		if err := fieldcrypt.DropKeys(keyPath, []uint32{1}); err != nil {
			t.Fatal(err)
		}
		if err := s.ForgetKeys(ctx, []uint32{1}); err != nil {
			t.Fatal(err)
		}
		r, err := fieldcrypt.Load(keyPath)
		if err != nil || !slices.Equal(r.IDs(), []uint32{primary}) {
			t.Fatalf("rotated key file: %v %v", r.IDs(), err)
		}
		s2, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Keys: r})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if _, err := s2.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		c.check(t, s2)
	})
}

func execTest(t *testing.T, s *sqlstore.Store, q string) {
	t.Helper()
	if _, err := s.DB().Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
