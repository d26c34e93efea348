package bulk

import (
	"archive/zip"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

func encode(t *testing.T, s string, enc interface {
	Bytes([]byte) ([]byte, error)
}) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenBadInput covers the bad input list: each fails with a
// clear message key.
func TestOpenBadInput(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{1, 2, 3, 0, 200}, 100)...)
	rnd := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(r.IntN(256))
		if rnd[i] == 0 {
			rnd[i] = 7
		}
	}
	million := append([]byte("客户名称,手机\n"), bytes.Repeat([]byte("x,"), 1_000_000)...)
	millionHeader := bytes.Repeat([]byte(","), 1_000_000)
	millionHeader = append([]byte("a"), append(millionHeader, []byte("b\n1\n")...)...)
	bomBad := append(append([]byte{}, utf8BOM...), []byte("客户名称,手机\n张三,13800138000\n李\xff四,13800138001\n")...)
	lateBad := []byte("客户名称,备注\n")
	for i := 0; len(lateBad) < 100<<10; i++ {
		lateBad = append(lateBad, []byte("张三,一切正常的备注文字\n")...)
	}
	lines := bytes.Count(lateBad, []byte("\n"))
	lateBad = append(lateBad, []byte("王五,\xc0\xc1坏字节\n")...)

	for _, tc := range []struct {
		name, file string
		data       []byte
		key        string
		line       int
	}{
		{name: "empty", file: "a.csv", data: nil, key: keyFileEmpty},
		{name: "whitespace only", file: "a.csv", data: []byte("  \r\n\t\n   \n"), key: keyFileEmpty},
		{name: "bom only", file: "a.csv", data: utf8BOM, key: keyFileEmpty},
		{name: "commas only", file: "a.csv", data: []byte(",,,\n,,\n"), key: keyFileEmpty},
		{name: "header only", file: "a.csv", data: []byte("客户名称,手机\n"), key: keyFileNoRows},
		{name: "header and blank lines", file: "a.csv", data: []byte("客户名称,手机\r\n\r\n,,\r\n  \r\n"), key: keyFileNoRows},
		{name: "binary renamed csv", file: "photo.csv", data: png, key: keyFileBinary},
		{name: "binary after a utf-8 bom", file: "x.csv", data: append(append([]byte{}, utf8BOM...), png...), key: keyFileBinary},
		{name: "random bytes", file: "x.csv", data: rnd, key: keyFileBinary},
		{name: "one million columns in a row", file: "wide.csv", data: million, key: keyFileColumns, line: 2},
		{name: "one million columns in the header", file: "wide.csv", data: millionHeader, key: keyFileColumns, line: 1},
		{name: "invalid utf-8 after a bom", file: "a.csv", data: bomBad, key: keyFileBadUTF8, line: 3},
		{name: "invalid utf-8 after the sample", file: "a.csv", data: lateBad, key: keyFileBadUTF8, line: lines + 1},
		{name: "xlsx zip bomb", file: "bomb.xlsx", data: zipBomb(t, 50<<20), key: keyFileZipBomb},
		{name: "xlsx name, text bytes", file: "fake.xlsx", data: []byte("客户名称\n张三\n"), key: keyFileBadXLSX},
		{name: "broken zip", file: "x.xlsx", data: []byte("PK\x03\x04garbage"), key: keyFileBadXLSX},
		{name: "old xls", file: "old.xls", data: append(append([]byte{}, oleMagic...), make([]byte, 512)...), key: keyFileXLS},
		{name: "unclosed quote", file: "a.csv", data: []byte("客户名称,备注\n张三,\"没有结束\n李四,好\n"), key: keyFileQuote, line: 2},
		{name: "cell too long", file: "a.csv", data: []byte("a,b\nx," + strings.Repeat("y", 40<<10) + "\n"), key: keyFileCellLong, line: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, _, err := readAll(tc.data, tc.file, "", DefaultLimits())
			if got := errKey(err); got != tc.key {
				t.Fatalf("error %v (key %q), want %q", err, got, tc.key)
			}
			if tc.line != 0 {
				if got := errArg(err, "line"); got != tc.line {
					t.Errorf("line = %v, want %d", got, tc.line)
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Logf("slow: %v", d) // speed is measured by benchmarks, not asserted
			}
		})
	}
}

// TestOpenHugeLine reads 2 GB lines from a reader that makes them up: the
// reader must stop at the limits without holding the line.
func TestOpenHugeLine(t *testing.T) {
	for _, tc := range []struct {
		every int // a comma every so many bytes (0: none)
		key   string
	}{{0, keyFileCellLong}, {20000, keyFileLineLong}} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		src := endless{b: 'a', every: tc.every, size: 2 << 30}
		_, err := Open(src, src.size, "huge.csv", "", DefaultLimits())
		runtime.ReadMemStats(&after)
		if errKey(err) != tc.key || errArg(err, "line") != 1 {
			t.Fatalf("comma every %d: err = %v, want %s on line 1", tc.every, err, tc.key)
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
			t.Errorf("allocated %d bytes reading a huge line", grown)
		}
	}
}

func TestOpenEncodings(t *testing.T) {
	text := "客户名称,手机,地址\n张三,13800138000,杭州市西湖区\n李四,13900139000,\"上海市\n浦东新区\"\n"
	gbkText := "客户名称,地址\n张三,北京市朝阳区\n"
	// 𠀀 (U+20000) and 㐀 (U+3400) exist only in GB18030, not in GBK.
	gb18030Text := "客户名称,备注\n𠀀先生,㐀字辈\n"
	for _, tc := range []struct {
		name     string
		data     []byte
		encoding string
		delim    string
		want     [][]string
	}{
		{name: "utf-8", data: []byte(text), encoding: "utf-8", delim: ",",
			want: [][]string{{"张三", "13800138000", "杭州市西湖区"}, {"李四", "13900139000", "上海市\n浦东新区"}}},
		{name: "utf-8 bom", data: append(append([]byte{}, utf8BOM...), text...), encoding: "utf-8-bom", delim: ","},
		{name: "gbk", data: encode(t, gbkText, simplifiedchinese.GBK.NewEncoder()), encoding: "gb18030", delim: ",",
			want: [][]string{{"张三", "北京市朝阳区"}}},
		{name: "gb18030 only characters", data: encode(t, gb18030Text, simplifiedchinese.GB18030.NewEncoder()), encoding: "gb18030", delim: ",",
			want: [][]string{{"𠀀先生", "㐀字辈"}}},
		{name: "utf-16le excel unicode text", data: encode(t, "客户名称\t手机\r\n张三\t13800138000\r\n", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder()),
			encoding: "utf-16le", delim: "\t", want: [][]string{{"张三", "13800138000"}}},
		{name: "utf-16be", data: encode(t, "客户名称\t手机\n张三\t13800138000\n", unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder()),
			encoding: "utf-16be", delim: "\t", want: [][]string{{"张三", "13800138000"}}},
		{name: "utf-16le without bom", data: encode(t, "name\tmobile\nZhang\t13800138000\n", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder()),
			encoding: "utf-16le", delim: "\t", want: [][]string{{"Zhang", "13800138000"}}},
		{name: "semicolon", data: []byte("客户名称;金额\n张三;\"1,234.56\"\n"), encoding: "utf-8", delim: ";", want: [][]string{{"张三", "1,234.56"}}},
		{name: "tab", data: []byte("客户名称\t金额\n张三\t1,234\n"), encoding: "utf-8", delim: "\t", want: [][]string{{"张三", "1,234"}}},
		{name: "pipe", data: []byte("客户名称|金额\n张三|1,234\n"), encoding: "utf-8", delim: "|", want: [][]string{{"张三", "1,234"}}},
		{name: "pipe in gbk", data: encode(t, "客户名称|地址\n张三|北京\n", simplifiedchinese.GBK.NewEncoder()), encoding: "gb18030", delim: "|",
			want: [][]string{{"张三", "北京"}}},
		{name: "excel sep line", data: []byte("sep=;\r\n客户名称;金额,元\r\n张三;1,5\r\n"), encoding: "utf-8", delim: ";", want: [][]string{{"张三", "1,5"}}},
		{name: "quoted delimiter does not count", data: []byte("\"a;b;c\",d\n1,2\n"), encoding: "utf-8", delim: ",", want: [][]string{{"1", "2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd, rows, err := readAll(tc.data, "f.csv", "", DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if info := rd.Info(); info.Encoding != tc.encoding || info.Delimiter != tc.delim || info.Format != FormatCSV {
				t.Errorf("info = %+v, want encoding %s delimiter %q", info, tc.encoding, tc.delim)
			}
			if tc.want == nil {
				return
			}
			if len(rows) != len(tc.want) {
				t.Fatalf("rows = %v", rows)
			}
			for i, w := range tc.want {
				if !slices.Equal(rows[i].Cells, w) {
					t.Errorf("row %d = %q, want %q", i, rows[i].Cells, w)
				}
			}
		})
	}
}

// TestOpenSampleEdge puts a three-byte character across the 64 KiB sample
// boundary: the file is still UTF-8.
func TestOpenSampleEdge(t *testing.T) {
	b := []byte("客户名称,备注\n")
	for len(b) < sampleSize {
		b = append(b, []byte("zs,a\n")...)
	}
	// Make the cut land inside 中: restart a clean row just before it.
	b = append(b[:sampleSize-10], []byte("\n李四,x中")...)
	b = append(b, []byte("文\n")...)
	if bytes.Equal(b[sampleSize-2:sampleSize+1], []byte("中")) {
		t.Fatal("test data does not straddle the edge")
	}
	rd, rows, err := readAll(b, "f.csv", "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if rd.Info().Encoding != "utf-8" {
		t.Errorf("encoding = %s", rd.Info().Encoding)
	}
	if last := rows[len(rows)-1].Cells; last[1] != "x中文" {
		t.Errorf("last row = %q", last)
	}
}

func TestOpenCSVShape(t *testing.T) {
	data := "\ufeff\u200b 客户名称 ,\" 手机\",备注,,\r\n" + // header: BOM, zero-width, spaces, empty tail
		"张三,13800138000,\"说 \"\"你好\"\"\r\n第二行\"\r\n" + // line 2: doubled quotes and CRLF in quotes
		"\r\n" + // line 3: blank
		",,,\r\n" + // line 4: blank cells only
		"李四\r\n" + // line 5: short row, padded
		"王五,13900139000,ok,,,extra,\r\n" + // line 6: extra cells kept, empty tail trimmed
		"赵六,1,2\r" + "钱七,3,4" // lines 7 and 8: CR line end, no final newline
	rd, rows, err := readAll([]byte(data), "f.csv", "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if h := rd.Header(); !slices.Equal(h, []string{"客户名称", "手机", "备注"}) {
		t.Errorf("header = %q", h)
	}
	want := []Row{
		{Line: 2, Cells: []string{"张三", "13800138000", "说 \"你好\"\n第二行"}},
		{Line: 5, Cells: []string{"李四", "", ""}},
		{Line: 6, Cells: []string{"王五", "13900139000", "ok", "", "", "extra"}},
		{Line: 7, Cells: []string{"赵六", "1", "2"}},
		{Line: 8, Cells: []string{"钱七", "3", "4"}},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %v", rows)
	}
	for i := range want {
		if rows[i].Line != want[i].Line || !slices.Equal(rows[i].Cells, want[i].Cells) {
			t.Errorf("row %d = %d %q, want %d %q", i, rows[i].Line, rows[i].Cells, want[i].Line, want[i].Cells)
		}
	}
}

func TestOpenMaxRows(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxRows = 2
	rd, _, err := readAll([]byte("a\n1\n2\n3\n4\n"), "f.csv", "", lim)
	if errKey(err) != keyFileTooManyRows {
		t.Fatalf("err = %v", err)
	}
	// Errors stick: the reader does not resume in the middle of the file.
	if _, err := rd.Next(); errKey(err) != keyFileTooManyRows {
		t.Errorf("Next after the error = %v", err)
	}
}

func TestOpenXLSX(t *testing.T) {
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	data := makeXLSX(t, false,
		xlsxSheet{name: "说明", hidden: true, rows: [][]any{{"这是说明"}}},
		xlsxSheet{name: "客户", rows: [][]any{
			{"客户名称", "手机", "生日", "贷款余额(万元)"},
			{"张三", "13800138000", day, 12.5},
			{},
			{"李四", 13900139000, "2026/2/1", nil},
		}},
		xlsxSheet{name: "车辆", rows: [][]any{{"车架号", "车型"}, {"LSVAU2180N2183294", "朗逸"}}},
	)
	rd, rows, err := readAll(data, "book.csv", "", DefaultLimits()) // the name lies; the bytes decide
	if err != nil {
		t.Fatal(err)
	}
	info := rd.Info()
	if info.Format != FormatXLSX || info.Sheet != "客户" || !slices.Equal(info.Sheets, []string{"说明", "客户", "车辆"}) {
		t.Errorf("info = %+v", info)
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 4 {
		t.Fatalf("rows = %+v", rows)
	}
	if d, ok := ParseDate(rows[0].Cells[2], info.Date1904); !ok || d != "2026-01-05" {
		t.Errorf("date cell %q read as %q", rows[0].Cells[2], d)
	}
	if rows[1].Cells[1] != "13900139000" || rows[1].Cells[3] != "" {
		t.Errorf("row 4 = %q", rows[1].Cells)
	}

	rd, rows, err = readAll(data, "book.xlsx", "车辆", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if rd.Info().Sheet != "车辆" || len(rows) != 1 || rows[0].Cells[1] != "朗逸" {
		t.Errorf("sheet 车辆: %+v %v", rd.Info(), rows)
	}
	_, _, err = readAll(data, "book.xlsx", "没有", DefaultLimits())
	if errKey(err) != keyFileNoSheet || !strings.Contains(errArg(err, "sheets").(string), "车辆") {
		t.Errorf("unknown sheet: %v", err)
	}
	_, _, err = readAll(makeXLSX(t, false, xlsxSheet{name: "S", rows: [][]any{{"客户名称"}}}), "a.xlsx", "", DefaultLimits())
	if errKey(err) != keyFileNoRows {
		t.Errorf("header-only sheet: %v", err)
	}
	_, _, err = readAll(makeXLSX(t, false, xlsxSheet{name: "S"}), "a.xlsx", "", DefaultLimits())
	if errKey(err) != keyFileEmpty {
		t.Errorf("empty sheet: %v", err)
	}
}

func TestOpenXLSX1904(t *testing.T) {
	data := makeXLSX(t, true, xlsxSheet{name: "S", rows: [][]any{{"生日"}, {time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}}})
	rd, rows, err := readAll(data, "a.xlsx", "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !rd.Info().Date1904 {
		t.Fatal("1904 date system not detected")
	}
	if d, _ := ParseDate(rows[0].Cells[0], true); d != "2026-01-05" {
		t.Errorf("1904 date %q read as %q", rows[0].Cells[0], d)
	}
}

func TestCheckZip(t *testing.T) {
	small := makeXLSX(t, false, xlsxSheet{name: "S", rows: [][]any{{"a"}, {"b"}}})
	lim := DefaultLimits()
	if err := checkZip(bytes.NewReader(small), int64(len(small)), lim); err != nil {
		t.Fatalf("a normal workbook refused: %v", err)
	}
	lim.MaxUnzipBytes = 100
	if errKey(checkZip(bytes.NewReader(small), int64(len(small)), lim)) != keyFileZipBomb {
		t.Error("a workbook above MaxUnzipBytes accepted")
	}
}

// TestTestdata reads the committed sample files end to end: every column
// is recognised and every row converts without a problem.
func TestTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/customers_*")
	if len(files) < 4 {
		t.Fatalf("testdata: %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rd, rows, err := readAll(b, f, "", DefaultLimits())
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		m := AutoMap(Customers, rd.Header(), nil)
		if slices.Contains(m, "") {
			t.Errorf("%s: unmapped columns in %q → %q", f, rd.Header(), m)
		}
		o := Options{Entity: Customers, Mode: ModeCreate, Mapping: m, Date1904: rd.Info().Date1904}
		c, err := NewConverter(rd.Header(), o, nil)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, r := range rows {
			if rec, probs := c.Convert(r); len(probs) > 0 || rec.Customer.Name == "" {
				t.Errorf("%s line %d: %+v", f, r.Line, probs)
			}
		}
		if len(rows) < 2 {
			t.Errorf("%s: %d rows", f, len(rows))
		}
	}
}

func TestOpenTitleRows(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		header     []string
		first      Row
	}{
		{"title and unit rows", "客户名单（2026年1月）\n单位：元\n\n客户名称,贷款余额\n张三,100\n",
			[]string{"客户名称", "贷款余额"}, Row{Line: 5, Cells: []string{"张三", "100"}}},
		{"title row with empty cells", "客户名单,,,\n客户名称,手机,,\n张三,13800138000\n",
			[]string{"客户名称", "手机"}, Row{Line: 3, Cells: []string{"张三", "13800138000"}}},
		{"single column file keeps its rows", "姓名\n张三\n\n李四\n",
			[]string{"姓名"}, Row{Line: 2, Cells: []string{"张三"}}},
		{"header with zero-width runes inside", "客\u200b户名称,手\ufeff机\n张三,1\n",
			[]string{"客户名称", "手机"}, Row{Line: 2, Cells: []string{"张三", "1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd, rows, err := readAll([]byte(tc.data), "f.csv", "", DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rd.Header(), tc.header) || rows[0].Line != tc.first.Line || !slices.Equal(rows[0].Cells, tc.first.Cells) {
				t.Errorf("header %q first row %v", rd.Header(), rows[0])
			}
		})
	}
	_, rows, err := readAll([]byte("姓名\n张三\n\n李四\n"), "f.csv", "", DefaultLimits())
	if err != nil || len(rows) != 2 || rows[1].Line != 4 {
		t.Errorf("single column rows %v %v", rows, err)
	}
}

// TestNoRecognisableHeader: a file whose header names nothing known fails
// mapping with import.file.no_header.
func TestNoRecognisableHeader(t *testing.T) {
	rd, _, err := readAll([]byte("甲,乙,丙\n1,2,3\n"), "f.csv", "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	m := AutoMap(Customers, rd.Header(), nil)
	if errKey(CheckMapping(rd.Header(), Options{Entity: Customers, Mode: ModeCreate, Mapping: m}, nil)) != keyNoHeader {
		t.Errorf("mapping %q passed", m)
	}
}

func TestCSVQuotes(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       []string
	}{
		{"plain", `a,b,c`, []string{"a", "b", "c"}},
		{"quoted delimiter", `"a,1",b,c`, []string{"a,1", "b", "c"}},
		{"doubled quotes", `"say ""hi""",b,c`, []string{`say "hi"`, "b", "c"}},
		{"empty quoted", `"",b,""`, []string{"", "b"}},
		{"quote inside unquoted", `a"b,c"d,e`, []string{`a"b`, `c"d`, "e"}},
		{"text after closing quote", `"ab"cd,e,f`, []string{"abcd", "e", "f"}},
		{"spaces kept", ` a , b ,c`, []string{" a ", " b ", "c"}},
		{"lf in quotes", "\"l1\nl2\",b,c", []string{"l1\nl2", "b", "c"}},
		{"cr in quotes", "\"l1\rl2\",b,c", []string{"l1\nl2", "b", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rows, err := readAll([]byte("h1,h2,h3\n"+tc.line+"\n"), "f.csv", "", DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			got := trimEmptyTail(rows[0].Cells)
			if !slices.Equal(got, tc.want) {
				t.Errorf("cells %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSharedStringsBomb: a workbook whose shared strings part holds
// millions of empty items is refused before excelize indexes them.
func TestSharedStringsBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	// Stored, not deflated: the ratio check must not be what stops it.
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/sharedStrings.xml", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("<sst>"))
	item := bytes.Repeat([]byte("<si/>"), 1<<16)
	for i := 0; i < (maxSharedStrings/(1<<16))+2; i++ {
		_, _ = w.Write(item)
	}
	_, _ = w.Write([]byte("</sst>"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(buf.Bytes(), "s.xlsx", "", DefaultLimits())
	if errKey(err) != keyFileXLSXLarge {
		t.Fatalf("err = %v (file %d bytes)", err, buf.Len())
	}
}

// TestXLSXHugeCell: one cell of 40 MB of text, stored so that the ratio
// check does not apply, is refused before excelize reads it into memory.
func TestXLSXHugeCell(t *testing.T) {
	data := makeXLSX(t, false, xlsxSheet{name: "S", rows: [][]any{{"客户名称"}, {"张三"}}})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
			_, _ = w.Write([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`))
			_, _ = w.Write(bytes.Repeat([]byte("a"), 40<<20))
			_, _ = w.Write([]byte(`</t></is></c></row></sheetData></worksheet>`))
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(buf.Bytes(), "big.xlsx", "", DefaultLimits())
	if errKey(err) != keyFileXLSXLarge {
		t.Fatalf("err = %v", err)
	}
}
