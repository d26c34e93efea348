package survey

import (
	"sync"
	"time"
)

// Limiter caps requests per address on the public link endpoints with a
// fixed window. It lives in memory, so each instance counts on its own:
// behind N instances an address gets up to N × Max per window.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu     sync.Mutex
	counts map[string]int
	start  time.Time
}

// NewLimiter allows max requests per address per window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now}
}

// Allow counts one request from addr and reports whether it may proceed.
func (l *Limiter) Allow(addr string) bool {
	if l == nil || l.Max <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if l.counts == nil || now.Sub(l.start) >= l.Window {
		// A new window forgets every address, so the map never grows
		// beyond one window's callers.
		l.counts, l.start = map[string]int{}, now
	}
	l.counts[addr]++
	return l.counts[addr] <= l.Max
}
