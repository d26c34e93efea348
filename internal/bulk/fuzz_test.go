package bulk

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// fuzzHeapLimit is the heap the issue allows an import under fuzzing.
const fuzzHeapLimit = 256 << 20

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// importAll runs what an import does with a file before writing: open, map,
// read every row and convert it, checking the heap on the way.
func importAll(t *testing.T, data []byte, name string) {
	rd, err := Open(bytes.NewReader(data), int64(len(data)), name, "", DefaultLimits())
	if err != nil {
		if errKey(err) == "" || strings.HasPrefix(errKey(err), "not a") {
			t.Fatalf("Open error is not a keyed *guanxi.Error: %v", err)
		}
		return
	}
	defer rd.Close()
	header := rd.Header()
	m := AutoMap(Customers, header, testDefs)
	if CheckMapping(header, Options{Entity: Customers, Mode: ModeCreate, Mapping: m}, testDefs) != nil {
		// Force a usable mapping so conversion runs on every input.
		m = make([]string, len(header))
		m[0] = "name"
		for i := 1; i < len(header) && i < 8; i++ {
			m[i] = []string{"", "mobile", "birthday", "holding.amount", "custom.score", "tags", "consent.sms", "custom.hobbies"}[i]
		}
	}
	c, err := NewConverter(header, Options{Entity: Customers, Mode: ModeCreate, Key: KeyMobile, Mapping: m}, testDefs)
	if err != nil {
		return
	}
	for n := 0; ; n++ {
		r, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errKey(err) == "" || strings.HasPrefix(errKey(err), "not a") {
				t.Fatalf("Next error is not a keyed *guanxi.Error: %v", err)
			}
			break
		}
		if r.Line < 2 {
			t.Fatalf("row line %d", r.Line)
		}
		rec, probs := c.Convert(r)
		for _, p := range probs {
			if p.Key == "" || p.Line != r.Line {
				t.Fatalf("bad problem %+v", p)
			}
		}
		_ = rec
		if n%1000 == 0 && heapObjects() > fuzzHeapLimit {
			t.Fatalf("heap %d bytes above %d", heapObjects(), fuzzHeapLimit)
		}
	}
	if h := heapObjects(); h > fuzzHeapLimit {
		t.Fatalf("heap %d bytes above %d", h, fuzzHeapLimit)
	}
}

func addTestdata(f *testing.F, pattern string) {
	files, _ := filepath.Glob(pattern)
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

func FuzzImportCSV(f *testing.F) {
	addTestdata(f, "testdata/*.csv")
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("客户名称,手机,生日\n张三,13800138000,2026年1月5日\n"))
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("客户名称|备注\n𠀀先生|㐀\n"))
	u16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("客户名称\t手机\r\n张三\t13800138000\r\n"))
	for _, seed := range [][]byte{
		nil,
		[]byte("\n\n\n"),
		[]byte("\xef\xbb\xbf"),
		[]byte("客户名称\n"),
		[]byte("客户名称,手机\n张三,\"13800138000\n"),
		[]byte("客户名称,手机\n张三,1\"3\"8\n\"\"\"\n"),
		[]byte("客户名称;金额（万元）;生日\r李四;12.5万;46027\r"),
		[]byte("\xef\xbb\xbf客户名称,手机\n李\xff四,1\n"),
		[]byte("\x00\x01\x02\x03binary\xff\xfe"),
		[]byte("\x89PNG\r\n\x1a\n\x00\x00"),
		[]byte(strings.Repeat("a,", 600) + "\n1\n"),
		[]byte("a\n" + strings.Repeat("x", 40<<10) + "\n"),
		[]byte("name,birthday,amount\n" + strings.Repeat("张三,2026-02-30,1e40\n", 50)),
		gbk, gb, u16,
		zipBomb(f, 4<<20),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		importAll(t, data, "fuzz.csv")
	})
}

func FuzzImportXLSX(f *testing.F) {
	addTestdata(f, "testdata/*.xlsx")
	f.Add(makeXLSX(f, false, xlsxSheet{name: "客户", rows: [][]any{
		{"客户名称", "手机", "生日", "贷款余额(万元)", "标签"},
		{"张三", 13800138000, time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), 12.5, "VIP"},
		{"=1+1", "+86 139 0013 9000", "2026/2/30", "abc", ""},
	}}))
	f.Add(makeXLSX(f, true, xlsxSheet{name: "隐藏", hidden: true, rows: [][]any{{"x"}}}, xlsxSheet{name: "S", rows: [][]any{{"name"}, {"a"}}}))
	f.Add(makeXLSX(f, false, xlsxSheet{name: "空"}))
	f.Add(zipBomb(f, 4<<20))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add(append(append([]byte{}, oleMagic...), make([]byte, 64)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		importAll(t, data, "fuzz.xlsx")
	})
}
