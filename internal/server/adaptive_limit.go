package server

import (
	"math"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// adaptiveLimit is the everyday in-flight limit. A fixed cap high enough
// for a PostgreSQL deployment (requests waiting on the network hold a slot
// but no CPU) lets a CPU-bound SQLite instance admit so many requests at
// 3× capacity that each waits behind all the others: the admitted p99 was
// 884 ms at the cap of 256, against TESTPLAN I3's 400 ms (317 ms at 16).
//
// So the limit follows the CPU queue itself: the Go runtime's histogram of
// how long runnable goroutines waited for a processor
// (/sched/latencies:seconds). Every window the limit shrinks by a quarter
// while that wait's 90th percentile is above congested and requests in
// flight came near the limit (down to a floor of 8 per processor), and
// grows by an eighth while the wait is below and requests were turned away
// or filled the limit. A request that waits on the
// database or the network is not runnable, so an I/O-bound instance keeps
// its full cap; a slow but lone request does not shrink it either.
type adaptiveLimit struct {
	mu        sync.Mutex
	limit     int
	min, max  int
	inFlight  int
	peak      int  // most in flight this window
	refused   bool // a request was turned away this window
	congested time.Duration
	window    time.Duration
	next      time.Time // end of the current window
	// prev holds the histogram's counts at the window's start.
	sample metrics.Sample
	prev   []uint64
	// schedP90 reads the window's wait (a field so tests can drive it).
	schedP90 func() time.Duration
}

// adaptiveWindow is how often the limit moves: short enough to follow a
// surge within a second, long enough to hold a few thousand scheduling
// events on a busy instance.
const adaptiveWindow = 100 * time.Millisecond

// newAdaptiveLimit starts at max; congested ≤ 0 keeps it there (a fixed
// cap).
func newAdaptiveLimit(max int, congested time.Duration) *adaptiveLimit {
	floor := min(max, 8*runtime.GOMAXPROCS(0))
	l := &adaptiveLimit{limit: max, min: floor, max: max, congested: congested, window: adaptiveWindow}
	l.sample.Name = "/sched/latencies:seconds"
	l.schedP90 = l.readSchedP90
	if congested <= 0 {
		l.schedP90 = func() time.Duration { return 0 }
	}
	return l
}

// acquire takes a slot, or reports false when the limit is reached (the
// cap alone for a request with its own admission, own); a true must be
// paired with release.
func (l *adaptiveLimit) acquire(now time.Time, own bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.next) {
		l.adjust()
		l.next = now.Add(l.window)
	}
	limit := l.limit
	if own {
		limit = l.max
	}
	if l.inFlight >= limit {
		l.refused = true
		return false
	}
	l.inFlight++
	l.peak = max(l.peak, l.inFlight)
	return true
}

func (l *adaptiveLimit) release() {
	l.mu.Lock()
	l.inFlight--
	l.mu.Unlock()
}

// adjust moves the limit at a window's end (l.mu held).
func (l *adaptiveLimit) adjust() {
	wait := l.schedP90()
	switch {
	case wait > l.congested && l.peak >= l.limit*3/4:
		l.limit = max(l.min, l.limit*3/4)
	case wait > l.congested:
		// A queue for the CPU with few requests in flight comes from
		// elsewhere (other processes, a background job): refusing
		// requests would not shorten it. Hold.
	case l.refused || l.peak >= l.limit:
		l.limit = min(l.max, l.limit+max(1, l.limit/8))
	}
	l.peak, l.refused = l.inFlight, false
}

// readSchedP90 is the 90th percentile of the scheduling waits since the
// last call (0 when there were none).
func (l *adaptiveLimit) readSchedP90() time.Duration {
	s := []metrics.Sample{l.sample}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	h := s[0].Value.Float64Histogram()
	if len(l.prev) != len(h.Counts) {
		l.prev = make([]uint64, len(h.Counts))
		copy(l.prev, h.Counts)
		return 0
	}
	return histP90(h, l.prev)
}

// histP90 is the 90th percentile of h's counts minus prev (as the upper
// bound of its bucket), and makes prev h's counts.
func histP90(h *metrics.Float64Histogram, prev []uint64) time.Duration {
	var total uint64
	for i, c := range h.Counts {
		total += c - prev[i]
	}
	if total == 0 {
		return 0
	}
	want := total - total/10
	var seen uint64
	var p90 time.Duration
	for i, c := range h.Counts {
		seen += c - prev[i]
		if seen >= want {
			upper := h.Buckets[i+1]
			if math.IsInf(upper, 1) {
				upper = h.Buckets[i]
			}
			p90 = time.Duration(upper * float64(time.Second))
			break
		}
	}
	copy(prev, h.Counts)
	return p90
}
