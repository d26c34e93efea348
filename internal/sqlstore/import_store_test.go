package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/search"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

func importCount(t testing.TB, s *sqlstore.Store, q string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// runImport uploads, starts and runs one import to its end.
func runImport(t *testing.T, imp *bulk.Importer, a guanxi.Actor, name, body string, o bulk.Options) bulk.Import {
	t.Helper()
	ctx := context.Background()
	up, err := imp.Upload(ctx, a, name, strings.NewReader(body))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if _, err := imp.Start(ctx, a, up.ID, up.Version, o); err != nil {
		t.Fatalf("start: %v", err)
	}
	im, err := imp.RunOne(ctx, up.ID)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return im
}

func TestImportCustomersUpsertReportUndo(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &customer.Service{Store: s, Pinyin: search.Spell}
		old := newCustomer("张三", "13800138000", f.AgentA1.UserID)
		if err := svc.Create(ctx, f.ManagerA, old); err != nil {
			t.Fatal(err)
		}
		hidden := newCustomer("王五", "13900139000", f.AgentB.UserID)
		if err := svc.Create(ctx, f.Admin, hidden); err != nil {
			t.Fatal(err)
		}
		imp := &bulk.Importer{Store: s, Batch: 2}
		csv := "客户名称,手机,生日,标签\n" +
			"李四,13700137000,2026-1-5,新客\n" + // created
			"张三丰,13800138000,,\n" + // updates 张三
			"王五,13900139000,,\n" + // someone else's customer: out of scope
			"赵六,abc,,\n" + // bad phone
			"李四二,13700137000,,\n" + // repeats line 2: skipped
			"钱七,,1990年3月4日,\n" // no key: created
		im := runImport(t, imp, f.ManagerA, "客户.csv", csv, bulk.Options{Mode: bulk.ModeUpsert, Key: bulk.KeyMobile})
		if im.Status != bulk.StatusDone || im.RowsTotal != 6 || im.RowsDone != 6 || im.Created != 2 || im.Updated != 1 ||
			im.Skipped != 1 || im.Bad != 2 {
			t.Fatalf("import %+v", im)
		}
		// Searchable by name and phone, owned by the importer.
		for _, q := range []string{"李四", "13700137000", "qianqi"} {
			page, err := svc.List(ctx, f.ManagerA, customer.ListQuery{Q: q})
			if err != nil || len(page.Items) != 1 || page.Items[0].OwnerID != f.ManagerA.UserID {
				t.Fatalf("search %q: %+v %v", q, page.Items, err)
			}
		}
		got, err := svc.Get(ctx, f.ManagerA, old.ID)
		if err != nil || got.Name != "张三丰" || got.Version != 2 || got.OwnerID != f.AgentA1.UserID {
			t.Fatalf("updated: %+v %v", got, err)
		}
		hist, err := s.History(ctx, f.ManagerA, old.ID, 10)
		if err != nil || len(hist) == 0 || hist[0].ObjectType != "import" || hist[0].Action != "update" {
			t.Fatalf("history: %+v %v", hist, err)
		}
		// The report lists the bad and skipped rows with their cells.
		rows, header, err := imp.Problems(ctx, f.ManagerA, im.ID, 100)
		if err != nil || len(rows) != 3 || len(header) != 4 || rows[0].Line != 4 || rows[0].Cells[0] != "王五" ||
			rows[1].Line != 5 || rows[2].Line != 6 {
			t.Fatalf("problems %+v %v %v", rows, header, err)
		}
		if rows[0].Problems[0].Key != "import.job.problem.out_of_scope" || rows[2].Problems[0].Key != "import.job.problem.duplicate_in_file" {
			t.Fatalf("problem keys %+v", rows)
		}
		var buf bytes.Buffer
		if err := imp.Report(ctx, f.ManagerA, im.ID, bulk.FormatCSV, &buf, func(k string, _ map[string]any) string { return k }); err != nil ||
			!strings.Contains(buf.String(), "赵六") || !strings.Contains(buf.String(), "李四二") {
			t.Fatalf("report %q %v", buf.String(), err)
		}
		// Others do not see it; a manager may not undo.
		if _, err := imp.Get(ctx, f.AgentA1, im.ID); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent get: %v", err)
		}
		if _, err := imp.Undo(ctx, f.ManagerA, im.ID); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("manager undo: %v", err)
		}
		if auditRows(t, s, "import_start") != 1 || auditRows(t, s, "import_finish") != 1 {
			t.Fatal("import audit rows")
		}
		un, err := imp.Undo(ctx, f.Admin, im.ID)
		if err != nil || un.Status != bulk.StatusUndone {
			t.Fatalf("undo: %+v %v", un, err)
		}
		_, meta, err := imp.Status(ctx, f.Admin, im.ID)
		if err != nil || meta.Removed != 2 || meta.Restored != 1 || meta.Kept != 0 {
			t.Fatalf("undo counts %+v %v", meta, err)
		}
		got, err = svc.Get(ctx, f.ManagerA, old.ID)
		if err != nil || got.Name != "张三" || len(got.Tags) != 1 {
			t.Fatalf("restored: %+v %v", got, err)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM customers"); n != 2 {
			t.Fatalf("%d customers after undo", n)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM customer_tokens WHERE token = 'n:李'"); n != 0 {
			t.Fatalf("%d tokens of removed customers", n)
		}
		if page, err := svc.List(ctx, f.ManagerA, customer.ListQuery{Q: "张三"}); err != nil || len(page.Items) != 1 {
			t.Fatalf("search restored: %+v %v", page.Items, err)
		}
		if auditRows(t, s, "import_undo") != 1 {
			t.Fatal("undo audit row")
		}
	})
}

func TestImportAbortAndCancel(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		imp := &bulk.Importer{Store: s, Batch: 2}
		csv := "姓名,手机号\n甲,13700000001\n乙,bad\n丙,13700000003\n"
		im := runImport(t, imp, f.Admin, "a.csv", csv, bulk.Options{OnError: bulk.ErrorsAbort})
		if im.Status != bulk.StatusFailed || im.ErrorKey != "import.job.error.bad_rows" || im.Bad != 1 {
			t.Fatalf("abort %+v", im)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM customers"); n != 0 {
			t.Fatalf("abort wrote %d customers", n)
		}
		// A queued import is cancelled at once; it never runs.
		up, err := imp.Upload(ctx, f.Admin, "b.csv", strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := imp.Start(ctx, f.Admin, up.ID, up.Version+1, bulk.Options{}); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale start: %v", err)
		}
		if _, err := imp.Start(ctx, f.Admin, up.ID, up.Version, bulk.Options{}); err != nil {
			t.Fatal(err)
		}
		c, err := imp.Cancel(ctx, f.Admin, up.ID)
		if err != nil || c.Status != bulk.StatusCancelled {
			t.Fatalf("cancel %+v %v", c, err)
		}
		if err := imp.RunPending(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM customers"); n != 0 {
			t.Fatalf("cancelled import wrote %d customers", n)
		}
		// Bad input is refused at upload and stores nothing.
		for _, body := range []string{"", "\x00\x01\x02\x03binary\x00\x00"} {
			if _, err := imp.Upload(ctx, f.Admin, "x.csv", strings.NewReader(body)); guanxi.KindOf(err) != guanxi.KindInvalid {
				t.Fatalf("upload %q: %v", body, err)
			}
		}
		small := &bulk.Importer{Store: s, MaxFileSize: 10}
		if _, err := small.Upload(ctx, f.Admin, "x.csv", strings.NewReader(csv)); guanxi.AsError(err).Key != "import.job.file_too_large" {
			t.Fatalf("too large: %v", err)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM imports"); n != 2 {
			t.Fatalf("%d imports stored", n)
		}
	})
}

// BenchmarkImportCustomers runs the real import path (upload, both passes,
// all production indexes and the search index) over 100k generated rows
// per iteration into a fresh database, and reports rows/s.
func BenchmarkImportCustomers(b *testing.B) {
	const rows = 100000
	var sb strings.Builder
	sb.WriteString("客户名称,手机,证件号码,生日,地址,标签\n")
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英")
	for i := range rows {
		name := string(surnames[i%len(surnames)]) + string(given[(i/7)%len(given)]) + string(given[(i/3)%len(given)])
		id := residentID(fmt.Sprintf("1101051980%02d%02d%03d", 1+i%12, 1+i%28, i%1000))
		if i%1000 != i%997 { // mostly unique ID numbers; collisions are reported rows
			id = ""
		}
		fmt.Fprintf(&sb, "%s,1%d%09d,%s,19%02d-%d-%d,甘肃省兰州市城关区%d号,客户%d\n", name, 3+i%7, i, id, 50+i%50, 1+i%12, 1+i%28, i, i%5)
	}
	body := sb.String()
	for _, e := range sqltest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s := e.Open(b)
				f := seedStaff(b, s)
				imp := &bulk.Importer{Store: s}
				b.StartTimer()
				ctx := context.Background()
				up, err := imp.Upload(ctx, f.Admin, "bench.csv", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := imp.Start(ctx, f.Admin, up.ID, up.Version, bulk.Options{Key: bulk.KeyMobile}); err != nil {
					b.Fatal(err)
				}
				im, err := imp.RunOne(ctx, up.ID)
				if err != nil || im.Status != bulk.StatusDone || im.Created+im.Bad+im.Skipped != rows {
					b.Fatalf("%+v %v", im, err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func TestImportChildrenReviewAndCancelRunning(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &customer.Service{Store: s, Pinyin: search.Spell}
		mine := newCustomer("张三", "13800138000", f.AgentA1.UserID)
		if err := svc.Create(ctx, f.ManagerA, mine); err != nil {
			t.Fatal(err)
		}
		other := newCustomer("王五", "13900139000", f.AgentB.UserID)
		if err := svc.Create(ctx, f.Admin, other); err != nil {
			t.Fatal(err)
		}
		imp := &bulk.Importer{Store: s, Batch: 2}

		// Holdings link to customers in scope by phone; others are problems.
		csv := "客户手机,资产类型,产品名称,贷款余额\n13800138000,loan,经营贷,12.5万元\n13900139000,loan,房贷,1000\n13600000000,loan,车贷,1\n"
		im := runImport(t, imp, f.ManagerA, "h.csv", csv, bulk.Options{Entity: bulk.Holdings, Key: bulk.KeyMobile})
		if im.Status != bulk.StatusDone || im.Created != 1 || im.Bad != 2 {
			t.Fatalf("holdings import %+v", im)
		}
		hs, err := svc.Holdings(ctx, f.AgentA1, mine.ID)
		if err != nil || len(hs) != 1 || hs[0].Name != "经营贷" || hs[0].BalanceMinor != 12500000 {
			t.Fatalf("holdings %+v %v", hs, err)
		}
		rows, _, err := imp.Problems(ctx, f.ManagerA, im.ID, 10)
		if err != nil || len(rows) != 2 || rows[0].Problems[0].Key != "import.job.problem.no_customer" ||
			rows[1].Problems[0].Key != "import.job.problem.no_customer" {
			t.Fatalf("holding problems %+v %v", rows, err)
		}
		if _, err := imp.Undo(ctx, f.Admin, im.ID); err != nil {
			t.Fatal(err)
		}
		if hs, _ := svc.Holdings(ctx, f.AgentA1, mine.ID); len(hs) != 0 {
			t.Fatalf("holding kept after undo: %+v", hs)
		}

		// Review: a row whose phone exists is created beside it without the
		// phone and queued for merge review.
		csv = "姓名,手机,地址\n张三,13800138000,新地址\n"
		im = runImport(t, imp, f.ManagerA, "r.csv", csv, bulk.Options{Key: bulk.KeyMobile, OnDuplicate: bulk.DupReview})
		if im.Status != bulk.StatusDone || im.Review != 1 || im.Created != 0 {
			t.Fatalf("review import %+v", im)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM customer_duplicates WHERE source = 'import' AND reason = 'import'"); n != 1 {
			t.Fatalf("%d review pairs", n)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM customers WHERE name = '张三' AND mobile = '' AND address = '新地址'"); n != 1 {
			t.Fatalf("review customer not created: %d", n)
		}

		// Cancel while running: the runner stops at its next batch and
		// rolls back what it wrote.
		before := importCount(t, s, "SELECT COUNT(*) FROM customers")
		var b strings.Builder
		b.WriteString("姓名,手机\n")
		for i := range 400 {
			fmt.Fprintf(&b, "客户%d,1350000%04d\n", i, i)
		}
		slow := &bulk.Importer{Store: s, Batch: 1}
		up, err := slow.Upload(ctx, f.Admin, "c.csv", strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := slow.Start(ctx, f.Admin, up.ID, up.Version, bulk.Options{}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := slow.RunOne(ctx, up.ID); done <- err }()
		for {
			cur, err := slow.Get(ctx, f.Admin, up.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Created > 0 {
				break
			}
			if cur.Status == bulk.StatusDone {
				t.Fatal("import finished before it could be cancelled")
			}
			time.Sleep(time.Millisecond)
		}
		if _, err := slow.Cancel(ctx, f.Admin, up.ID); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		cur, meta, err := slow.Status(ctx, f.Admin, up.ID)
		if err != nil || cur.Status != bulk.StatusCancelled || meta.Removed == 0 || meta.Removed != cur.Created {
			t.Fatalf("cancelled %+v %+v %v", cur, meta, err)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM customers"); n != before {
			t.Fatalf("%d customers after cancel, want %d", n, before)
		}
	})
}

// TestImportLease: a live lease keeps other runners off an import; an
// expired one (its runner died) lets the next runner take it over.
func TestImportLease(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		imp := &bulk.Importer{Store: s, Owner: "b"}
		up, err := imp.Upload(ctx, f.Admin, "l.csv", strings.NewReader("姓名,手机\n甲,13700000001\n乙,13700000002\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := imp.Start(ctx, f.Admin, up.ID, up.Version, bulk.Options{}); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if _, _, ok, err := s.ClaimImport(ctx, up.ID, "a", now, now.Add(time.Hour)); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if _, err := imp.RunOne(ctx, up.ID); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("second runner: %v", err)
		}
		if err := imp.RunPending(ctx, now); err != nil {
			t.Fatal(err)
		}
		if n := importCount(t, s, "SELECT COUNT(*) FROM customers"); n != 0 {
			t.Fatalf("a runner without the lease wrote %d customers", n)
		}
		// Runner a "dies"; once its lease is over, b takes the import.
		if err := imp.RunPending(ctx, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		im, err := imp.Get(ctx, f.Admin, up.ID)
		if err != nil || im.Status != bulk.StatusDone || im.Created != 2 {
			t.Fatalf("taken over: %+v %v", im, err)
		}
	})
}
