package auth

import "time"

// Attempt results stored in login_attempts.ok.
const (
	// AttemptLocked is a sign-in refused because the account was locked; it
	// does not count as a failure, so a lock lasts exactly its set time.
	AttemptLocked = -1
	AttemptFailed = 0
	AttemptOK     = 1
	// AttemptUnlock is written when an administrator resets the password; like
	// a success it starts the failure count afresh.
	AttemptUnlock = 2
)

// Lockout is the lockout rule: Threshold failures within Window lock the
// username for Duration.
type Lockout struct {
	Threshold int
	Window    time.Duration
	Duration  time.Duration
}

// LockedUntil looks at the failed attempts since the last success or unlock,
// oldest first, and returns when the latest lock ends (zero when none was
// triggered). Failures before the end of a lock do not count again.
func (l Lockout) LockedUntil(failures []time.Time) time.Time {
	var until time.Time
	var run []time.Time
	for _, t := range failures {
		if t.Before(until) {
			continue
		}
		run = append(run, t)
		// Keep only failures inside the window ending at t.
		for len(run) > 0 && t.Sub(run[0]) > l.Window {
			run = run[1:]
		}
		if l.Threshold > 0 && len(run) >= l.Threshold {
			until = t.Add(l.Duration)
			run = nil
		}
	}
	return until
}

// Since is how far back failures matter at now.
func (l Lockout) Since(now time.Time) time.Time {
	return now.Add(-(l.Window + l.Duration))
}
