package auth

import (
	"context"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/ratelimit"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// The per-address throttle (TESTPLAN B2) slows password spraying: many
// usernames tried from one address. The per-username lockout cannot see
// that, since each name fails only once or twice. It counts failed
// sign-ins per client address in memory (per instance), whatever the
// username, and refuses the address for the window once the threshold is
// reached. The refusal names no user, so it tells nothing about which
// names exist, and it comes before any hashing, so it costs nothing.
//
// Below the threshold an address still gets its password checks, and
// each costs a 64 MiB argon2id hash: 40 addresses spraying 500 tries a
// second could queue 800 checks (20 each), the server's in-flight limit
// filled and real users got 503 (TESTPLAN I6). So the checks of a suspect
// address (one that failed within suspectWindow, has another sign-in
// running, or whose last try ended without a verdict) go one at a time
// server-wide, at low priority (only while no other check runs or waits,
// hash_gate.go), and after each the lane rests suspectRest times as long
// as the check took, so suspects get at most a quarter of the hashing
// time. At most maxSuspectWaiting wait; one more is refused at once with
// TooMany("auth.login_busy") and a one-second Retry-After, and is not
// counted as a failure. A clean address (anyone's first try) waits for its
// turn as before, and one that signed in successfully within goodWindow
// (a returning user's office or home) goes before the clean ones: a
// storm's first tries from many addresses are clean too.

const (
	// suspectWindow is how long a failure marks its address suspect.
	suspectWindow = time.Minute
	// maxSuspectWaiting bounds suspect attempts waiting for the lane, so a
	// few concurrent sign-ins from one office (NAT) still wait their turn
	// when no attack fills it.
	maxSuspectWaiting = 4
	// suspectRest is how many times a suspect check's duration the lane
	// stays closed after it.
	suspectRest = 3
	// goodWindow is how long a successful sign-in makes its address known.
	goodWindow = 24 * time.Hour
	// maxGoodAddrs bounds the known addresses kept; only sign-ins with a
	// right password (and second factor) add one.
	maxGoodAddrs = 10000
)

// goodAddrs remembers when each address last signed in successfully.
type goodAddrs struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (g *goodAddrs) known(key string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	at, ok := g.at[key]
	return ok && now.Sub(at) < goodWindow
}

func (g *goodAddrs) add(key string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.at == nil {
		g.at = map[string]time.Time{}
	}
	if len(g.at) >= maxGoodAddrs {
		for k, at := range g.at {
			if now.Sub(at) >= goodWindow {
				delete(g.at, k)
			}
		}
		if len(g.at) >= maxGoodAddrs {
			clear(g.at) // every one recent: start afresh rather than grow
		}
	}
	g.at[key] = now
}

// suspectRule makes Failures mark an address on its first failure, and
// refuse a second reservation while one is running.
var suspectRule = ratelimit.Rule{Max: 1, Window: suspectWindow}

// addrAttempt is one sign-in reserved against its address; exactly one of
// fail, ok or cancel settles it (cancel after either is a no-op, so it
// can be deferred).
type addrAttempt struct {
	s       *Service
	key     string
	addr    string
	rule    ratelimit.Rule
	settled bool
	// clean: the address holds a reservation in s.addrSeen (no failure
	// within suspectWindow, no other attempt running), settled with the
	// attempt; otherwise it is suspect.
	clean bool
	// prio is the attempt's place at the hash gate.
	prio int
	at   time.Time
}

func (s *Service) addrRule(ctx context.Context) ratelimit.Rule {
	return ratelimit.Rule{
		Max:    s.Settings.Int(ctx, settings.AddrFailureThreshold),
		Window: time.Duration(s.Settings.Int(ctx, settings.AddrFailureWindowMinutes)) * time.Minute,
	}
}

// takeAddr reserves a sign-in from addr, or refuses it with TooMany while
// the address is blocked. Callers without an address (the CLI) are not
// throttled.
func (s *Service) takeAddr(ctx context.Context, addr string, now time.Time) (*addrAttempt, error) {
	t := &addrAttempt{s: s, key: ratelimit.AddrKey(addr), addr: addr, rule: s.addrRule(ctx), prio: prioClean, at: now}
	if addr == "" {
		t.settled, t.clean = true, true
		return t, nil
	}
	if wait, ok := s.addrFails.Take(t.key, t.rule, now); !ok {
		t.settled = true
		return nil, errThrottled(wait)
	}
	_, t.clean = s.addrSeen.Take(t.key, suspectRule, now)
	switch {
	case !t.clean:
		t.prio = prioSuspect
	case s.addrGood.known(t.key, now):
		t.prio = prioKnown
	}
	return t, nil
}

// check is the attempt's password check at its priority, through the
// suspect lane from a suspect address.
func (t *addrAttempt) check(ctx context.Context, hash, pw string) (bool, error) {
	if t.prio == prioSuspect {
		return t.s.checkSuspect(ctx, hash, pw)
	}
	return t.s.checkLimited(ctx, hash, pw, t.prio)
}

// checkSuspect is a suspect address's check: through the lane, then at low
// priority at the gate; the lane rests after it (see above).
func (s *Service) checkSuspect(ctx context.Context, hash, pw string) (bool, error) {
	s.initHashLimits()
	if s.suspectWaiting.Add(1) > maxSuspectWaiting {
		s.suspectWaiting.Add(-1)
		return false, errBusy()
	}
	select {
	case s.suspect <- struct{}{}:
		s.suspectWaiting.Add(-1)
	case <-ctx.Done():
		s.suspectWaiting.Add(-1)
		return false, errUnavailable(ctx.Err())
	}
	if err := s.gate.acquire(ctx, prioSuspect); err != nil {
		<-s.suspect
		return false, errUnavailable(err)
	}
	start := time.Now()
	ok := CheckPassword(hash, pw)
	s.gate.release()
	time.AfterFunc(suspectRest*time.Since(start), func() { <-s.suspect })
	return ok, nil
}

// errThrottled is the refusal of a blocked address, with the wait in
// Args["seconds"] for Retry-After (the API and the login page set it).
func errThrottled(wait time.Duration) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	return &guanxi.Error{Kind: guanxi.KindTooMany, Key: "auth.login_throttled",
		Args: map[string]any{"seconds": secs, "minutes": (secs + 59) / 60}}
}

// errBusy refuses a suspect attempt while maxSuspectWaiting others wait
// for the lane: come back in a second (Args as errThrottled's, for
// Retry-After).
func errBusy() error {
	return &guanxi.Error{Kind: guanxi.KindTooMany, Key: "auth.login_busy",
		Args: map[string]any{"seconds": 1, "minutes": 1}}
}

// fail counts a failed sign-in of username; when it blocks the address it
// returns the audit entry saying so, to be written with the attempt.
func (t *addrAttempt) fail(username string, now time.Time) []audit.Entry {
	if t.settled {
		return nil
	}
	t.settled = true
	if t.clean {
		t.s.addrSeen.Fail(t.key, username, suspectRule, now)
	}
	until := t.s.addrFails.Fail(t.key, username, t.rule, now)
	if until.IsZero() {
		return nil
	}
	e := audit.New(guanxi.Actor{Username: username, Addr: t.addr}, audit.ActionLockout, "user", 0,
		map[string]any{"scope": "address", "addr": t.key, "until": until.Format(time.RFC3339),
			"failures": t.rule.Max, "window_minutes": int(t.rule.Window / time.Minute)})
	e.At = now
	return []audit.Entry{e}
}

// ok settles a right password: only username's failures are forgiven.
func (t *addrAttempt) ok(username string) {
	if !t.settled {
		t.settled = true
		t.s.addrFails.Succeed(t.key, username)
		if t.clean {
			t.s.addrSeen.Succeed(t.key, username)
		}
	}
}

// signedIn records a completed sign-in (password and any second factor)
// from the address, which makes it known for goodWindow.
func (t *addrAttempt) signedIn() {
	if t.addr != "" {
		t.s.addrGood.add(t.key, t.at)
	}
}

// cancel releases an attempt that ended without a verdict (an internal
// error, or its deadline passed while it waited for a check). It does not
// count toward the block, but it marks the address suspect: otherwise an
// attack address whose try timed out would queue a clean one again, ahead
// of the real users who came before it.
func (t *addrAttempt) cancel() {
	if !t.settled {
		t.settled = true
		t.s.addrFails.Cancel(t.key)
		if t.clean {
			t.s.addrSeen.Fail(t.key, "", suspectRule, t.s.now())
		}
	}
}
