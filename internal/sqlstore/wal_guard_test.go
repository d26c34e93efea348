package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// walUnderLoad writes rows of 4 KiB (about one a millisecond) while readers keep a read
// transaction open at every moment (each holds one for 20 ms, staggered),
// and returns the WAL's largest size.
func walUnderLoad(t *testing.T, s *Store, rows int) int64 {
	t.Helper()
	ctx := context.Background()
	// No fsync: the checkpoints SQLite attempts at each commit past 1,000
	// pages would otherwise sync the file each time (seconds in all).
	for _, q := range []string{"PRAGMA synchronous=OFF", "CREATE TABLE wal_probe (id INTEGER PRIMARY KEY, b BLOB)"} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 5 * time.Millisecond)
			for !stop.Load() {
				tx, err := s.r.BeginTxx(ctx, nil)
				if err != nil {
					t.Error(err)
					return
				}
				// Any read of the file takes a snapshot that pins the WAL.
				var n int
				if err := tx.GetContext(ctx, &n, "SELECT COALESCE(MAX(id), 0) FROM wal_probe"); err != nil {
					t.Error(err)
				}
				time.Sleep(20 * time.Millisecond)
				tx.Rollback()
			}
		}()
	}
	var peak atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if fi, err := os.Stat(s.path + "-wal"); err == nil && fi.Size() > peak.Load() {
				peak.Store(fi.Size())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	row := make([]byte, 4096)
	for range rows {
		if _, err := s.w.ExecContext(ctx, "INSERT INTO wal_probe (b) VALUES (?)", row); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // a few MiB a second, like a busy server
	}
	stop.Store(true)
	wg.Wait()
	return peak.Load()
}

// TestWALGuardBoundsTheWAL: with a read always running, SQLite's own
// checkpoints cannot start the WAL over and it grows with every write; the
// guard keeps it near its limit.
func TestWALGuardBoundsTheWAL(t *testing.T) {
	open := func(t *testing.T, guard bool) *Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "g.db"), Options{SyncNormal: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.stopWALGuard()
		if guard {
			s.startWALGuard(50*time.Millisecond, 1<<20)
		}
		return s
	}
	const limit = 1 << 20
	without := walUnderLoad(t, open(t, false), 1200)
	with := walUnderLoad(t, open(t, true), 1200)
	t.Logf("largest WAL over 1,200 rows of 4 KiB: %d KiB without the guard, %d KiB with it (limit %d KiB)", without>>10, with>>10, limit>>10)
	if without < 4*limit {
		t.Fatalf("the load did not grow the WAL without the guard (%d KiB): the test proves nothing", without>>10)
	}
	// The guard checks every 50 ms: the WAL may pass the limit by what the
	// writer adds in between (well under a MiB), never grow with the load.
	if with > 3*limit {
		t.Fatalf("WAL reached %d KiB with the guard (limit %d KiB)", with>>10, limit>>10)
	}
}
