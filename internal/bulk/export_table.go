package bulk

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/xlsx"
)

// Table writes rows in one of the export formats. CSV holds the first
// sheet only; .xlsx holds every sheet. Text cells are defused (TESTPLAN C6)
// in both.
type Table interface {
	Sheet(name string, header []string, widths []float64) error
	Row(cells []any) error
	Close() error
}

// NewTable starts a table in format f on w.
func NewTable(w io.Writer, f Format) Table { return newTable(w, f) }

func newTable(w io.Writer, f Format) Table {
	if f == FormatXLSX {
		return xlsx.NewStream(w)
	}
	return &csvTable{w: w}
}

// csvTable is UTF-8 with a BOM and CRLF line ends, so Excel opens Chinese
// text correctly.
type csvTable struct {
	w      io.Writer
	cw     *csv.Writer
	sheets int
	rec    []string
}

func (t *csvTable) Sheet(name string, header []string, widths []float64) error {
	t.sheets++
	if t.sheets > 1 {
		return nil
	}
	if _, err := io.WriteString(t.w, "\xEF\xBB\xBF"); err != nil {
		return err
	}
	t.cw = csv.NewWriter(t.w)
	t.cw.UseCRLF = true
	if len(header) == 0 {
		return nil
	}
	rec := make([]string, len(header))
	for i, h := range header {
		rec[i] = xlsx.Safe(h)
	}
	return t.cw.Write(rec)
}

func (t *csvTable) Row(cells []any) error {
	if t.cw == nil {
		if err := t.Sheet("", nil, nil); err != nil {
			return err
		}
	}
	if t.sheets > 1 {
		return nil
	}
	t.rec = t.rec[:0]
	for _, v := range cells {
		var s string
		switch x := v.(type) {
		case nil:
		case string:
			s = xlsx.Safe(x)
		case int:
			s = strconv.Itoa(x)
		case int64:
			s = strconv.FormatInt(x, 10)
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(x)
		default:
			return errors.New("bulk: unsupported cell type")
		}
		t.rec = append(t.rec, s)
	}
	return t.cw.Write(t.rec)
}

func (t *csvTable) Close() error {
	if t.cw == nil {
		if err := t.Sheet("", nil, nil); err != nil {
			return err
		}
	}
	t.cw.Flush()
	return t.cw.Error()
}
