package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// TestMFACodesCountPerAddress (TESTPLAN B2 with B4): wrong second-step
// codes count against the client address's failure throttle together with
// wrong passwords, across accounts, so someone holding several passwords
// cannot guess codes from one address below each account's lockout. With
// the default settings (20 failures in 10 minutes) the 20th failure blocks
// the address, audited once; then even a right code or password from it
// gets TooMany before any check, while other addresses sign in; a right
// code forgives only its own account's failures; the block ends with the
// window.
func TestMFACodesCountPerAddress(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		var users []staff.User
		for i := range 6 {
			u := e.user(t, fmt.Sprintf("mfa%d", i), guanxi.RoleAgent, e.head)
			e.enrol(t, u)
			users = append(users, u)
		}
		const spray, other = "203.0.113.7", "198.51.100.7"
		e.now = e.now.Add(time.Minute) // past the steps spent on enrolment
		password := func(u staff.User, addr string) error {
			t.Helper()
			_, step, err := e.au.LoginStart(ctx, u.Username, testPassword, addr)
			if err == nil && step != auth.LoginNeedsCode {
				t.Fatalf("%s: step %v, want a code", u.Username, step)
			}
			return err
		}
		wrongCodes := func(u staff.User, n int) {
			t.Helper()
			if err := password(u, spray); err != nil {
				t.Fatalf("%s password: %v", u.Username, err)
			}
			for range n {
				e.now = e.now.Add(time.Second)
				_, err := e.au.LoginCode(ctx, u.ID, "wrong!", spray)
				wantCodeRefused(t, err)
			}
		}
		wantThrottled := func(err error, what string) {
			t.Helper()
			if x := guanxi.AsError(err); x.Kind != guanxi.KindTooMany || x.Key != "auth.login_throttled" || x.Args["seconds"] == nil {
				t.Fatalf("%s from the blocked address: want TooMany auth.login_throttled with the wait, got %v", what, err)
			}
		}

		// mfa0 mistypes twice, then gets in: its failures are forgiven.
		wrongCodes(users[0], 2)
		if _, err := e.au.LoginCode(ctx, users[0].ID, e.mfaCode(t, users[0].ID, 0), spray); err != nil {
			t.Fatalf("mfa0 right code: %v", err)
		}
		// 10 wrong passwords and 9 wrong codes over three accounts (3 each,
		// below the per-account lockout of 5): 19 failures.
		for i := range 10 {
			e.now = e.now.Add(time.Second)
			if _, _, err := e.au.LoginStart(ctx, fmt.Sprintf("nobody%d", i), "Guess-Password-1", spray); guanxi.KindOf(err) != guanxi.KindUnauthorized {
				t.Fatalf("wrong password %d: %v", i, err)
			}
		}
		for _, u := range users[1:4] {
			wrongCodes(u, 3)
		}
		if n := addrLockouts(t, s); n != 0 {
			t.Fatalf("%d address lockouts after 19 failures", n)
		}
		// The 20th failure is a code of a fourth account: the address is
		// blocked, audited once, and no account is locked.
		wrongCodes(users[4], 1)
		if n := addrLockouts(t, s); n != 1 {
			t.Fatalf("%d address lockouts after the 20th failure, want 1", n)
		}
		if n := auditCount(t, s, "lockout"); n != 1 {
			t.Fatalf("%d lockout rows, want only the address's", n)
		}
		failedBefore := auditCount(t, s, "mfa.failed")

		// From the blocked address a right code and a right password are
		// refused before any check, and nothing is recorded.
		e.now = e.now.Add(time.Second)
		_, err := e.au.LoginCode(ctx, users[4].ID, e.mfaCode(t, users[4].ID, 0), spray)
		wantThrottled(err, "a right code")
		wantThrottled(password(users[5], spray), "a right password")
		if n := auditCount(t, s, "mfa.failed"); n != failedBefore {
			t.Fatalf("throttled tries audited as failures: %d → %d", failedBefore, n)
		}
		// Another address is not blocked.
		if err := password(users[5], other); err != nil {
			t.Fatalf("mfa5 from another address: %v", err)
		}
		if _, err := e.au.LoginCode(ctx, users[5].ID, e.mfaCode(t, users[5].ID, 0), other); err != nil {
			t.Fatalf("mfa5 code from another address: %v", err)
		}
		// The block ends with the window (10 minutes).
		e.now = e.now.Add(10*time.Minute + time.Second)
		if _, err := e.au.LoginCode(ctx, users[4].ID, e.mfaCode(t, users[4].ID, 0), spray); err != nil {
			t.Fatalf("right code after the window: %v", err)
		}
	})
}

// addrLockouts counts the audited blocks of a client address.
func addrLockouts(t *testing.T, s *sqlstore.Store) int {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'lockout'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(d, `"scope":"address"`) {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}
