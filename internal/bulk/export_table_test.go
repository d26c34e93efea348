package bulk

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

func TestCSVTable(t *testing.T) {
	var buf bytes.Buffer
	tb := NewTable(&buf, FormatCSV)
	if err := tb.Sheet("客户", []string{"名称", "=表头"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{
		{"=HYPERLINK(\"http://x\",\"y\")", int64(-2)},
		{"+1", 1.5},
		{"-2", nil},
		{"@x", true},
		{"\tTab", 7},
		{"\rCR", ""},
		{"多行\n文本", "正常"},
	} {
		if err := tb.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	// A second sheet (children) has no place in a CSV.
	if err := tb.Sheet("持有产品", []string{"x"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := tb.Row([]any{"不应出现"}); err != nil {
		t.Fatal(err)
	}
	if err := tb.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatal("no BOM")
	}
	// 8 records, one with a line break inside (CRLF too, as Excel writes).
	if bytes.Count(b, []byte("\r\n")) != 9 || bytes.Count(b, []byte("\n")) != 9 {
		t.Errorf("want CRLF line ends only: %q", b)
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"名称", "'=表头"},
		{"'=HYPERLINK(\"http://x\",\"y\")", "-2"},
		{"'+1", "1.5"},
		{"'-2", ""},
		{"'@x", "true"},
		{"'\tTab", "7"},
		{"'CR", ""}, // a lone CR inside a CRLF file is dropped
		{"多行\n文本", "正常"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Errorf("row %d col %d = %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}
	if err := NewTable(&buf, FormatCSV).Row([]any{struct{}{}}); err == nil {
		t.Error("unsupported cell accepted")
	}
}

// TestExportRequestChecks covers what is refused before any data is read.
func TestExportRequestChecks(t *testing.T) {
	e := &Exporter{}
	mgr := guanxi.Actor{UserID: 2, Role: guanxi.RoleManager, OrgPath: "/1/2/"}
	agent := guanxi.Actor{UserID: 3, Role: guanxi.RoleAgent, OrgPath: "/1/2/4/"}
	auditor := guanxi.Actor{UserID: 6, Role: guanxi.RoleAuditor, OrgPath: "/1/"}
	for _, tc := range []struct {
		name string
		a    guanxi.Actor
		req  ExportRequest
		want guanxi.Kind
	}{
		{"agents do not export", agent, ExportRequest{Format: FormatCSV}, guanxi.KindForbidden},
		{"unknown format", mgr, ExportRequest{Format: "pdf"}, guanxi.KindInvalid},
		{"unknown kind", mgr, ExportRequest{Kind: "tickets", Format: FormatCSV}, guanxi.KindInvalid},
		{"unmasked needs a reason", mgr, ExportRequest{Format: FormatCSV, Unmasked: true}, guanxi.KindInvalid},
		{"unmasked needs a reveal permission", auditor, ExportRequest{Format: FormatCSV, Unmasked: true, Reason: "x"}, guanxi.KindForbidden},
		{"trash is for admins", mgr, ExportRequest{Format: FormatCSV, Deleted: true}, guanxi.KindForbidden},
		{"children only in xlsx", mgr, ExportRequest{Format: FormatCSV, Include: []string{"holdings"}}, guanxi.KindInvalid},
		{"unknown child", mgr, ExportRequest{Format: FormatXLSX, Include: []string{"tickets"}}, guanxi.KindInvalid},
		{"bad filter", mgr, ExportRequest{Format: FormatXLSX, Filter: []byte(`{"field":"nope","op":"eq","value":1}`)}, guanxi.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.prepare(context.Background(), tc.a, tc.req)
			if guanxi.KindOf(err) != tc.want {
				t.Errorf("got %v, want kind %v", err, tc.want)
			}
		})
	}
	p, err := e.prepare(context.Background(), mgr, ExportRequest{Unmasked: true, Reason: " 核对 "})
	if err != nil {
		t.Fatal(err)
	}
	if p.req.Format != FormatXLSX || p.req.Reason != "核对" || p.reveal != (revealSet{IDNumber: true, Phone: true, Account: true}) {
		t.Errorf("plan %+v", p)
	}
}
