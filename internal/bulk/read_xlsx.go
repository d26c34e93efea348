package bulk

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/xuri/excelize/v2"
)

// Zip bomb guards, checked on the central directory before excelize
// inflates anything. archive/zip enforces the declared sizes while
// inflating, so a lying directory fails too.
const (
	maxZipEntries   = 10000
	maxZipRatio     = 100
	bigEntry        = 1 << 20  // ratios are judged on entries above this
	maxOtherPart    = 64 << 20 // a part that is neither a sheet nor the shared strings
	xmlInMemoryPart = 4 << 20  // larger sheets and shared strings are spooled by excelize
	// maxSharedStrings bounds excelize's index of spooled shared strings
	// (about 40 bytes each): a few MB of "<si/>" would otherwise make
	// gigabytes of it.
	maxSharedStrings = 3_000_000
)

type xlsxReader struct {
	info FileInfo
	lim  Limits
	f    *excelize.File
	rows *excelize.Rows
	line int
	rowStream
}

// checkZip refuses archives whose directory promises more than lim allows.
func checkZip(r io.ReaderAt, size int64, lim Limits) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileBadXLSX, Err: err}
	}
	if len(zr.File) > maxZipEntries {
		return fileErr(keyFileZipBomb, nil)
	}
	var total uint64
	for _, f := range zr.File {
		u := f.UncompressedSize64
		total += u
		if total > uint64(lim.MaxUnzipBytes) || u > uint64(lim.MaxUnzipBytes) {
			return fileErr(keyFileZipBomb, nil)
		}
		if u > bigEntry && u/maxZipRatio > f.CompressedSize64 {
			return fileErr(keyFileZipBomb, nil)
		}
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if u > maxOtherPart && !strings.HasPrefix(name, "xl/worksheets/") && name != "xl/sharedstrings.xml" {
			return fileErr(keyFileZipBomb, nil)
		}
	}
	// Sheets and shared strings are scanned before excelize decodes them:
	// one text or tag longer than a cell may be would be read whole into
	// memory, and a flood of tiny strings indexed.
	for _, f := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if strings.HasPrefix(name, "xl/worksheets/") || name == "xl/sharedstrings.xml" {
			items, gap, err := scanXMLPart(f, maxXMLGap(lim))
			if err != nil {
				return &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileBadXLSX, Err: err}
			}
			if gap > maxXMLGap(lim) || (name == "xl/sharedstrings.xml" && items > maxSharedStrings) {
				return fileErr(keyFileXLSXLarge, nil)
			}
		}
	}
	return nil
}

// maxXMLGap is the longest stretch of an XML part without a '<' that a
// cell within the limits can need (escaped text is up to 6 bytes a byte).
func maxXMLGap(lim Limits) int { return 6*lim.MaxCellBytes + 64<<10 }

// scanXMLPart streams a part once, counting "<si" items and measuring the
// longest run between two '<'; it stops early once the run is too long.
func scanXMLPart(f *zip.File, maxGap int) (items, gap int, err error) {
	rc, err := f.Open()
	if err != nil {
		return 0, 0, err
	}
	defer rc.Close()
	buf := make([]byte, 64<<10)
	carry, run := 0, 0
	for {
		m, rerr := rc.Read(buf[carry:])
		chunk := buf[:carry+m]
		items += bytes.Count(chunk, []byte("<si"))
		for rest := chunk[carry:]; len(rest) > 0; {
			i := bytes.IndexByte(rest, '<')
			if i < 0 {
				run += len(rest)
				break
			}
			gap = max(gap, run+i)
			run, rest = 0, rest[i+1:]
		}
		gap = max(gap, run)
		if gap > maxGap {
			return items, gap, nil
		}
		// Keep two bytes: "<s" + "i" may straddle the chunks.
		carry = copy(buf, chunk[max(0, len(chunk)-2):])
		if rerr == io.EOF {
			return items, gap, nil
		}
		if rerr != nil {
			return items, gap, rerr
		}
	}
}

// recoverXLSX turns a panic inside excelize on a malformed workbook into
// the bad-file error: bad input must never crash the importer.
func recoverXLSX(err *error) {
	if r := recover(); r != nil {
		*err = &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileBadXLSX, Err: fmt.Errorf("excelize panic: %v", r)}
	}
}

func openXLSX(r io.ReaderAt, size int64, sheet string, lim Limits) (rd Reader, err error) {
	if err := checkZip(r, size, lim); err != nil {
		return nil, err
	}
	var x *xlsxReader
	defer func() {
		if rec := recover(); rec != nil {
			if x != nil {
				_ = x.Close()
			}
			rd, err = nil, &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileBadXLSX, Err: fmt.Errorf("excelize panic: %v", rec)}
		}
	}()
	xmlLimit := min(int64(xmlInMemoryPart), lim.MaxUnzipBytes)
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.MaxUnzipBytes,
		UnzipXMLSizeLimit: xmlLimit,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileBadXLSX, Err: err}
	}
	x = &xlsxReader{f: f, lim: lim, info: FileInfo{Format: FormatXLSX, Sheets: f.GetSheetList()}}
	fail := func(err error) (Reader, error) {
		_ = x.Close()
		return nil, err
	}
	if len(x.info.Sheets) == 0 {
		return fail(fileErr(keyFileBadXLSX, nil))
	}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		x.info.Date1904 = *props.Date1904
	}
	x.info.Sheet = pickSheet(f, x.info.Sheets, sheet)
	if x.info.Sheet == "" {
		return fail(fileErr(keyFileNoSheet, map[string]any{"sheet": sheet, "sheets": strings.Join(x.info.Sheets, ", ")}))
	}
	if x.rows, err = f.Rows(x.info.Sheet); err != nil {
		return fail(&guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileBadXLSX, Err: err})
	}
	x.rowStream = rowStream{raw: x.rawRow, lim: lim}
	if err := x.start(); err != nil {
		return fail(err)
	}
	return x, nil
}

// pickSheet finds the sheet by name (case-insensitively as Excel does),
// or the first visible sheet when name is "".
func pickSheet(f *excelize.File, sheets []string, name string) string {
	if name == "" {
		for _, s := range sheets {
			if v, err := f.GetSheetVisible(s); err == nil && v {
				return s
			}
		}
		return sheets[0]
	}
	for _, s := range sheets {
		if s == name {
			return s
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(s, strings.TrimSpace(name)) {
			return s
		}
	}
	return ""
}

// row reads the next sheet row with the limits applied; io.EOF at the end.
func (x *xlsxReader) row() (cells []string, err error) {
	defer recoverXLSX(&err)
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileBadXLSX, Err: err}
		}
		return nil, io.EOF
	}
	x.line++
	cells, err = x.rows.Columns()
	if err != nil {
		return nil, &guanxi.Error{Kind: guanxi.KindInvalid, Key: keyFileBadXLSX, Err: err, Args: map[string]any{"line": x.line}}
	}
	cells = trimEmptyTail(cells)
	if len(cells) > x.lim.MaxColumns {
		return nil, lineErr(keyFileColumns, x.line)
	}
	for _, c := range cells {
		if len(c) > x.lim.MaxCellBytes {
			return nil, lineErr(keyFileCellLong, x.line)
		}
	}
	return cells, nil
}

func (x *xlsxReader) Info() FileInfo   { return x.info }
func (x *xlsxReader) Header() []string { return x.rowStream.header }

// rawRow feeds rowStream.
func (x *xlsxReader) rawRow() ([]string, int, error) {
	cells, err := x.row()
	return cells, x.line, err
}

// Close releases excelize's temporary files.
func (x *xlsxReader) Close() error {
	var err error
	if x.rows != nil {
		_ = x.rows.Close()
		x.rows = nil
	}
	if x.f != nil {
		err = x.f.Close()
		x.f = nil
	}
	return err
}
