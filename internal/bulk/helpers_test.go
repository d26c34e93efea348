package bulk

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/xuri/excelize/v2"
)

// readAll opens b and reads every row.
func readAll(b []byte, name, sheet string, lim Limits) (Reader, []Row, error) {
	rd, err := Open(bytes.NewReader(b), int64(len(b)), name, sheet, lim)
	if err != nil {
		return nil, nil, err
	}
	defer rd.Close()
	var rows []Row
	for {
		r, err := rd.Next()
		if err == io.EOF {
			return rd, rows, nil
		}
		if err != nil {
			return rd, rows, err
		}
		rows = append(rows, r)
	}
}

// errKey is the message key of err ("" for nil).
func errKey(err error) string {
	if err == nil {
		return ""
	}
	var e *guanxi.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return "not a *guanxi.Error: " + err.Error()
}

func errArg(err error, name string) any {
	var e *guanxi.Error
	if errors.As(err, &e) {
		return e.Args[name]
	}
	return nil
}

// xlsxSheet is one sheet of a generated workbook.
type xlsxSheet struct {
	name   string
	hidden bool
	rows   [][]any
}

// makeXLSX builds a workbook with excelize (dates as real date cells).
func makeXLSX(t testing.TB, date1904 bool, sheets ...xlsxSheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		v := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &v}); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(s.name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, s := range sheets {
		if !s.hidden {
			f.SetActiveSheet(i) // excelize will not hide the active sheet
			break
		}
	}
	for _, s := range sheets {
		if s.hidden {
			if err := f.SetSheetVisible(s.name, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipBomb builds a small zip whose sheet inflates to n bytes of one repeated byte.
func zipBomb(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("<x/>"))
	}
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{' '}, 1<<20)
	for i := 0; i < n; i += len(chunk) {
		_, _ = w.Write(chunk[:min(len(chunk), n-i)])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// endless is a ReaderAt of size bytes of b, without storing them.
type endless struct {
	b     byte
	every int // a comma at every multiple of every (0: never)
	size  int64
}

func (e endless) ReadAt(p []byte, off int64) (int, error) {
	if off >= e.size {
		return 0, io.EOF
	}
	n := int64(len(p))
	if off+n > e.size {
		n = e.size - off
	}
	for i := range p[:n] {
		p[i] = e.b
		if e.every > 0 && (off+int64(i))%int64(e.every) == int64(e.every-1) {
			p[i] = ','
		}
	}
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}
