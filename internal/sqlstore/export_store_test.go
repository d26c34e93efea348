package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// exportFixture is the staff fixture with customers whose names would run
// as formulas: four owned by agent_a1 (branch A), one by agent_b.
type exportFixture struct {
	staffFixture
	ex    *bulk.Exporter
	clock *time.Time
}

func seedExport(t *testing.T, s *sqlstore.Store) exportFixture {
	t.Helper()
	ctx := context.Background()
	f := seedStaff(t, s)
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	svc := &customer.Service{Store: s}
	ex := bulk.NewExporter(s, svc, b)
	ex.Now = func() time.Time { return now }
	for i, c := range []struct{ name, mobile, id string }{
		{`=HYPERLINK("http://evil","点我")`, "13800138001", residentID("11010519491231002")},
		{"+1", "13800138002", ""},
		{"-2", "13800138003", ""},
		{"@x", "13800138004", ""},
	} {
		cu := newCustomer(c.name, c.mobile, f.AgentA1.UserID)
		if c.id != "" {
			cu.IDType, cu.IDNumber = customer.IDResident, c.id
		}
		if err := svc.Create(ctx, f.AgentA1, cu); err != nil {
			t.Fatalf("customer %d: %v", i, err)
		}
	}
	if err := svc.Create(ctx, f.AgentB, newCustomer("李四", "13900139000", f.AgentB.UserID)); err != nil {
		t.Fatal(err)
	}
	return exportFixture{staffFixture: f, ex: ex, clock: &now}
}

// export runs a direct export and returns the file.
func export(t *testing.T, ex *bulk.Exporter, a guanxi.Actor, req bulk.ExportRequest) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	job, err := ex.Export(context.Background(), a, req, func(name, ct string) (io.Writer, error) {
		if !strings.HasSuffix(name, "."+string(req.Format)) {
			t.Errorf("file name %q", name)
		}
		return &buf, nil
	})
	if err == nil && job != nil {
		t.Fatalf("small export queued as job %d", job.ID)
	}
	return buf.Bytes(), err
}

// table reads an export back as rows of text: CSV (after its BOM) or the
// first sheet of the .xlsx.
func table(t *testing.T, f bulk.Format, b []byte) [][]string {
	t.Helper()
	if f == bulk.FormatCSV {
		if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("CSV without BOM: %q", b[:min(len(b), 10)])
		}
		if !bytes.Contains(b, []byte("\r\n")) || bytes.Count(b, []byte("\n")) != bytes.Count(b, []byte("\r\n")) {
			t.Error("CSV lines do not end in CRLF")
		}
		rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// column returns the cells of the column headed h, by name (the first
// column holds numbers, the second names).
func column(t *testing.T, rows [][]string, h string) map[string]string {
	t.Helper()
	idx := -1
	for i, c := range rows[0] {
		if c == h {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("no column %q in %q", h, rows[0])
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		v := ""
		if idx < len(r) {
			v = r[idx]
		}
		out[r[1]] = v
	}
	return out
}

func auditDetail(t *testing.T, s *sqlstore.Store, action string) []map[string]any {
	t.Helper()
	es, err := s.ListAudit(context.Background(), audit.Filter{Action: action, ObjectType: "export", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range es {
		m := map[string]any{}
		if err := json.Unmarshal([]byte(e.Detail), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestExportScopeMaskingAndFormulas(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := seedExport(t, s)
		for _, format := range []bulk.Format{bulk.FormatCSV, bulk.FormatXLSX} {
			t.Run(string(format), func(t *testing.T) {
				b, err := export(t, f.ex, f.ManagerA, bulk.ExportRequest{Format: format, Lang: "zh-CN", Sort: "number"})
				if err != nil {
					t.Fatal(err)
				}
				rows := table(t, format, b)
				if rows[0][0] != "客户编号" || rows[0][1] != "名称" {
					t.Errorf("header %q", rows[0])
				}
				// Branch A's manager sees A's four customers, not B's.
				names := column(t, rows, "名称")
				want := []string{`'=HYPERLINK("http://evil","点我")`, "'+1", "'-2", "'@x"}
				if len(names) != len(want) {
					t.Fatalf("names %q, want %q", names, want)
				}
				for _, n := range want {
					if _, ok := names[n]; !ok {
						t.Errorf("name %q not exported defused: %q", n, names)
					}
				}
				mobiles := column(t, rows, "手机")
				if got := mobiles["'+1"]; got != "138****8002" {
					t.Errorf("mobile %q, want masked", got)
				}
				ids := column(t, rows, "证件号码")
				if got := ids[want[0]]; got == "" || strings.Contains(got, "0519491231") || !strings.Contains(got, "*") {
					t.Errorf("ID number %q, want masked", got)
				}
				if got := column(t, rows, "阶段")["'+1"]; got != "成交客户（C卡）" {
					t.Errorf("stage %q, want a label", got)
				}
			})
		}
		d := auditDetail(t, s, audit.ActionExport)
		if len(d) != 2 || d[0]["rows"] != float64(4) || d[1]["format"] != "csv" || d[0]["format"] != "xlsx" {
			t.Errorf("export audit %v", d)
		}
		// Agents may not export at all (no data.export).
		if _, err := export(t, f.ex, f.AgentA1, bulk.ExportRequest{Format: bulk.FormatCSV}); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Errorf("agent export: %v", err)
		}
		// The admin sees every customer.
		b, err := export(t, f.ex, f.Admin, bulk.ExportRequest{Format: bulk.FormatCSV, Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if rows := table(t, bulk.FormatCSV, b); len(rows) != 6 || rows[0][1] != "Name" {
			t.Errorf("admin export: %d rows, header %q", len(rows), rows[0])
		}
		// A search and a filter narrow the export exactly like the list.
		filter, _ := json.Marshal(map[string]any{"field": "owner_id", "op": "eq", "value": f.AgentB.UserID})
		b, err = export(t, f.ex, f.Admin, bulk.ExportRequest{Format: bulk.FormatCSV, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		if rows := table(t, bulk.FormatCSV, b); len(rows) != 2 || rows[1][1] != "李四" {
			t.Errorf("filtered export %q", rows)
		}
	})
}

func TestExportUnmasked(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		f := seedExport(t, s)
		req := bulk.ExportRequest{Format: bulk.FormatXLSX, Unmasked: true}
		if _, err := export(t, f.ex, f.ManagerA, req); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Errorf("unmasked without reason: %v", err)
		}
		req.Reason = "监管报送"
		// The auditor may export but reveal nothing.
		if _, err := export(t, f.ex, f.Auditor, req); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Errorf("unmasked without permission: %v", err)
		}
		if n := len(auditDetail(t, s, audit.ActionReveal)); n != 0 {
			t.Fatalf("%d reveals audited before any export", n)
		}
		b, err := export(t, f.ex, f.ManagerA, req)
		if err != nil {
			t.Fatal(err)
		}
		rows := table(t, bulk.FormatXLSX, b)
		if got := column(t, rows, "手机")["'+1"]; got != "13800138002" {
			t.Errorf("unmasked mobile %q", got)
		}
		if got := column(t, rows, "证件号码")[`'=HYPERLINK("http://evil","点我")`]; got != residentID("11010519491231002") {
			t.Errorf("unmasked ID %q", got)
		}
		d := auditDetail(t, s, audit.ActionReveal)
		if len(d) != 1 || d[0]["reason"] != "监管报送" || d[0]["rows"] != float64(4) || d[0]["bulk"] != true {
			t.Errorf("bulk reveal audit %v", d)
		}
	})
}

func TestExportBackground(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedExport(t, s)
		f.ex.Threshold = 2
		f.ex.ChunkSize = 512 // several chunks
		opened := false
		job, err := f.ex.Export(ctx, f.Admin, bulk.ExportRequest{Format: bulk.FormatXLSX}, func(string, string) (io.Writer, error) {
			opened = true
			return io.Discard, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if job == nil || opened || job.Status != bulk.ExportQueued {
			t.Fatalf("large export not queued: %+v opened=%v", job, opened)
		}
		// An instance claims it and dies: its lease runs out and the next
		// run starts over, as attempt 2.
		dead, ok, err := s.ClaimExport(ctx, *f.clock, f.clock.Add(time.Minute), 3)
		if err != nil || !ok || dead.ID != job.ID || dead.Attempt != 1 {
			t.Fatalf("claim: %+v %v %v", dead, ok, err)
		}
		if err := s.AppendExportChunk(ctx, dead.ID, dead.Attempt, 1, []byte("partial"), 1, f.clock.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := f.ex.Run(ctx, *f.clock); err != nil {
			t.Fatal(err)
		}
		if j, _ := f.ex.Job(ctx, f.Admin, job.ID); j.Status != bulk.ExportRunning {
			t.Fatalf("leased job taken early: %s", j.Status)
		}
		*f.clock = f.clock.Add(2 * time.Minute)
		if err := f.ex.Run(ctx, *f.clock); err != nil {
			t.Fatal(err)
		}
		j, err := f.ex.Job(ctx, f.Admin, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != bulk.ExportDone || j.Rows != 5 || j.Attempt != 2 || j.Size == 0 {
			t.Fatalf("job %+v", j)
		}
		// The dead instance's lease is gone.
		if err := s.AppendExportChunk(ctx, dead.ID, dead.Attempt, 2, []byte("x"), 1, f.clock.Add(time.Minute)); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Errorf("stale instance wrote a chunk: %v", err)
		}
		var buf bytes.Buffer
		if err := f.ex.Download(ctx, f.Admin, job.ID, func(j bulk.ExportJob) (io.Writer, error) { return &buf, nil }); err != nil {
			t.Fatal(err)
		}
		if int64(buf.Len()) != j.Size {
			t.Errorf("downloaded %d bytes, job says %d", buf.Len(), j.Size)
		}
		if rows := table(t, bulk.FormatXLSX, buf.Bytes()); len(rows) != 6 {
			t.Errorf("file has %d rows", len(rows))
		}
		// The owner is told; the run and the download are audited.
		ns, err := s.Notifications(ctx, f.Admin.UserID, true, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 1 || ns[0].Kind != "export_done" {
			t.Errorf("notifications %+v", ns)
		}
		if d := auditDetail(t, s, audit.ActionExport); len(d) != 2 || d[0]["download"] != true || d[1]["rows"] != float64(5) {
			t.Errorf("audit %v", d)
		}
		// Someone else's export does not exist for them.
		if _, err := f.ex.Job(ctx, f.Auditor, job.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("auditor sees admin's job: %v", err)
		}
		err = f.ex.Download(ctx, f.ManagerA, job.ID, func(bulk.ExportJob) (io.Writer, error) { return io.Discard, nil })
		if guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("manager downloads admin's job: %v", err)
		}
		if list, _ := f.ex.Jobs(ctx, f.ManagerA, 10); len(list) != 0 {
			t.Errorf("manager lists %d foreign jobs", len(list))
		}
		// After 7 days the file is purged.
		*f.clock = f.clock.Add(8 * 24 * time.Hour)
		if err := f.ex.Run(ctx, *f.clock); err != nil {
			t.Fatal(err)
		}
		err = f.ex.Download(ctx, f.Admin, job.ID, func(bulk.ExportJob) (io.Writer, error) { return io.Discard, nil })
		if guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("expired download: %v", err)
		}
		var chunks int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM export_chunks").Scan(&chunks); err != nil || chunks != 0 {
			t.Errorf("%d chunks left after purge (%v)", chunks, err)
		}
	})
}

func TestExportGivesUpAfterAttempts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedExport(t, s)
		job, err := f.ex.Queue(ctx, f.ManagerA, bulk.ExportRequest{Format: bulk.FormatCSV})
		if err != nil {
			t.Fatal(err)
		}
		now := *f.clock
		for i := 1; i <= 3; i++ {
			j, ok, err := s.ClaimExport(ctx, now, now.Add(time.Minute), 3)
			if err != nil || !ok || j.Attempt != i {
				t.Fatalf("claim %d: %+v %v %v", i, j, ok, err)
			}
			now = now.Add(2 * time.Minute)
		}
		if _, ok, err := s.ClaimExport(ctx, now, now.Add(time.Minute), 3); ok || err != nil {
			t.Fatalf("claimed a fourth time: %v", err)
		}
		j, err := f.ex.Job(ctx, f.ManagerA, job.ID)
		if err != nil || j.Status != bulk.ExportFailed || j.Error != "export.failed" {
			t.Fatalf("job %+v %v", j, err)
		}
	})
}

func TestSavedFilters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedExport(t, s)
		mine := bulk.SavedFilter{Name: "我的", Q: "+1"}
		if err := f.ex.CreateSavedFilter(ctx, f.AgentA1, &mine, false); err != nil {
			t.Fatal(err)
		}
		filter, _ := json.Marshal(map[string]any{"field": "stage", "op": "eq", "value": "customer"})
		shared := bulk.SavedFilter{Name: "本组客户", Filter: string(filter), Sort: "-created_at"}
		if err := f.ex.CreateSavedFilter(ctx, f.AgentA1, &shared, true); err != nil {
			t.Fatal(err)
		}
		bad := bulk.SavedFilter{Name: " ", Filter: `{"field":"nope","op":"eq","value":1}`}
		if err := f.ex.CreateSavedFilter(ctx, f.AgentA1, &bad, false); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Errorf("bad filter: %v", err)
		}
		for _, tc := range []struct {
			who  guanxi.Actor
			want int
		}{{f.AgentA1, 2}, {f.AgentA2, 1}, {f.AgentB, 0}} {
			list, err := f.ex.SavedFilters(ctx, tc.who)
			if err != nil || len(list) != tc.want {
				t.Errorf("%s sees %d filters (%v), want %d", tc.who.Username, len(list), err, tc.want)
			}
		}
		if _, err := f.ex.SavedFilter(ctx, f.AgentB, shared.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("other unit reads shared filter: %v", err)
		}
		if _, err := f.ex.SavedFilter(ctx, f.AgentA2, mine.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("colleague reads personal filter: %v", err)
		}
		rename := func(a guanxi.Actor, id guanxi.ID, v int64, name string) error {
			_, err := f.ex.UpdateSavedFilter(ctx, a, id, v, func(sf *bulk.SavedFilter, sh *bool) error { sf.Name = name; return nil })
			return err
		}
		if err := rename(f.AgentA2, shared.ID, 1, "x"); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Errorf("colleague renames shared filter: %v", err)
		}
		if err := rename(f.AgentA1, shared.ID, 1, "A1 客户"); err != nil {
			t.Fatal(err)
		}
		if err := rename(f.AgentA1, shared.ID, 1, "again"); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Errorf("stale rename: %v", err)
		}
		got, _ := f.ex.SavedFilter(ctx, f.AgentA2, shared.ID)
		if got.Name != "A1 客户" || got.Version != 2 || !got.Shared() {
			t.Errorf("renamed filter %+v", got)
		}
		// An export of a saved filter is that filter's list.
		q := bulk.SavedFilter{Name: "加一", Q: "13800138002"}
		if err := f.ex.CreateSavedFilter(ctx, f.ManagerA, &q, false); err != nil {
			t.Fatal(err)
		}
		b, err := export(t, f.ex, f.ManagerA, bulk.ExportRequest{Format: bulk.FormatCSV, SavedFilterID: q.ID})
		if err != nil {
			t.Fatal(err)
		}
		if rows := table(t, bulk.FormatCSV, b); len(rows) != 2 || rows[1][1] != "'+1" {
			t.Errorf("saved filter export %q", rows)
		}
		if _, err := export(t, f.ex, f.ManagerA, bulk.ExportRequest{Format: bulk.FormatCSV, SavedFilterID: mine.ID}); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("export of another's filter: %v", err)
		}
		if err := f.ex.DeleteSavedFilter(ctx, f.AgentA1, mine.ID, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ex.SavedFilter(ctx, f.AgentA1, mine.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("deleted filter: %v", err)
		}
	})
}

func TestExportChildrenSheets(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedExport(t, s)
		svc := &customer.Service{Store: s}
		list := func(a guanxi.Actor) []customer.Customer {
			t.Helper()
			p, err := svc.List(ctx, a, customer.ListQuery{Limit: 10})
			if err != nil || len(p.Items) == 0 {
				t.Fatalf("list: %v", err)
			}
			return p.Items
		}
		mine, theirs := list(f.AgentA1)[0], list(f.AgentB)[0]
		for _, c := range []struct {
			a  guanxi.Actor
			id guanxi.ID
		}{{f.AgentA1, mine.ID}, {f.AgentB, theirs.ID}} {
			h := &customer.Holding{CustomerID: c.id, Kind: "loan", Name: "=经营贷", Reference: "6222020200112233445", Currency: "CNY", AmountMinor: 12345600}
			if err := svc.SaveHolding(ctx, c.a, h, 0); err != nil {
				t.Fatal(err)
			}
			if err := svc.AddTransaction(ctx, c.a, &customer.Transaction{CustomerID: c.id, Kind: "repayment", AmountMinor: 50000,
				Currency: "CNY", OccurredAt: time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC), Description: "@还款"}); err != nil {
				t.Fatal(err)
			}
			if err := svc.AddInteraction(ctx, c.a, &customer.Interaction{CustomerID: c.id, Channel: "phone", Direction: "out",
				OccurredAt: time.Date(2026, 5, 6, 8, 0, 0, 0, time.UTC), Summary: "-回访"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := export(t, f.ex, f.ManagerA, bulk.ExportRequest{Format: bulk.FormatCSV, Include: []string{"holdings"}}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Errorf("children in CSV: %v", err)
		}
		for _, reveal := range []bool{false, true} {
			req := bulk.ExportRequest{Format: bulk.FormatXLSX, Include: bulk.ExportChildren, Unmasked: reveal, Reason: "核对", Lang: "en"}
			b, err := export(t, f.ex, f.ManagerA, req)
			if err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			names := x.GetSheetList()
			if len(names) != 4 || names[1] != "Holdings" || names[2] != "Transactions" || names[3] != "Interactions" {
				t.Fatalf("sheets %q", names)
			}
			want := map[string][]string{
				"Holdings":     {mine.Number, "'=经营贷", "***************3445", "123456"},
				"Transactions": {mine.Number, "500", "'@还款", "2026-05-06 15:00"},
				"Interactions": {mine.Number, "'-回访"},
			}
			if reveal {
				want["Holdings"][2] = "6222020200112233445"
			}
			for sheet, cells := range want {
				rows, err := x.GetRows(sheet)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 2 { // header + agent_a1's; agent_b's is out of scope
					t.Errorf("%s: %d rows %q", sheet, len(rows), rows)
					continue
				}
				for _, c := range cells {
					found := false
					for _, got := range rows[1] {
						found = found || got == c
					}
					if !found {
						t.Errorf("%s (reveal %v): no cell %q in %q", sheet, reveal, c, rows[1])
					}
				}
			}
			x.Close()
		}
	})
}
