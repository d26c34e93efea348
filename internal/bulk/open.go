package bulk

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// File problems, as message keys.
const (
	keyFileEmpty       = "import.file.empty"
	keyFileNoRows      = "import.file.no_rows"
	keyFileBinary      = "import.file.binary"
	keyFileBadUTF8     = "import.file.bad_utf8"
	keyFileLineLong    = "import.file.line_too_long"
	keyFileColumns     = "import.file.too_many_columns"
	keyFileCellLong    = "import.file.cell_too_long"
	keyFileQuote       = "import.file.unclosed_quote"
	keyFileTooManyRows = "import.file.too_many_rows"
	keyFileXLS         = "import.file.xls_unsupported"
	keyFileBadXLSX     = "import.file.bad_xlsx"
	keyFileZipBomb     = "import.file.zip_bomb"
	keyFileXLSXLarge   = "import.file.xlsx_too_large"
	keyFileNoSheet     = "import.file.no_sheet"
	keyFileRead        = "import.file.read"
)

func fileErr(key string, args map[string]any) error {
	return guanxi.InvalidKey(key, args)
}

func lineErr(key string, line int) error {
	return fileErr(key, map[string]any{"line": line})
}

// sampleSize is how much of a CSV file decides its encoding and delimiter.
const sampleSize = 64 << 10

var (
	zipMagic  = []byte("PK\x03\x04")
	oleMagic  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	utf8BOM   = []byte{0xEF, 0xBB, 0xBF}
	utf16LE   = []byte{0xFF, 0xFE}
	utf16BE   = []byte{0xFE, 0xFF}
	emptyZip  = []byte("PK\x05\x06") // a zip with no entries
	xlsxNames = []string{".xlsx", ".xlsm"}
)

// Open sniffs the file (xlsx by its zip signature, else CSV with the encoding
// and delimiter detected) and returns a reader positioned after the header.
// name is the uploaded file name (only a hint); sheet picks an .xlsx sheet
// ("" = the first visible one). Zero limits take DefaultLimits. A file with
// a header and no data row is an error (import.file.no_rows).
func Open(r io.ReaderAt, size int64, name, sheet string, lim Limits) (Reader, error) {
	lim = lim.withDefaults()
	if size <= 0 {
		return nil, fileErr(keyFileEmpty, nil)
	}
	head := make([]byte, min(size, sampleSize))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileRead, Err: err}
	}
	head = head[:n]
	lower := strings.ToLower(name)
	switch {
	case bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, emptyZip):
		return openXLSX(r, size, sheet, lim)
	case bytes.HasPrefix(head, oleMagic):
		// Old .xls, or an .xlsx saved with a password (also OLE).
		return nil, fileErr(keyFileXLS, nil)
	}
	for _, ext := range xlsxNames {
		if strings.HasSuffix(lower, ext) {
			return nil, fileErr(keyFileBadXLSX, nil)
		}
	}
	return openCSV(r, size, head, lim)
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxColumns <= 0 {
		l.MaxColumns = d.MaxColumns
	}
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = d.MaxCellBytes
	}
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.MaxUnzipBytes <= 0 {
		l.MaxUnzipBytes = d.MaxUnzipBytes
	}
	return l
}

// looksBinary reports a sample with NUL bytes or more than 1 in 50 control
// characters other than tab, line breaks, form feed and the DOS EOF mark.
func looksBinary(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1A) || c == 0x7F {
			ctl++
		}
	}
	return ctl > 0 && ctl*50 > len(b)
}

// utf16NoBOM guesses UTF-16 without a byte order mark from the zero high
// bytes of ASCII text: "le", "be" or "".
func utf16NoBOM(b []byte) string {
	if len(b) < 8 {
		return ""
	}
	n := min(len(b), 4096) &^ 1
	var even, odd int
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	switch {
	case odd*10 > half*4 && even*10 < half:
		return "le"
	case even*10 > half*4 && odd*10 < half:
		return "be"
	}
	return ""
}

// validUTF8Sample is utf8.Valid, forgiving a multi-byte character cut at
// the end of a sample that is not the whole file.
func validUTF8Sample(b []byte, whole bool) bool {
	if !whole {
		// Back up over at most 3 continuation bytes to the last rune start;
		// if that rune is incomplete, leave it out.
		for i := len(b) - 1; i >= 0 && i >= len(b)-4; i-- {
			if c := b[i]; c&0xC0 != 0x80 {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// sniffDelimiter picks the delimiter of the header line among , ; tab |:
// the one occurring most outside quotes, ties going in that order.
func sniffDelimiter(sample []byte) byte {
	// The header is the first line with text.
	line := sample
	for len(line) > 0 {
		end := len(line)
		inQ := false
		for i, c := range line {
			if c == '"' {
				inQ = !inQ
			} else if !inQ && (c == '\n' || c == '\r') {
				end = i
				break
			}
		}
		if len(bytes.TrimSpace(line[:end])) > 0 {
			line = line[:end]
			break
		}
		line = bytes.TrimLeft(line[end:], "\r\n")
	}
	best, bestN := byte(','), 0
	for _, d := range []byte{',', '\t', ';', '|'} {
		n, inQ := 0, false
		for _, c := range line {
			if c == '"' {
				inQ = !inQ
			} else if c == d && !inQ {
				n++
			}
		}
		if n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// rowStream turns a reader's raw records into the header and data rows
// both formats share: blank rows skipped, short rows padded, MaxRows kept.
type rowStream struct {
	raw    func() ([]string, int, error) // cells and line; io.EOF at the end
	lim    Limits
	header []string
	queue  []Row // rows read ahead while choosing the header
	n      int
	err    error // the first error, returned again by every later Next
}

// titleLookahead is how many rows after a one-cell first row are searched
// for the real header: Chinese sheets often open with a title row
// ("客户名单（2026年1月）") and a unit row ("单位：元").
const titleLookahead = 5

// start picks the header and reads the first data row, so that an empty
// file and a header without rows fail at Open.
func (s *rowStream) start() error {
	first, err := s.nonBlank()
	if err == io.EOF {
		return fileErr(keyFileEmpty, nil)
	}
	if err != nil {
		return err
	}
	s.header = cleanHeader(first.Cells)
	if filled(s.header) == 1 {
		var ahead []Row
		for range titleLookahead {
			r, err := s.nonBlank()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if filled(r.Cells) >= 2 {
				s.header, ahead = cleanHeader(r.Cells), nil
				break
			}
			ahead = append(ahead, r)
		}
		s.queue = ahead
	}
	r, err := s.Next()
	if err == io.EOF {
		return fileErr(keyFileNoRows, nil)
	}
	if err != nil {
		return err
	}
	s.queue = append([]Row{r}, s.queue...)
	s.n-- // counted again when Next hands it out
	return nil
}

// nonBlank reads the next record with a non-empty cell, its empty tail trimmed.
func (s *rowStream) nonBlank() (Row, error) {
	for {
		cells, line, err := s.raw()
		if err != nil {
			return Row{}, err
		}
		if cells = trimEmptyTail(cells); len(cells) > 0 {
			return Row{Line: line, Cells: cells}, nil
		}
	}
}

// Next returns the next non-blank data row, padded to the header's width;
// extra non-empty cells are kept for Convert to report.
func (s *rowStream) Next() (Row, error) {
	if s.err != nil {
		return Row{}, s.err
	}
	var r Row
	if len(s.queue) > 0 {
		r, s.queue = s.queue[0], s.queue[1:]
	} else {
		var err error
		if r, err = s.nonBlank(); err != nil {
			s.err = err
			return Row{}, err
		}
	}
	s.n++
	if s.lim.MaxRows > 0 && s.n > s.lim.MaxRows {
		s.err = fileErr(keyFileTooManyRows, map[string]any{"max": s.lim.MaxRows, "line": r.Line})
		return Row{}, s.err
	}
	if len(r.Cells) < len(s.header) {
		padded := make([]string, len(s.header))
		copy(padded, r.Cells)
		r.Cells = padded
	}
	return r, nil
}

// cleanHeader strips invisible runes anywhere and spaces around each
// header cell, and drops an empty tail.
func cleanHeader(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = CleanText(strings.Map(func(r rune) rune {
			if isInvisible(r) {
				return -1
			}
			return r
		}, c))
	}
	return trimEmptyTail(out)
}

// filled counts the non-empty cells.
func filled(cells []string) int {
	n := 0
	for _, c := range cells {
		if CleanText(c) != "" {
			n++
		}
	}
	return n
}

// trimEmptyTail drops the empty cells at the end of a record (Excel writes
// ",,," after the last used column).
func trimEmptyTail(cells []string) []string {
	n := len(cells)
	for n > 0 && CleanText(cells[n-1]) == "" {
		n--
	}
	return cells[:n]
}
