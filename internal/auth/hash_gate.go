package auth

import (
	"context"
	"slices"
	"sync"
)

// Priorities of a password check at the gate, highest first; the address
// decides (addr_throttle.go).
const (
	// prioKnown: the address signed in successfully within goodWindow.
	prioKnown = iota
	// prioClean: no recent failure, nothing running (anyone's first try).
	prioClean
	// prioSuspect: starts only while no other check runs or waits.
	prioSuspect
	numPrios
)

// hashGate admits password checks, n at a time (each holds 64 MiB and its
// Params.Threads cores for tens of milliseconds). A waiting check of a
// higher priority goes first; among equals the newest goes first. A
// suspect check starts only when no other check runs or waits, so attack
// traffic never takes a real user's turn.
//
// Newest first because a sign-in is worth less the longer its person has
// waited: in a login storm every attack address's first try is clean and
// arrives at once; first-in-first-out made each real user who came after
// wait behind that whole burst, newest-first serves them at their turn and
// the burst drains in the gaps. A check that waits too long ends with its
// request's deadline (503 with Retry-After) — the adaptive-LIFO trade-off
// of "Fail at Scale" (ACM Queue, 2015). Someone who came during the burst
// is buried under it; an address that signed in before is served first.
type hashGate struct {
	mu      sync.Mutex
	n, free int
	// wait holds the waiting checks' channels per priority, each a stack
	// (newest last). Others wait only while free is 0, suspects while
	// free < n.
	wait [numPrios][]chan struct{}
}

func newHashGate(n int) *hashGate { return &hashGate{n: n, free: n} }

// acquire waits for a turn, or until ctx ends; a nil error must be paired
// with one release.
func (g *hashGate) acquire(ctx context.Context, prio int) error {
	g.mu.Lock()
	if (prio != prioSuspect && g.free > 0) || g.free == g.n {
		g.free--
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{}, 1) // buffered: release never blocks
	g.wait[prio] = append(g.wait[prio], ch)
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		if i := slices.Index(g.wait[prio], ch); i >= 0 {
			g.wait[prio] = slices.Delete(g.wait[prio], i, i+1)
			g.mu.Unlock()
			return ctx.Err()
		}
		g.mu.Unlock()
		g.release() // the turn came as ctx ended: hand it on
		return ctx.Err()
	}
}

// release ends a turn, handing it to the newest waiter of the highest
// priority, a suspect only when the gate falls idle.
func (g *hashGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for p := range prioSuspect {
		if len(g.wait[p]) > 0 {
			g.handNewest(p)
			return
		}
	}
	g.free++
	if len(g.wait[prioSuspect]) > 0 && g.free == g.n {
		g.free--
		g.handNewest(prioSuspect)
	}
}

// handNewest gives the turn to the newest waiter of priority p.
func (g *hashGate) handNewest(p int) {
	last := len(g.wait[p]) - 1
	ch := g.wait[p][last]
	g.wait[p] = g.wait[p][:last]
	ch <- struct{}{}
}
