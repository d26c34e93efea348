package bulk

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

var benchHeader = []string{"客户编号", "客户名称", "性别", "手机", "身份证号", "生日", "地址", "客户阶段", "标签", "车型", "车架号", "购车价格(元)", "购车日期"}

func benchRow(i int) []string {
	return []string{"C" + strconv.Itoa(100000+i), "张三" + strconv.Itoa(i%100), "男", "138 0013 " + fmt.Sprintf("%04d", i%10000), testRID,
		"1990/3/7", "浙江省杭州市西湖区文三路" + strconv.Itoa(i%500) + "号", "C卡", "VIP，老客户", "大众朗逸", testVIN, "129,800.00", "2023年5月20日"}
}

// BenchmarkConvert measures one typical customer row (13 columns with a
// holding) through normalisation and full domain validation.
func BenchmarkConvert(b *testing.B) {
	o := Options{Entity: Customers, Mode: ModeCreate, Key: KeyMobile, Mapping: AutoMap(Customers, benchHeader, nil)}
	c, err := NewConverter(benchHeader, o, nil)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]Row, 1024)
	for i := range rows {
		rows[i] = Row{Line: i + 2, Cells: benchRow(i)}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, probs := c.Convert(rows[i%len(rows)])
		if len(probs) != 0 {
			b.Fatalf("problems %+v", probs)
		}
		i++
	}
}

// BenchmarkReadCSV measures the streaming CSV reader on the same rows.
func BenchmarkReadCSV(b *testing.B) {
	var buf bytes.Buffer
	buf.Write(utf8BOM)
	for i := -1; i < 100_000; i++ {
		cells := benchHeader
		if i >= 0 {
			cells = benchRow(i)
		}
		for j, c := range cells {
			if j > 0 {
				buf.WriteByte(',')
			}
			if bytes.ContainsAny([]byte(c), ",\"") {
				c = strconv.Quote(c)
			}
			buf.WriteString(c)
		}
		buf.WriteString("\r\n")
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rd, err := Open(bytes.NewReader(data), int64(len(data)), "b.csv", "", DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			if _, err := rd.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
			n++
		}
		if n != 100_000 {
			b.Fatalf("%d rows", n)
		}
	}
}

// BenchmarkReadXLSX200k streams a generated 200,000-row workbook and
// reports the peak heap while reading (peak-heap-MB, sampled every 2,000
// rows; it includes the file's bytes, held by the test).
func BenchmarkReadXLSX200k(b *testing.B) {
	const n = 200_000
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	cells := make([]any, len(benchHeader))
	for i := 0; i <= n; i++ {
		src := benchHeader
		if i > 0 {
			src = benchRow(i)
		}
		for j, c := range src {
			cells[j] = c
		}
		if i > 0 {
			cells[3] = 13800000000 + i // numbers, as Excel stores typed phones
		}
		addr, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(addr, cells); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		b.Fatal(err)
	}
	_ = f.Close()
	data := buf.Bytes()
	var peak uint64
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		base := heapObjects()
		rd, err := Open(bytes.NewReader(data), int64(len(data)), "b.xlsx", "", DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			if _, err := rd.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
			rows++
			if rows%2000 == 0 {
				peak = max(peak, heapObjects())
			}
		}
		_ = rd.Close()
		b.Logf("heap before %d MB, peak while reading %d MB (file %d MB)", base>>20, peak>>20, len(data)>>20)
		if rows != n {
			b.Fatalf("%d rows", rows)
		}
	}
	b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
	b.ReportMetric(float64(len(data))/1e6, "file-MB")
}
