package audit

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Denial is one request refused with 403, or answered 404 for another
// agent's object, to a signed-in caller (TESTPLAN E1, A1): where it came in and, when the route's own check refused it,
// the permission the caller lacks.
type Denial struct {
	Surface string            // "api" or "web"
	Method  string            // GET, POST…
	Route   string            // the route pattern, e.g. /api/v1/customers/{id}
	Path    string            // the request path (ids, never the query string)
	Perm    guanxi.Permission // the missing permission, "" when a service refused
	// OutOfScope: answered 404 for an object that exists but is not in the
	// caller's scope (guanxi.IsOutOfScope), not 403.
	OutOfScope bool
}

// Denial throttle: at most one access_denied row per actor, method and route
// pattern per deniedWindow, remembered in memory per serving instance (so N
// instances may write up to N rows a minute). A script hammering a forbidden
// route cannot flood the log or its disk, and one row a minute per route
// still shows who probed what and when. deniedMaxKeys bounds the memory.
const (
	deniedWindow  = time.Minute
	deniedMaxKeys = 10000
)

// denialThrottle remembers when each (actor, route) last wrote a row.
// The zero value is ready to use.
type denialThrottle struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// reserve reports whether key may write a row at now, and marks it.
func (t *denialThrottle) reserve(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if at, ok := t.last[key]; ok && now.Sub(at) < deniedWindow {
		return false
	}
	if t.last == nil {
		t.last = map[string]time.Time{}
	}
	if len(t.last) >= deniedMaxKeys {
		for k, at := range t.last {
			if now.Sub(at) >= deniedWindow {
				delete(t.last, k)
			}
		}
		if len(t.last) >= deniedMaxKeys {
			// Still full of live keys: forget them all rather than grow;
			// at worst a few more rows than one a minute.
			clear(t.last)
		}
	}
	t.last[key] = now
	return true
}

// release forgets a reservation whose row could not be written, so the
// next denial tries again.
func (t *denialThrottle) release(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last[key] == at {
		delete(t.last, key)
	}
}

// Denied appends one access_denied row (outcome "denied") for a refused
// request of a, unless the throttle above has already recorded the same
// actor and route within the minute. The row is written even when the
// caller has hung up, within a few seconds.
func (s *Service) Denied(ctx context.Context, a guanxi.Actor, d Denial) error {
	who := a.Username
	if a.UserID != 0 {
		who = strconv.FormatInt(a.UserID, 10)
	}
	key := who + " " + d.Method + " " + d.Route
	now := time.Now()
	if !s.denials.reserve(key, now) {
		return nil
	}
	detail := map[string]any{"surface": d.Surface, "method": d.Method, "route": d.Route, "path": d.Path}
	if d.Perm != "" {
		detail["perm"] = d.Perm
	}
	if d.OutOfScope {
		detail["reason"] = "out_of_scope"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.Store.Audit(ctx, New(a, ActionDenied, "route", 0, detail).Failed("denied")); err != nil {
		s.denials.release(key, now)
		return err
	}
	return nil
}
