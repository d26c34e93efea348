package bulk

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/xlsx"
	"github.com/xuri/excelize/v2"
)

// Report column titles, as message keys.
const (
	keyReportLine     = "import.report.line"
	keyReportProblems = "import.report.problems"
	keyReportSheet    = "import.report.sheet"
)

// reportHeader is the file's header plus the line and problems columns,
// sized to the widest row.
func reportHeader(header []string, rows []ProblemRow, t Translate) []string {
	width := len(header)
	for _, r := range rows {
		width = max(width, len(r.Cells))
	}
	h := make([]string, 0, width+2)
	h = append(h, header...)
	for len(h) < width {
		h = append(h, "")
	}
	return append(h, t(keyReportLine, nil), t(keyReportProblems, nil))
}

// problemText renders a row's problems as "列名: message" joined by "; ".
func problemText(r ProblemRow, t Translate) string {
	var b strings.Builder
	for i, p := range r.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Header != "" {
			b.WriteString(p.Header)
			b.WriteString(": ")
		} else if p.Column >= 0 {
			b.WriteString(t(keyReportColumn, map[string]any{"column": columnName(p.Column)}))
			b.WriteString(": ")
		}
		b.WriteString(t(p.Key, p.Args))
	}
	return b.String()
}

const keyReportColumn = "import.report.column"

// columnName is a 0-based column as Excel names it (0 → A, 26 → AA).
func columnName(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return name
}

// WriteProblemsCSV writes the error report: the original header and cells
// of each bad row plus line and problem columns, UTF-8 with BOM, formulas
// defused.
func WriteProblemsCSV(w io.Writer, header []string, rows []ProblemRow, t Translate) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true // what Excel writes and reads best
	h := reportHeader(header, rows, t)
	if err := cw.Write(safeAll(h)); err != nil {
		return err
	}
	width := len(h) - 2
	rec := make([]string, len(h))
	for _, r := range rows {
		clear(rec)
		for i, c := range r.Cells {
			if i < width {
				rec[i] = xlsx.Safe(c)
			}
		}
		rec[width] = strconv.Itoa(r.Line)
		rec[width+1] = xlsx.Safe(problemText(r, t))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func safeAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = xlsx.Safe(v)
	}
	return out
}

// WriteProblemsXLSX writes the same report as an .xlsx workbook, streamed
// row by row; the line and problems columns are highlighted.
func WriteProblemsXLSX(w io.Writer, header []string, rows []ProblemRow, t Translate) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := t(keyReportSheet, nil)
	if sheet == "" || sheet == keyReportSheet || len(sheet) > 31 || strings.ContainsAny(sheet, `[]:*?/\`) {
		sheet = "Problems"
	}
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	red, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "9C0006"}, Alignment: &excelize.Alignment{WrapText: true}})
	if err != nil {
		return err
	}
	h := reportHeader(header, rows, t)
	width := len(h) - 2
	if err := sw.SetColWidth(width+2, width+2, 60); err != nil {
		return err
	}
	cells := make([]any, len(h))
	for i, v := range h {
		cells[i] = excelize.Cell{StyleID: bold, Value: xlsx.Safe(v)}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return err
	}
	for n, r := range rows {
		clear(cells)
		for i := range width {
			if i < len(r.Cells) {
				cells[i] = xlsx.Safe(r.Cells[i])
			} else {
				cells[i] = nil
			}
		}
		cells[width] = r.Line
		cells[width+1] = excelize.Cell{StyleID: red, Value: xlsx.Safe(problemText(r, t))}
		addr, err := excelize.CoordinatesToCellName(1, n+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(addr, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
