package sqlstore

import (
	"context"
	"os"
	"strconv"
	"time"
)

// SQLite checkpoints the WAL into the database file every 1,000 pages, but
// a checkpoint can only start the WAL over when no reader still uses it.
// Under sustained load some read is always running, so the WAL never
// restarts and grows: the soak test (cmd/guanxi/soak_test.go) saw 1.2 GB
// after 3 minutes near capacity, with reads slowing as it grew. The guard
// checks the WAL's size every walCheckEvery and, past WALLimit, runs a
// TRUNCATE checkpoint on the writer: it copies every frame, waits (at most
// walWait) for the reads that began before it to end — new reads go to the
// database file — and truncates the WAL to zero. Writes wait meanwhile.
const (
	walCheckEvery = 500 * time.Millisecond
	// WALLimit is the WAL size past which the guard truncates it.
	WALLimit = 8 << 20
	walWait  = 200 * time.Millisecond
)

// walGuard runs until stop is closed; SQLite only.
type walGuard struct {
	every time.Duration
	limit int64
	stop  chan struct{}
	done  chan struct{}
}

// startWALGuard starts the guard of s's WAL file.
func (s *Store) startWALGuard(every time.Duration, limit int64) {
	g := &walGuard{every: every, limit: limit, stop: make(chan struct{}), done: make(chan struct{})}
	s.wal = g
	go func() {
		defer close(g.done)
		t := time.NewTicker(g.every)
		defer t.Stop()
		for {
			select {
			case <-g.stop:
				return
			case <-t.C:
				s.checkWAL(g.limit)
			}
		}
	}()
}

// checkWAL truncates the WAL when it is larger than limit. A failure (busy
// past the timeout) is left for the next tick.
func (s *Store) checkWAL(limit int64) {
	fi, err := os.Stat(s.path + "-wal")
	if err != nil || fi.Size() <= limit {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.w.Conn(ctx) // the writer's one connection
	if err != nil {
		return
	}
	defer conn.Close()
	// Wait at most walWait for the reads in the way (writes queue behind
	// it); when they outlast it the frames are copied all the same and the
	// next tick tries the restart again.
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.Itoa(int(walWait/time.Millisecond))); err != nil {
		return
	}
	_, _ = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	_, _ = conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.Itoa(sqliteBusyTimeoutMS))
}

// stopWALGuard stops the guard and waits for a check in progress.
func (s *Store) stopWALGuard() {
	if s.wal != nil {
		close(s.wal.stop)
		<-s.wal.done
		s.wal = nil
	}
}
