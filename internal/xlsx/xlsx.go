// Package xlsx writes simple workbooks (one table per sheet) for exports,
// streamed row by row with excelize's StreamWriter so memory stays flat.
// Text cells are defused against formula injection (TESTPLAN C6).
package xlsx

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Sheet is one table: a header row, then rows of cells. Cells may be
// string (defused), int, int64, float64, bool or nil (empty).
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]any
	// Widths are column widths in characters (optional, from column A).
	Widths []float64
}

// Safe prefixes text a spreadsheet would read as a formula (= + - @, tab,
// carriage return) with an apostrophe, as the CSV exports do.
func Safe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// sheetName makes a valid, unique sheet name: at most 31 characters,
// none of []:*?/\.
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = "Sheet"
	}
	for utf8.RuneCountInString(name) > 31 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	base, n := name, 1
	for used[strings.ToLower(name)] {
		n++
		suffix := "(" + strconv.Itoa(n) + ")"
		name = base
		for utf8.RuneCountInString(name)+len(suffix) > 31 {
			_, size := utf8.DecodeLastRuneInString(name)
			name = name[:len(name)-size]
		}
		name += suffix
	}
	used[strings.ToLower(name)] = true
	return name
}

// Write writes the sheets as one workbook to w.
func Write(w io.Writer, sheets []Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for i, s := range sheets {
		name := sheetName(s.Name, used)
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		for c, width := range s.Widths {
			if err := sw.SetColWidth(c+1, c+1, width); err != nil {
				return err
			}
		}
		row := 1
		if len(s.Header) > 0 {
			cells := make([]any, len(s.Header))
			for c, h := range s.Header {
				cells[c] = excelize.Cell{StyleID: bold, Value: Safe(h)}
			}
			if err := sw.SetRow("A1", cells); err != nil {
				return err
			}
			row++
		}
		for _, r := range s.Rows {
			cells := make([]any, len(r))
			for c, v := range r {
				if text, ok := v.(string); ok {
					v = Safe(text)
				}
				cells[c] = v
			}
			addr, err := excelize.CoordinatesToCellName(1, row)
			if err != nil {
				return err
			}
			if err := sw.SetRow(addr, cells); err != nil {
				return err
			}
			row++
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return f.Write(w)
}
