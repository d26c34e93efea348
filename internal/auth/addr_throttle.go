package auth

import (
	"context"
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

// addrAttempt is one sign-in reserved against its address; exactly one of
// fail, ok or cancel settles it (cancel after either is a no-op, so it
// can be deferred).
type addrAttempt struct {
	s       *Service
	key     string
	addr    string
	rule    ratelimit.Rule
	settled bool
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
	t := &addrAttempt{s: s, key: ratelimit.AddrKey(addr), addr: addr, rule: s.addrRule(ctx)}
	if addr == "" {
		t.settled = true
		return t, nil
	}
	if wait, ok := s.addrFails.Take(t.key, t.rule, now); !ok {
		t.settled = true
		return nil, errThrottled(wait)
	}
	return t, nil
}

// errThrottled is the refusal of a blocked address, with the wait in
// Args["seconds"] for Retry-After (the API and the login page set it).
func errThrottled(wait time.Duration) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	return &guanxi.Error{Kind: guanxi.KindTooMany, Key: "auth.login_throttled",
		Args: map[string]any{"seconds": secs, "minutes": (secs + 59) / 60}}
}

// fail counts a failed sign-in of username; when it blocks the address it
// returns the audit entry saying so, to be written with the attempt.
func (t *addrAttempt) fail(username string, now time.Time) []audit.Entry {
	if t.settled {
		return nil
	}
	t.settled = true
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
	}
}

// cancel releases an attempt that ended in an internal error.
func (t *addrAttempt) cancel() {
	if !t.settled {
		t.settled = true
		t.s.addrFails.Cancel(t.key)
	}
}
