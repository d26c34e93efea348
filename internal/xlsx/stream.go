package xlsx

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// MaxRows is the row limit of one worksheet; a longer table continues on
// a new sheet with the header repeated.
const MaxRows = 1 << 20

// Stream writes a workbook row by row straight into a zip on w, with inline
// strings and no shared-string table, so memory stays flat whatever the row
// count (excelize's StreamWriter keeps a temporary file and writes the whole
// zip only at the end). Sheets are written one after the other; text cells
// are defused with Safe. Errors are sticky: after one, every call returns it.
type Stream struct {
	zw     *zip.Writer
	bw     *bufio.Writer
	names  []string
	used   map[string]bool
	base   string // name of the current table, for continuation sheets
	header []string
	widths []float64
	row    int // rows written to the current sheet
	cols   []string
	open   bool
	closed bool
	err    error
	num    []byte
	// perSheet is MaxRows; tests lower it to see a table continue.
	perSheet int
}

// NewStream starts a workbook on w.
func NewStream(w io.Writer) *Stream {
	zw := zip.NewWriter(w)
	// Exports are large and written while the user waits: fast compression
	// keeps the writer ahead of the database.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	return &Stream{zw: zw, used: map[string]bool{}, perSheet: MaxRows}
}

// Sheet ends the current sheet (if any) and starts a new one with a bold
// header row (frozen) and optional column widths in characters.
func (s *Stream) Sheet(name string, header []string, widths []float64) error {
	if s.err != nil {
		return s.err
	}
	s.base, s.header, s.widths = name, append([]string(nil), header...), append([]float64(nil), widths...)
	return s.startSheet(sheetName(name, s.used))
}

func (s *Stream) startSheet(name string) error {
	if err := s.endSheet(); err != nil {
		return err
	}
	if s.closed {
		return s.fail(errors.New("xlsx: stream closed"))
	}
	s.names = append(s.names, name)
	f, err := s.zw.Create("xl/worksheets/sheet" + strconv.Itoa(len(s.names)) + ".xml")
	if err != nil {
		return s.fail(err)
	}
	if s.bw == nil {
		s.bw = bufio.NewWriterSize(f, 64<<10)
	} else {
		s.bw.Reset(f)
	}
	s.open, s.row = true, 0
	s.bw.WriteString(xml + `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	if len(s.header) > 0 {
		s.bw.WriteString(`<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`)
	}
	if len(s.widths) > 0 {
		s.bw.WriteString("<cols>")
		for i, wd := range s.widths {
			if wd <= 0 {
				continue
			}
			n := strconv.Itoa(i + 1)
			s.bw.WriteString(`<col min="` + n + `" max="` + n + `" width="` + strconv.FormatFloat(wd, 'f', -1, 64) + `" customWidth="1"/>`)
		}
		s.bw.WriteString("</cols>")
	}
	s.bw.WriteString("<sheetData>")
	if len(s.header) > 0 {
		cells := make([]any, len(s.header))
		for i, h := range s.header {
			cells[i] = h
		}
		return s.writeRow(cells, 1)
	}
	return nil
}

func (s *Stream) endSheet() error {
	if !s.open {
		return nil
	}
	s.open = false
	s.bw.WriteString("</sheetData></worksheet>")
	if err := s.bw.Flush(); err != nil {
		return s.fail(err)
	}
	return nil
}

func (s *Stream) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return s.err
}

// Row appends one row to the current sheet. Cells may be string (defused),
// int, int64, float64, bool or nil (empty); anything else is an error.
func (s *Stream) Row(cells []any) error {
	if s.err != nil {
		return s.err
	}
	if !s.open {
		if err := s.Sheet("Sheet1", nil, nil); err != nil {
			return err
		}
	}
	if s.row >= s.perSheet {
		if err := s.startSheet(sheetName(s.base, s.used)); err != nil {
			return err
		}
	}
	return s.writeRow(cells, 0)
}

// Rows reports how many rows (header included) the current sheet holds.
func (s *Stream) Rows() int { return s.row }

func (s *Stream) col(i int) string {
	for len(s.cols) <= i {
		n := len(s.cols) + 1
		var b []byte
		for n > 0 {
			n--
			b = append([]byte{byte('A' + n%26)}, b...)
			n /= 26
		}
		s.cols = append(s.cols, string(b))
	}
	return s.cols[i]
}

func (s *Stream) writeRow(cells []any, style int) error {
	s.row++
	r := strconv.Itoa(s.row)
	bw := s.bw
	bw.WriteString(`<row r="`)
	bw.WriteString(r)
	bw.WriteString(`">`)
	for i, v := range cells {
		if v == nil {
			continue
		}
		ref := s.col(i) + r
		bw.WriteString(`<c r="`)
		bw.WriteString(ref)
		if style != 0 {
			bw.WriteString(`" s="`)
			bw.WriteString(strconv.Itoa(style))
		}
		switch x := v.(type) {
		case string:
			if x == "" {
				bw.WriteString(`"/>`)
				continue
			}
			x = Safe(x)
			bw.WriteString(`" t="inlineStr"><is><t`)
			if x[0] == ' ' || x[len(x)-1] == ' ' || x[0] == '\n' || x[len(x)-1] == '\n' {
				bw.WriteString(` xml:space="preserve"`)
			}
			bw.WriteString(`>`)
			escape(bw, x)
			bw.WriteString(`</t></is></c>`)
		case int:
			s.number(strconv.AppendInt(s.num[:0], int64(x), 10))
		case int64:
			s.number(strconv.AppendInt(s.num[:0], x, 10))
		case float64:
			s.number(strconv.AppendFloat(s.num[:0], x, 'g', -1, 64))
		case bool:
			bw.WriteString(`" t="b"><v>`)
			if x {
				bw.WriteByte('1')
			} else {
				bw.WriteByte('0')
			}
			bw.WriteString(`</v></c>`)
		default:
			return s.fail(errors.New("xlsx: unsupported cell type"))
		}
	}
	bw.WriteString(`</row>`)
	return nil
}

func (s *Stream) number(b []byte) {
	s.num = b
	s.bw.WriteString(`"><v>`)
	s.bw.Write(b)
	s.bw.WriteString(`</v></c>`)
}

// escape writes text as XML character data, dropping characters XML 1.0
// cannot hold (control characters, invalid UTF-8) instead of failing.
func escape(w *bufio.Writer, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var rep string
			switch {
			case c == '&':
				rep = "&amp;"
			case c == '<':
				rep = "&lt;"
			case c == '>':
				rep = "&gt;"
			case c == '\t' || c == '\n':
				i++
				continue
			case c == '\r':
				rep = "&#13;"
			case c < 0x20 || c == 0x7f:
				rep = ""
			default:
				i++
				continue
			}
			w.WriteString(s[last:i])
			w.WriteString(rep)
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			w.WriteString(s[last:i])
			i += size
			last = i
			continue
		}
		i += size
	}
	w.WriteString(s[last:])
}

// Close ends the last sheet and writes the workbook parts; it does not
// close the underlying writer.
func (s *Stream) Close() error {
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return nil
	}
	if len(s.names) == 0 {
		if err := s.Sheet("Sheet1", nil, nil); err != nil {
			return err
		}
	}
	if err := s.endSheet(); err != nil {
		return err
	}
	s.closed = true
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", s.contentTypes()},
		{"_rels/.rels", xml + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", s.workbook()},
		{"xl/_rels/workbook.xml.rels", s.workbookRels()},
		{"xl/styles.xml", styles},
	}
	for _, p := range parts {
		f, err := s.zw.Create(p.name)
		if err != nil {
			return s.fail(err)
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return s.fail(err)
		}
	}
	if err := s.zw.Close(); err != nil {
		return s.fail(err)
	}
	return nil
}

const xml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const styles = xml + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
	`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
	`</styleSheet>`

func (s *Stream) contentTypes() string {
	b := xml + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`
	for i := range s.names {
		b += `<Override PartName="/xl/worksheets/sheet` + strconv.Itoa(i+1) + `.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	}
	return b + `</Types>`
}

func (s *Stream) workbook() string {
	b := xml + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`
	for i, n := range s.names {
		id := strconv.Itoa(i + 1)
		b += `<sheet name="` + attr(n) + `" sheetId="` + id + `" r:id="rId` + id + `"/>`
	}
	return b + `</sheets></workbook>`
}

func (s *Stream) workbookRels() string {
	b := xml + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	for i := range s.names {
		id := strconv.Itoa(i + 1)
		b += `<Relationship Id="rId` + id + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet` + id + `.xml"/>`
	}
	n := strconv.Itoa(len(s.names) + 1)
	return b + `<Relationship Id="rId` + n + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`
}

func attr(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			out = append(out, "&amp;"...)
		case '<':
			out = append(out, "&lt;"...)
		case '>':
			out = append(out, "&gt;"...)
		case '"':
			out = append(out, "&quot;"...)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}
