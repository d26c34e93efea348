package server

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/ratelimit"
)

// Limits bound what one instance takes on, so that overload is refused
// fast instead of queueing until every request is slow (TESTPLAN I1–I6).
// Zero fields take the defaults; a negative field turns that limit off.
type Limits struct {
	// InFlight caps requests being served at once (default 256). The
	// excess gets 503 with Retry-After at once. Below the cap the limit
	// adapts to the CPU queue (adaptive_limit.go).
	InFlight int
	// Congestion is the 90th percentile of the wait of runnable goroutines
	// for a processor above which the in-flight limit shrinks (default
	// 5 ms; negative: the limit stays at InFlight).
	Congestion time.Duration
	// Heavy caps imports, exports and reports being served at once
	// (default 4), a separate pool, so they cannot take the capacity that
	// everyday pages and API calls need.
	Heavy int
	// PerUser caps requests per signed-in user (or, before sign-in, per
	// client address) per second (default 100); the excess gets 429.
	PerUser int
	// Deadline bounds an everyday request (default 10 s), HeavyDeadline a
	// heavy one (default 60 s); past it the request's SQL is interrupted
	// and the caller gets 503 (see withDeadline).
	Deadline, HeavyDeadline time.Duration
}

func (l Limits) withDefaults() Limits {
	def := func(v, d int) int {
		switch {
		case v == 0:
			return d
		case v < 0:
			return 0
		}
		return v
	}
	dur := func(v, d time.Duration) time.Duration {
		switch {
		case v == 0:
			return d
		case v < 0:
			return 0
		}
		return v
	}
	return Limits{InFlight: def(l.InFlight, 256), Heavy: def(l.Heavy, 4), PerUser: def(l.PerUser, 100),
		Congestion: dur(l.Congestion, DefaultCongestion),
		Deadline:   dur(l.Deadline, DefaultDeadline), HeavyDeadline: dur(l.HeavyDeadline, DefaultHeavyDeadline)}
}

// isHeavy tells the requests that read or write much more than a page:
// file uploads, exports and downloads, and the report pages. Polling an
// import's progress or listing exports is everyday work.
func isHeavy(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && (p == "/imports" || p == "/api/v1/imports" || p == "/exports" || p == "/api/v1/exports"):
		return true
	case strings.HasSuffix(p, "/file") && (strings.HasPrefix(p, "/exports/") || strings.HasPrefix(p, "/api/v1/exports/")):
		return true
	case strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".xlsx"):
		return true
	}
	for _, prefix := range []string{"/reports/", "/api/v1/reports/", "/tickets/analytics", "/api/v1/complaint-analytics"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// isSignIn tells a password sign-in: it waits for its hash at the
// password gate, which has its own priorities and per-address limits for a
// login storm (internal/auth/hash_gate.go), so only the in-flight cap, not
// the adaptive limit, applies: a storm's waiting tries must not take the
// few slots a congested instance keeps and turn real users away.
func isSignIn(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/login"
}

// exempt paths are answered under any load: the health check (a balancer
// must see this instance alive) and static files.
func exempt(path string) bool {
	return path == "/api/v1/health" || strings.HasPrefix(path, "/static/")
}

// DefaultCongestion is Limits.Congestion's default: well above an idle
// instance's scheduling wait (tens of microseconds), well below the
// hundreds of milliseconds that CPU queueing at 3× capacity adds.
const DefaultCongestion = 5 * time.Millisecond

// admit applies the in-flight and heavy pools before any work is done.
func admit(a *app.App, l Limits, next http.Handler) http.Handler {
	var all *adaptiveLimit
	var heavy chan struct{}
	if l.InFlight > 0 {
		all = newAdaptiveLimit(l.InFlight, l.Congestion)
	}
	if l.Heavy > 0 {
		heavy = make(chan struct{}, l.Heavy)
	}
	take := func(pool chan struct{}) bool {
		if pool == nil {
			return true
		}
		select {
		case pool <- struct{}{}:
			return true
		default:
			return false
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if all != nil {
			if !all.acquire(time.Now(), isSignIn(r)) {
				refuse(a, w, r, http.StatusServiceUnavailable, "error.overloaded", time.Second)
				return
			}
			defer all.release()
		}
		if isHeavy(r) {
			if !take(heavy) {
				refuse(a, w, r, http.StatusServiceUnavailable, "error.busy_heavy", 5*time.Second)
				return
			}
			if heavy != nil {
				defer func() { <-heavy }()
			}
		}
		next.ServeHTTP(w, r)
	})
}

// throttle caps each caller's request rate; it runs after authentication
// so a user is counted across sessions and tokens.
func throttle(a *app.App, cfg Config, l Limits, next http.Handler) http.Handler {
	if l.PerUser <= 0 {
		return next
	}
	lim := ratelimit.New(l.PerUser, time.Second)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		key := "a:" + clientAddr(r, cfg.TrustProxy)
		if act, ok := guanxi.ActorFrom(r.Context()); ok && act.UserID != 0 {
			key = "u:" + strconv.FormatInt(int64(act.UserID), 10)
		}
		if ok, wait := lim.Take(key); !ok {
			refuse(a, w, r, http.StatusTooManyRequests, "error.too_many", wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers at once with Retry-After in whole seconds (at least 1).
func refuse(a *app.App, w http.ResponseWriter, r *http.Request, status int, key string, wait time.Duration) {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeProblem(a, w, r, status, key, "")
}

// isExport tells the requests that stream a file of records: export
// downloads, .csv/.xlsx report files and the audit log export.
func isExport(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".xlsx") || p == "/api/v1/audit/export" ||
		(strings.HasSuffix(p, "/file") && (strings.HasPrefix(p, "/exports/") || strings.HasPrefix(p, "/api/v1/exports/")))
}

// oneExportPerUser lets each signed-in user stream one export at a time
// (TESTPLAN I5): a second one gets 429, so one person cannot take the
// whole heavy pool. It runs after authentication.
func oneExportPerUser(a *app.App, next http.Handler) http.Handler {
	var mu sync.Mutex
	running := map[guanxi.ID]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		act, ok := guanxi.ActorFrom(r.Context())
		if !ok || act.UserID == 0 || !isExport(r) {
			next.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		busy := running[act.UserID]
		running[act.UserID] = true
		mu.Unlock()
		if busy {
			refuse(a, w, r, http.StatusTooManyRequests, "overload.export_running", 5*time.Second)
			return
		}
		defer func() {
			mu.Lock()
			delete(running, act.UserID)
			mu.Unlock()
		}()
		next.ServeHTTP(w, r)
	})
}
