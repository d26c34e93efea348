package privacy

import (
	"archive/zip"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Formats of the subject access export.
const (
	FormatJSON = "json"
	FormatCSV  = "csv" // a zip with one CSV per table
)

// TableRows is one table's rows about the subject, every column unmasked.
type TableRows struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// Document is everything held about one customer (PIPL 45), as the
// data map finds it.
type Document struct {
	CustomerID guanxi.ID   `json:"customer_id"`
	Number     string      `json:"number"`
	Generated  time.Time   `json:"generated_at"`
	Tables     []TableRows `json:"tables"`
}

// Cell normalises a database value for JSON and CSV: bytes become text
// (base64 when not UTF-8), times RFC 3339 in UTC.
func Cell(v any) any {
	switch x := v.(type) {
	case []byte:
		if utf8.Valid(x) {
			return string(x)
		}
		return "base64:" + base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// WriteJSON writes the document as one JSON object.
func (d *Document) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(d)
}

// WriteCSVZip writes a zip with one CSV per table
// (UTF-8 with BOM so spreadsheet programs read Chinese), header first.
func (d *Document) WriteCSVZip(w io.Writer) error {
	zw := zip.NewWriter(w)
	for _, t := range d.Tables {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: t.Table + ".csv", Method: zip.Deflate, Modified: d.Generated})
		if err != nil {
			return err
		}
		if _, err := f.Write([]byte("\ufeff")); err != nil {
			return err
		}
		cw := csv.NewWriter(f)
		if err := cw.Write(t.Columns); err != nil {
			return err
		}
		rec := make([]string, len(t.Columns))
		for _, r := range t.Rows {
			for i := range rec {
				rec[i] = ""
				if i < len(r) {
					rec[i] = CSVText(r[i])
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	}
	return zw.Close()
}

// CSVText renders a cell for CSV, neutralising formula injection: text that
// a spreadsheet would run (= + - @ tab CR) gets a leading apostrophe.
func CSVText(v any) string {
	var s string
	switch x := Cell(v).(type) {
	case nil:
		return ""
	case string:
		s = x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		s = fmt.Sprint(x)
	}
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				return "'" + s
			}
		}
	}
	return s
}

// Columns lists every (table, column) pair in the document that has at
// least one row, for completeness checks.
func (d *Document) Columns() map[string]bool {
	out := map[string]bool{}
	for _, t := range d.Tables {
		if len(t.Rows) == 0 {
			continue
		}
		for _, c := range t.Columns {
			out[t.Table+"."+c] = true
		}
	}
	return out
}
