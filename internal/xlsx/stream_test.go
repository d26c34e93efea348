package xlsx

import (
	"bytes"
	"io"
	"runtime"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestStream(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	if err := s.Sheet("客户 Customers", []string{"姓名", "数量", "备注"}, []float64{20, 10}); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"=HYPERLINK(\"http://x\",\"y\")", 1, "正常"},
		{"+1", int64(-2), "-2"},
		{"@x", 1.5, "\tTab"},
		{"\rCR", true, nil},
		{"a&b<c>\"d\"", nil, " 两端空格 "},
		{"bad\x00\x01ctl\xffutf8", 0, ""},
	}
	for _, r := range rows {
		if err := s.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Sheet("第二页", []string{"x"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Row([]any{"y"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 2 || names[0] != "客户 Customers" || names[1] != "第二页" {
		t.Fatalf("sheets %q", names)
	}
	for _, tc := range []struct{ sheet, cell, want string }{
		{names[0], "A1", "姓名"},
		{names[0], "A2", "'=HYPERLINK(\"http://x\",\"y\")"},
		{names[0], "B2", "1"},
		{names[0], "C2", "正常"},
		{names[0], "A3", "'+1"},
		{names[0], "B3", "-2"},
		{names[0], "C3", "'-2"},
		{names[0], "A4", "'@x"},
		{names[0], "B4", "1.5"},
		{names[0], "C4", "'\tTab"},
		{names[0], "A5", "'\rCR"},
		{names[0], "B5", "TRUE"},
		{names[0], "A6", "a&b<c>\"d\""},
		{names[0], "C6", " 两端空格 "},
		{names[0], "A7", "badctlutf8"},
		{names[0], "B7", "0"},
		{names[1], "A2", "y"},
	} {
		got, err := f.GetCellValue(tc.sheet, tc.cell)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s!%s = %q, want %q", tc.sheet, tc.cell, got, tc.want)
		}
	}
	// Formulas stay text: nothing in the workbook is a formula.
	if fm, _ := f.GetCellFormula(names[0], "A2"); fm != "" {
		t.Errorf("A2 holds formula %q", fm)
	}
}

func TestStreamContinuesOnNewSheet(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	s.perSheet = 3 // header + 2 rows per sheet
	if err := s.Sheet("Data", []string{"n"}, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := s.Row([]any{i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := f.GetSheetList()
	if len(names) != 3 || names[1] != "Data(2)" || names[2] != "Data(3)" {
		t.Fatalf("sheets %q", names)
	}
	var got []string
	for _, n := range names {
		rows, err := f.GetRows(n)
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "n" {
			t.Errorf("%s: header %q", n, rows[0])
		}
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
	}
	if want := []string{"0", "1", "2", "3", "4"}; !equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}

func TestStreamEmptyAndErrors(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	s = NewStream(io.Discard)
	if err := s.Row([]any{struct{}{}}); err == nil {
		t.Fatal("unsupported cell accepted")
	}
	if err := s.Close(); err == nil {
		t.Fatal("error not sticky")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// benchRow is a customer-like row of 15 columns.
func benchRow(i int) []any {
	n := strconv.Itoa(i)
	return []any{"C" + n, "张伟" + n, "个人", "男", "1980-01-02", "138****" + n, "", "resident_id", "330***********1234",
		"zhang" + n + "@example.com", "浙江省 杭州市 西湖区", "文三路" + n + "号", "个人", int64(i), "2026-01-02 10:00"}
}

// BenchmarkStream1M writes 1M rows × 15 columns with the streaming writer;
// peak-heap reports the highest heap in use seen while writing.
func BenchmarkStream1M(b *testing.B) {
	for b.Loop() {
		var peak uint64
		cw := &countWriter{}
		s := NewStream(cw)
		_ = s.Sheet("客户", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o"}, nil)
		for i := range 1_000_000 {
			if err := s.Row(benchRow(i)); err != nil {
				b.Fatal(err)
			}
			if i%100_000 == 0 {
				peak = max(peak, heapInUse())
			}
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(cw.n)/(1<<20), "file-MiB")
	}
}

// BenchmarkExcelizeStream1M is the same table through excelize's
// StreamWriter, for comparison.
func BenchmarkExcelizeStream1M(b *testing.B) {
	for b.Loop() {
		var peak uint64
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		for i := range 1_000_000 {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := sw.SetRow(cell, benchRow(i)); err != nil {
				b.Fatal(err)
			}
			if i%100_000 == 0 {
				peak = max(peak, heapInUse())
			}
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
		cw := &countWriter{}
		if err := f.Write(cw); err != nil {
			b.Fatal(err)
		}
		peak = max(peak, heapInUse())
		f.Close()
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(cw.n)/(1<<20), "file-MiB")
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
