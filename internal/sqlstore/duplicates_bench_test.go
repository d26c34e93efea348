package sqlstore_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/demo"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// BenchmarkDuplicateScan runs the whole-archive duplicate scan over the demo
// archive (GUANXI_BENCH_CUSTOMERS customers, default 100 000) on each
// engine. The first scan fills the queue; the loop measures the daily
// rescan (every rule again, every pair offered, known ones kept).
func BenchmarkDuplicateScan(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("GUANXI_BENCH_CUSTOMERS")); err == nil && v > 0 {
		n = v
	}
	for _, e := range sqltest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			s := e.Open(b)
			ctx := context.Background()
			if err := s.LoadDemo(ctx, demo.New(1, n), "x", nil); err != nil {
				b.Fatal(err)
			}
			if err := s.Analyze(ctx); err != nil {
				b.Fatal(err)
			}
			sys := guanxi.SystemActor("bench")
			first, err := s.ScanDuplicates(ctx, sys)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%d customers: first scan %s, %d candidate pairs, %d added", n, first.Took, first.Candidates, first.Added)
			for b.Loop() {
				if _, err := s.ScanDuplicates(ctx, sys); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(first.Candidates), "pairs")
		})
	}
}
