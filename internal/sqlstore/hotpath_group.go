package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
)

// Group commit for customer creates on SQLite. With synchronous=FULL every
// transaction pays one WAL append and fsync, and a create's ~25 changed
// pages (the row, 13 indexes, ~40 search tokens, tags, audit) are written
// again by the next create for the pages they share. Concurrent creates
// therefore share one BEGIN IMMEDIATE … COMMIT:
//   - each caller's work runs inside its own SAVEPOINT, so a caller's
//     error (or panic) rolls back only its own work and is returned to it;
//   - every caller is answered only after the shared COMMIT succeeded, and
//     all of them fail if it fails (nothing was acknowledged before it, so
//     a crash loses only unacknowledged work, as before);
//   - the work runs with the caller's context detached from cancellation:
//     a cancelled statement inside a transaction can make SQLite roll back
//     the whole transaction, which would take the others' work with it.
// PostgreSQL keeps one transaction per request.

// groupMax bounds one shared transaction.
const groupMax = 64

type groupReq struct {
	fn   func(*sqlx.Tx) error
	done chan groupResult
}

type groupResult struct {
	err   error
	panic any
}

// groupQueue is the pending work and whether a leader goroutine is
// draining it.
type groupQueue struct {
	mu      sync.Mutex
	pending []*groupReq
	running bool
}

// groupCreates turns the sharing on; benchmarks turn it off to compare.
var groupCreates = true

// groupCommit commits a shared transaction; tests replace it to make the
// commit fail.
var groupCommit = func(tx *sqlx.Tx) error { return tx.Commit() }

// groupTx runs fn in a write transaction shared with concurrent callers
// (see above) and returns fn's error, or the shared transaction's.
func (s *Store) groupTx(fn func(*sqlx.Tx) error) error {
	req := &groupReq{fn: fn, done: make(chan groupResult, 1)}
	g := &s.group
	g.mu.Lock()
	g.pending = append(g.pending, req)
	if !g.running {
		g.running = true
		go s.leadGroups()
	}
	g.mu.Unlock()
	r := <-req.done
	if r.panic != nil {
		panic(r.panic)
	}
	return r.err
}

// leadGroups runs shared transactions while work is pending: what arrives
// during one transaction forms the next.
func (s *Store) leadGroups() {
	g := &s.group
	for {
		g.mu.Lock()
		n := min(len(g.pending), groupMax)
		if n == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		batch := g.pending[:n:n]
		g.pending = append([]*groupReq(nil), g.pending[n:]...)
		g.mu.Unlock()
		s.runGroup(batch)
	}
}

// groupShared counts shared transactions of more than one caller,
// groupTxs all of them (tests and benchmarks report them).
var groupShared, groupTxs atomic.Int64

func (s *Store) runGroup(batch []*groupReq) {
	groupTxs.Add(1)
	if len(batch) > 1 {
		groupShared.Add(1)
	}
	answered := 0 // batch[:answered] have their result
	var ok []*groupReq
	failAll := func(err error) {
		err = guanxi.Internal(fmt.Errorf("group commit: %w", err))
		for _, r := range ok {
			r.done <- groupResult{err: err}
		}
		for _, r := range batch[answered:] {
			r.done <- groupResult{err: err}
		}
	}
	tx, err := s.w.BeginTxx(context.Background(), nil)
	if err != nil {
		failAll(err)
		return
	}
	for _, r := range batch {
		if _, err := tx.Exec("SAVEPOINT g"); err != nil {
			tx.Rollback()
			failAll(err)
			return
		}
		res := runGroupFn(r.fn, tx)
		if res.err == nil && res.panic == nil {
			if _, err := tx.Exec("RELEASE g"); err != nil {
				tx.Rollback()
				failAll(err)
				return
			}
			ok = append(ok, r)
			answered++
			continue
		}
		// Undo this caller's work only. If that fails the transaction is
		// no longer the one the others' work is in: fail everyone.
		if _, err := tx.Exec("ROLLBACK TO g"); err != nil {
			tx.Rollback()
			failAll(err)
			return
		}
		if _, err := tx.Exec("RELEASE g"); err != nil {
			tx.Rollback()
			failAll(err)
			return
		}
		r.done <- res
		answered++
	}
	if err := groupCommit(tx); err != nil {
		tx.Rollback()
		failAll(err)
		return
	}
	for _, r := range ok {
		r.done <- groupResult{}
	}
}

func runGroupFn(fn func(*sqlx.Tx) error, tx *sqlx.Tx) (res groupResult) {
	defer func() {
		if p := recover(); p != nil {
			res = groupResult{panic: p}
		}
	}()
	return groupResult{err: fn(tx)}
}
