package accesslog

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Store writes access rows; InsertAccess writes them all in one transaction.
type Store interface {
	InsertAccess(ctx context.Context, rows []Access) error
}

// Defaults of Log.
const (
	DefaultInterval    = 500 * time.Millisecond
	DefaultBatch       = 1000
	DefaultMax         = 100_000
	DefaultMaxFailures = 3
)

var (
	errFull    = errors.New("accesslog: buffer full")
	errFailing = errors.New("accesslog: flushes failing")
	errClosed  = errors.New("accesslog: closed")
)

// Log buffers access rows and flushes them in batches. A nil *Log records
// nothing (tests and tools that do not wire one). It owns no goroutine
// between flushes: a timer fires a flush Interval after the first buffered
// row, and a full Batch starts one at once.
type Log struct {
	Store Store
	Now   guanxi.Clock
	Log   *slog.Logger
	// Interval bounds how long a row waits (and so what a crash loses);
	// Batch starts a flush early; Max bounds the buffer (then reads are
	// refused); MaxFailures consecutive failed flushes refuse reads until
	// one succeeds.
	Interval    time.Duration
	Batch       int
	Max         int
	MaxFailures int

	mu       sync.Mutex
	idle     *sync.Cond // signalled when a flush ends
	buf      []Access
	spare    []Access
	timer    *time.Timer
	armed    bool
	flushing bool
	failures int
	closed   bool
}

func (l *Log) interval() time.Duration {
	if l.Interval > 0 {
		return l.Interval
	}
	return DefaultInterval
}

func (l *Log) batch() int {
	if l.Batch > 0 {
		return l.Batch
	}
	return DefaultBatch
}

func (l *Log) max() int {
	if l.Max > 0 {
		return l.Max
	}
	return DefaultMax
}

func (l *Log) maxFailures() int {
	if l.MaxFailures > 0 {
		return l.MaxFailures
	}
	return DefaultMaxFailures
}

func (l *Log) now() time.Time {
	if l.Now != nil {
		return l.Now().UTC()
	}
	return time.Now().UTC()
}

// Record buffers that a accessed the customers ids via v. It never blocks
// on the database; it returns Unavailable (503) when the buffer is full,
// flushes keep failing or the log is closed, and the caller must then
// refuse the read. Calls with no ids record nothing.
func (l *Log) Record(a guanxi.Actor, v Via, ids ...guanxi.ID) error {
	if l == nil || len(ids) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.appendLocked(a, v, ids)
}

func (l *Log) appendLocked(a guanxi.Actor, v Via, ids []guanxi.ID) error {
	switch {
	case l.closed:
		return errUnavailable(errClosed)
	case l.failures >= l.maxFailures():
		return errUnavailable(errFailing)
	case len(l.buf)+len(ids) > l.max():
		l.startFlushLocked()
		return errUnavailable(errFull)
	}
	at := l.now()
	for _, id := range ids {
		l.buf = append(l.buf, Access{UserID: a.UserID, CustomerID: id, At: at, Via: v})
	}
	if len(l.buf) >= l.batch() {
		l.startFlushLocked()
	} else {
		l.armLocked()
	}
	return nil
}

// RecordWait is Record for exports: when the buffer is full it waits for
// room (flushes drain it) instead of refusing, until ctx ends. Failing
// flushes still refuse.
func (l *Log) RecordWait(ctx context.Context, a guanxi.Actor, v Via, ids ...guanxi.ID) error {
	if l == nil || len(ids) == 0 {
		return nil
	}
	for {
		l.mu.Lock()
		err := l.appendLocked(a, v, ids)
		l.mu.Unlock()
		if !errors.Is(err, errFull) || len(ids) > l.max() {
			return err
		}
		select {
		case <-ctx.Done():
			return errUnavailable(ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// armLocked starts the interval timer if it is not running.
func (l *Log) armLocked() {
	if l.armed || l.closed || len(l.buf) == 0 {
		return
	}
	l.armed = true
	if l.timer == nil {
		l.timer = time.AfterFunc(l.interval(), l.tick)
	} else {
		l.timer.Reset(l.interval())
	}
}

func (l *Log) tick() {
	l.mu.Lock()
	l.armed = false
	l.startFlushLocked()
	l.mu.Unlock()
}

// startFlushLocked runs a flush in the background unless one is running
// (its end looks at the buffer again).
func (l *Log) startFlushLocked() {
	if l.flushing || len(l.buf) == 0 {
		return
	}
	l.flushing = true
	go l.flushLoop()
}

// flushLoop writes the buffer until it is below a batch or a write fails;
// a failure keeps the rows and retries after Interval.
func (l *Log) flushLoop() {
	for {
		l.mu.Lock()
		rows := l.buf
		l.buf = l.spare[:0]
		l.spare = nil
		l.mu.Unlock()

		err := l.write(rows)

		l.mu.Lock()
		if err != nil {
			l.failures++
			// Keep the failed rows ahead of newer ones, bounded by Max so a
			// long outage cannot grow memory without end (newer reads are
			// refused meanwhile, so nothing unlogged is served).
			l.buf = append(rows, l.buf...)
			if l.Log != nil {
				l.Log.Error("access log flush failed", "rows", len(rows), "failures", l.failures, "err", err)
			}
		} else {
			l.failures = 0
			l.spare = rows[:0]
		}
		again := err == nil && len(l.buf) >= l.batch() && !l.closed
		if !again {
			l.flushing = false
			l.armLocked()
			if l.idle != nil {
				l.idle.Broadcast()
			}
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
	}
}

func (l *Log) write(rows []Access) error {
	if len(rows) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return l.Store.InsertAccess(ctx, rows)
}

// Flush writes everything buffered now and waits for it; it returns the
// write's error. Tests and Close use it.
func (l *Log) Flush() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.idle == nil {
		l.idle = sync.NewCond(&l.mu)
	}
	for l.flushing {
		l.idle.Wait()
	}
	rows := l.buf
	l.buf = nil
	l.mu.Unlock()
	err := l.write(rows)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.failures++
		l.buf = append(rows, l.buf...)
		return err
	}
	l.failures = 0
	return nil
}

// Close stops taking rows and flushes the rest (graceful shutdown). Reads
// after Close are refused.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
	}
	l.mu.Unlock()
	return l.Flush()
}

// Pending returns the number of rows not yet written (for health pages).
func (l *Log) Pending() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buf)
}
