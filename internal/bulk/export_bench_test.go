package bulk

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// benchExport writes 1M generated customers (no database) through the
// export's row rendering, masking and table writer, and reports the peak
// heap in use, sampled every 100,000 rows.
func benchExport(b *testing.B, f Format) {
	bundle, err := i18n.New()
	if err != nil {
		b.Fatal(err)
	}
	e := &Exporter{I18n: bundle}
	p := exportPlan{req: ExportRequest{Kind: ExportCustomers, Format: f, Lang: "zh-CN"}}
	defs := []customer.FieldDef{{Key: "car", LabelZh: "车型", Type: customer.FieldText}, {Key: "level", LabelZh: "等级", Type: customer.FieldChoice}}
	created := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	const n = 1_000_000
	for b.Loop() {
		var peak uint64
		w := &countWriter{}
		start := time.Now()
		t := newTable(w, f)
		rows, err := e.writeCustomers(context.Background(), p, defs, t, func(fn func(page []customer.Customer) error) error {
			page := make([]customer.Customer, 0, exportPage)
			for i := range n {
				s := strconv.Itoa(i)
				page = append(page, customer.Customer{ID: int64(i + 1), Number: "KH" + s, Kind: customer.Person, Name: "张伟" + s, Gender: "male",
					Birthday: "1980-01-02", IDType: customer.IDResident, IDNumber: "33010619800102" + s, Mobile: "138" + s,
					Email: "u" + s + "@example.com", Province: "浙江省", City: "杭州市", District: "西湖区", Address: "文三路" + s + "号",
					Market: customer.MarketPersonal, Industry: "finance", Source: "walk_in", Stage: customer.StageCustomer, Grade: "A",
					Tags: []string{"vip", "车主"}, OwnerName: "李经理", CreatedAt: created, LastContactAt: &created,
					Custom: map[string]any{"car": "Model " + s, "level": "gold"}})
				if len(page) == exportPage {
					if err := fn(page); err != nil {
						return err
					}
					page = page[:0]
				}
				if i%100_000 == 0 {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
				}
			}
			return fn(page)
		}, nil)
		if err == nil {
			err = t.Close()
		}
		if err != nil || rows != n {
			b.Fatal(rows, err)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(w.n)/(1<<20), "file-MiB")
		b.ReportMetric(n/time.Since(start).Seconds(), "rows/s")
	}
}

func BenchmarkExportXLSX1M(b *testing.B) { benchExport(b, FormatXLSX) }
func BenchmarkExportCSV1M(b *testing.B)  { benchExport(b, FormatCSV) }
