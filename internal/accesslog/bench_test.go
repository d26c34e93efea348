package accesslog

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

type nopStore struct{}

func (nopStore) InsertAccess(context.Context, []Access) error { return nil }

// BenchmarkRecord is the cost a customer read pays on its own goroutine:
// a mutex and an append (the flush runs elsewhere, in batches).
func BenchmarkRecord(b *testing.B) {
	l := &Log{Store: nopStore{}, Interval: time.Hour, Batch: 1000}
	a := guanxi.Actor{UserID: 7}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Record(a, APIGet, 42); err != nil {
			b.Fatal(err)
		}
	}
	l.Close()
}
