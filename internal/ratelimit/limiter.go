// Package ratelimit caps requests per key (a client address) in memory with
// a fixed window. It is pure: no I/O, the clock is injectable.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter caps requests per key with a fixed window. It lives in memory,
// so each instance counts on its own: behind N instances a key gets up to
// N × Max per window.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu     sync.Mutex
	counts map[string]int
	start  time.Time
}

// New allows max requests per key per window.
func New(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now}
}

// Allow counts one request from key and reports whether it may proceed.
func (l *Limiter) Allow(key string) bool {
	ok, _ := l.Take(key)
	return ok
}

// Take counts one request from key; when it may not proceed it also says
// how long until the window ends (for Retry-After).
func (l *Limiter) Take(key string) (bool, time.Duration) {
	if l == nil || l.Max <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.counts == nil || now.Sub(l.start) >= l.Window || now.Before(l.start) {
		// A new window forgets every key, so the map never grows beyond
		// one window's callers.
		l.counts, l.start = map[string]int{}, now
	}
	if l.counts[key] >= l.Max {
		// Refusals are not counted: a caller that keeps trying is still
		// let in when the window turns.
		return false, l.start.Add(l.Window).Sub(now)
	}
	l.counts[key]++
	return true, 0
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}
