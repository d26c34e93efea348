package server

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// TestAdaptiveLimitFollowsTheCPUQueue drives the limit with a stubbed
// scheduling wait: it shrinks by a quarter a window while the wait is above
// the threshold, never below its floor, holds while demand is below it,
// and grows back while requests are refused and the queue is short.
func TestAdaptiveLimitFollowsTheCPUQueue(t *testing.T) {
	l := newAdaptiveLimit(256, 5*time.Millisecond)
	l.min = 16
	wait := time.Duration(0)
	l.schedP90 = func() time.Duration { return wait }
	now := time.Unix(0, 0)
	tick := func() { now = now.Add(l.window + time.Millisecond) }
	// Fill to the cap: the 257th is refused.
	for i := 0; i < 256; i++ {
		if !l.acquire(now, false) {
			t.Fatalf("request %d refused below the cap", i)
		}
	}
	if l.acquire(now, false) || l.acquire(now, true) {
		t.Fatal("a request above the cap was admitted")
	}
	// Congested with few requests in flight (another process takes the
	// CPU): the limit holds.
	for i := 0; i < 256; i++ {
		l.release()
	}
	for i := 0; i < 10; i++ {
		l.acquire(now, false)
	}
	wait = 40 * time.Millisecond
	tick()
	l.acquire(now, false) // the window that saw 256 in flight: shrinks once
	if l.limit != 192 {
		t.Fatalf("limit %d after the full window, want 192", l.limit)
	}
	for i := 0; i < 3; i++ {
		tick()
		l.acquire(now, false)
		if l.limit != 192 {
			t.Fatalf("limit moved to %d with 11 in flight", l.limit)
		}
	}
	for i := 0; i < 11; i++ {
		l.release()
	}
	l.limit = 256
	for i := 0; i < 256; i++ {
		l.acquire(now, false)
	}
	// Congested and at the limit: each window takes a quarter off, down to
	// the floor.
	wait = 40 * time.Millisecond
	want := []int{192, 144, 108, 81, 60, 45, 33, 24, 18, 16, 16}
	for i, w := range want {
		tick()
		l.acquire(now, false) // refused: 256 in flight
		if l.limit != w {
			t.Fatalf("window %d: limit %d, want %d", i, l.limit, w)
		}
	}
	// A sign-in (own admission) is held to the cap only.
	for i := 0; i < 200; i++ {
		l.release()
	}
	if l.acquire(now, false) {
		t.Fatal("admitted above the shrunk limit")
	}
	if !l.acquire(now, true) {
		t.Fatal("a sign-in was refused below the cap")
	}
	l.release()
	for i := 0; i < 200; i++ {
		l.acquire(now, true)
	}
	// The in-flight requests finish; below the limit everything is admitted
	// while the CPU is calm, and the limit holds while demand stays below it.
	for i := 0; i < 256; i++ {
		l.release()
	}
	wait = 100 * time.Microsecond
	tick()
	l.acquire(now, false) // this window sees the last congested one's refusals
	l.release()
	held := l.limit
	for i := 0; i < 3; i++ {
		tick()
		if !l.acquire(now, false) {
			t.Fatal("refused below the limit")
		}
		l.release()
	}
	if l.limit != held || held > 18 {
		t.Fatalf("limit moved %d → %d without demand", held, l.limit)
	}
	// Demand above the limit with a calm CPU: it grows an eighth a window
	// back to the cap.
	for round := 0; l.limit < 256; round++ {
		if round > 40 {
			t.Fatalf("limit stuck at %d", l.limit)
		}
		tick()
		n := 0
		for l.acquire(now, false) {
			n++
		}
		for ; n > 0; n-- {
			l.release()
		}
	}
	if l.limit != 256 {
		t.Fatalf("limit %d above the cap", l.limit)
	}
}

// TestAdaptiveLimitOff: a negative threshold keeps the fixed cap whatever
// the CPU queue.
func TestAdaptiveLimitOff(t *testing.T) {
	l := newAdaptiveLimit(8, -1)
	now := time.Unix(0, 0)
	for w := 0; w < 20; w++ {
		now = now.Add(time.Second)
		n := 0
		for l.acquire(now, false) {
			n++
		}
		if n != 8 {
			t.Fatalf("window %d: %d admitted, want 8", w, n)
		}
		for ; n > 0; n-- {
			l.release()
		}
	}
}

// TestHistP90 reads the 90th percentile of a histogram's window.
func TestHistP90(t *testing.T) {
	h := &metrics.Float64Histogram{Buckets: []float64{0, 0.001, 0.01, 0.1}, Counts: []uint64{100, 100, 100}}
	prev := []uint64{100, 100, 100}
	if got := histP90(h, prev); got != 0 {
		t.Fatalf("empty window: %v", got)
	}
	h.Counts = []uint64{180, 110, 110} // the window: 80, 10, 10
	if got := histP90(h, prev); got != 10*time.Millisecond {
		t.Fatalf("p90 %v, want 10ms (the second bucket's upper bound)", got)
	}
	if prev[0] != 180 {
		t.Fatal("prev not advanced")
	}
	// The runtime's histogram sees goroutines queueing for a processor.
	l := newAdaptiveLimit(64, time.Millisecond)
	l.readSchedP90()
	done := make(chan struct{})
	for i := 0; i < 8*runtime.GOMAXPROCS(0); i++ {
		go func() {
			for {
				select {
				case <-done:
					return
				default:
					runtime.Gosched()
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(done)
	if got := l.readSchedP90(); got <= 0 {
		t.Fatalf("no scheduling wait seen with %d busy goroutines", 8*runtime.GOMAXPROCS(0))
	}
}
