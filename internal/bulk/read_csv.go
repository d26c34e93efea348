package bulk

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// csvReader is a streaming RFC 4180 reader that enforces Limits while it
// reads, so a hostile line fails after MaxLineBytes, not after it has been
// buffered whole (encoding/csv reads whole records without bound).
type csvReader struct {
	info  FileInfo
	lim   Limits
	delim byte
	// check tells to validate UTF-8 per record: the sample judged the file
	// UTF-8, and a bad byte later must be an error, not mojibake.
	check   bool
	skipSep bool // the first line is Excel's "sep=x" hint

	src  io.Reader
	buf  []byte
	r, w int
	eof  bool
	err  error

	line int    // records read so far (the last one's line)
	rec  []byte // the current record's cell bytes, back to back
	ends []int  // end offset in rec of each cell
	quot []bool // whether each cell was quoted

	rowStream
}

func openCSV(r io.ReaderAt, size int64, head []byte, lim Limits) (Reader, error) {
	info := FileInfo{Format: FormatCSV}
	whole := int64(len(head)) == size
	var dec *encoding.Decoder
	start := int64(0)
	check := false
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		info.Encoding, start, check = "utf-8-bom", 3, true
		head = head[3:]
		if looksBinary(head) {
			return nil, fileErr(keyFileBinary, nil)
		}
	case bytes.HasPrefix(head, utf16LE):
		info.Encoding, dec = "utf-16le", unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(head, utf16BE):
		info.Encoding, dec = "utf-16be", unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
	default:
		switch utf16NoBOM(head) {
		case "le":
			info.Encoding, dec = "utf-16le", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
		case "be":
			info.Encoding, dec = "utf-16be", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
		default:
			if looksBinary(head) {
				return nil, fileErr(keyFileBinary, nil)
			}
			if validUTF8Sample(head, whole) {
				info.Encoding, check = "utf-8", true
			} else {
				info.Encoding, dec = "gb18030", simplifiedchinese.GB18030.NewDecoder()
			}
		}
	}
	sample := head
	if dec != nil {
		// Decode the sample to sniff the delimiter in text: a GBK trail
		// byte can be '|'.
		d, _, _ := transform.Bytes(dec, head)
		dec.Reset()
		if looksBinary(d) || badRunes(d) {
			return nil, fileErr(keyFileBinary, nil)
		}
		sample = d
	}
	if len(bytes.TrimSpace(bytes.Trim(sample, "\uFEFF\u200B"))) == 0 && whole {
		return nil, fileErr(keyFileEmpty, nil)
	}
	p := &csvReader{info: info, lim: lim, check: check, buf: make([]byte, 64<<10)}
	p.rowStream = rowStream{raw: p.rawRecord, lim: lim}
	p.delim = sniffDelimiter(sample)
	// Excel's "sep=;" first line names the delimiter and is not data.
	if len(sample) >= 5 && bytes.HasPrefix(bytes.ToLower(sample[:4]), []byte("sep=")) &&
		strings.IndexByte(",;\t|", sample[4]) >= 0 && (len(sample) == 5 || sample[5] == '\n' || sample[5] == '\r') {
		p.delim, p.skipSep = sample[4], true
	}
	p.info.Delimiter = string(p.delim)
	var src io.Reader = io.NewSectionReader(r, start, size-start)
	if dec != nil {
		src = transform.NewReader(src, dec)
	}
	p.src = src
	if err := p.start(); err != nil {
		return nil, err
	}
	return p, nil
}

// badRunes reports decoded text of which more than 1 rune in 20 could not
// be decoded: not text in the encoding guessed.
func badRunes(b []byte) bool {
	bad, n := 0, 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError {
			bad++
		}
		n++
		b = b[size:]
	}
	return bad > 2 && bad*20 > n
}

func (p *csvReader) Info() FileInfo   { return p.info }
func (p *csvReader) Header() []string { return p.rowStream.header }
func (p *csvReader) Close() error     { return nil }

// rawRecord feeds rowStream.
func (p *csvReader) rawRecord() ([]string, int, error) {
	cells, err := p.record()
	if err == nil && p.skipSep && p.line == 1 {
		cells = nil // the "sep=" line reads as blank
	}
	return cells, p.line, err
}

// fill reads more input after the unread bytes; false at the end.
func (p *csvReader) fill() bool {
	if p.eof {
		return false
	}
	if p.r > 0 {
		n := copy(p.buf, p.buf[p.r:p.w])
		p.r, p.w = 0, n
	}
	for zero := 0; p.w < len(p.buf); zero++ {
		n, err := p.src.Read(p.buf[p.w:])
		p.w += n
		if err == nil && n == 0 && zero > 100 {
			err = io.ErrNoProgress
		}
		if err != nil {
			p.eof = true
			if err != io.EOF {
				p.err = err
			}
			break
		}
		if n > 0 {
			break
		}
	}
	return p.r < p.w
}

// record reads one record into cells; io.EOF after the last.
func (p *csvReader) record() ([]string, error) {
	p.rec, p.ends, p.quot = p.rec[:0], p.ends[:0], p.quot[:0]
	p.line++
	line := p.line
	raw := 0          // bytes of input this record used
	cellStart := 0    // offset in rec of the current cell
	atStart := true   // nothing read yet in the current cell
	inQuotes := false // inside a quoted cell
	quoted := false   // the current cell was quoted
	lim := p.lim
	endCell := func() error {
		if len(p.ends) >= lim.MaxColumns {
			return lineErr(keyFileColumns, line)
		}
		p.ends = append(p.ends, len(p.rec))
		p.quot = append(p.quot, quoted)
		cellStart, atStart, quoted = len(p.rec), true, false
		return nil
	}
	add := func(b []byte) error {
		raw += len(b)
		if raw > lim.MaxLineBytes {
			return lineErr(keyFileLineLong, line)
		}
		p.rec = append(p.rec, b...)
		if len(p.rec)-cellStart > lim.MaxCellBytes {
			return lineErr(keyFileCellLong, line)
		}
		return nil
	}
	for {
		if p.r == p.w && !p.fill() {
			if p.err != nil {
				return nil, &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileRead, Err: p.err}
			}
			if inQuotes {
				return nil, lineErr(keyFileQuote, line)
			}
			if raw == 0 {
				p.line--
				return nil, io.EOF
			}
			if err := endCell(); err != nil {
				return nil, err
			}
			return p.cells(line)
		}
		chunk := p.buf[p.r:p.w]
		if inQuotes {
			i := bytes.IndexByte(chunk, '"')
			if i < 0 {
				p.r = p.w
				if err := add(chunk); err != nil {
					return nil, err
				}
				continue
			}
			p.r += i + 1
			if err := add(chunk[:i]); err != nil {
				return nil, err
			}
			raw++
			if p.r == p.w && !p.fill() {
				inQuotes = false
				continue
			}
			if p.buf[p.r] == '"' {
				p.r++
				if err := add([]byte{'"'}); err != nil {
					return nil, err
				}
			} else {
				// A closing quote; anything before the next delimiter is
				// kept as typed (lenient, as Excel is).
				inQuotes = false
			}
			continue
		}
		if atStart && chunk[0] == '"' {
			p.r++
			raw++
			inQuotes, quoted, atStart = true, true, false
			continue
		}
		i := indexSpecial(chunk, p.delim)
		if i < 0 {
			p.r = p.w
			atStart = false
			if err := add(chunk); err != nil {
				return nil, err
			}
			continue
		}
		if i > 0 {
			atStart = false
			if err := add(chunk[:i]); err != nil {
				return nil, err
			}
		}
		c := chunk[i]
		p.r += i + 1
		raw++
		if raw > lim.MaxLineBytes {
			return nil, lineErr(keyFileLineLong, line)
		}
		if err := endCell(); err != nil {
			return nil, err
		}
		if c == p.delim {
			continue
		}
		if c == '\r' && (p.r < p.w || p.fill()) && p.buf[p.r] == '\n' {
			p.r++
		}
		return p.cells(line)
	}
}

// indexSpecial finds the first delimiter or line break.
func indexSpecial(b []byte, delim byte) int {
	for i, c := range b {
		if c == delim || c == '\n' || c == '\r' {
			return i
		}
	}
	return -1
}

// cells turns the record buffer into strings with one allocation.
func (p *csvReader) cells(line int) ([]string, error) {
	if p.check && !utf8.Valid(p.rec) {
		return nil, lineErr(keyFileBadUTF8, line)
	}
	s := string(p.rec)
	cells := make([]string, len(p.ends))
	prev := 0
	for i, end := range p.ends {
		c := s[prev:end]
		if p.quot[i] && bytes.IndexByte(p.rec[prev:end], '\r') >= 0 {
			c = normalizeCRLF(c)
		}
		cells[i] = c
		prev = end
	}
	return cells, nil
}

// normalizeCRLF turns CRLF and lone CR line breaks inside a quoted cell into LF.
func normalizeCRLF(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' {
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			b = append(b, '\n')
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}
