package bulk

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

func reportFixture(t *testing.T) ([]string, []ProblemRow, Translate) {
	t.Helper()
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	tr := func(key string, args map[string]any) string { return b.T("zh-CN", key, args) }
	header := []string{"客户名称", "手机", "生日"}
	rows := []ProblemRow{
		{Line: 3, Cells: []string{"=HYPERLINK(\"http://x\")", "1380013800", "2026-02-30"}, Problems: []Problem{
			{Line: 3, Column: 1, Header: "手机", Field: "mobile", Key: "validation.mobile", Value: "1380013800"},
			{Line: 3, Column: 2, Header: "生日", Field: "birthday", Key: keyBadDate, Value: "2026-02-30"},
		}},
		{Line: 9, Cells: []string{"李四", "+8613800138000", "", "多余"}, Problems: []Problem{
			{Line: 9, Column: 3, Key: keyExtraCells, Args: map[string]any{"columns": 3}, Value: "多余"},
		}},
	}
	return header, rows, tr
}

// keyTranslate renders a key and its arguments as they are, so the golden
// file does not change with the catalogs' wording.
func keyTranslate(key string, args map[string]any) string {
	if len(args) == 0 {
		return "<" + key + ">"
	}
	return fmt.Sprintf("<%s %v>", key, args)
}

func TestWriteProblemsCSV(t *testing.T) {
	header, rows, _ := reportFixture(t)
	tr := keyTranslate
	var buf bytes.Buffer
	if err := WriteProblemsCSV(&buf, header, rows, tr); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), utf8BOM) {
		t.Error("no BOM")
	}
	golden := "testdata/report.golden.csv"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("report differs from %s:\n%s", golden, buf.String())
	}
	// The report reads back through the importer's own reader.
	rd, back, err := readAll(buf.Bytes(), "report.csv", "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rd.Header(), []string{"客户名称", "手机", "生日", "", "<import.report.line>", "<import.report.problems>"}) {
		t.Errorf("header = %q", rd.Header())
	}
	if len(back) != 2 || back[0].Cells[0] != "'=HYPERLINK(\"http://x\")" || back[1].Cells[1] != "'+8613800138000" {
		t.Errorf("rows = %v", back)
	}
}

func TestWriteProblemsXLSX(t *testing.T) {
	header, rows, tr := reportFixture(t)
	var buf bytes.Buffer
	if err := WriteProblemsXLSX(&buf, header, rows, tr); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"客户名称", "手机", "生日", "", "行号", "问题"},
		{"'=HYPERLINK(\"http://x\")", "1380013800", "2026-02-30", "", "3", "手机: " + tr("validation.mobile", nil) + "; 生日: " + tr(keyBadDate, nil)},
		{"李四", "'+8613800138000", "", "多余", "9", tr(keyReportColumn, map[string]any{"column": "D"}) + ": " + tr(keyExtraCells, map[string]any{"columns": 3})},
	}
	if len(got) != len(want) {
		t.Fatalf("rows = %q", got)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("row %d = %q\nwant %q", i, got[i], want[i])
		}
	}
}
