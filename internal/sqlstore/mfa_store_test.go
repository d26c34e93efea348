package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// mfaCode is u's TOTP code at e.now shifted by d steps.
func (e *authEnv) mfaCode(t *testing.T, userID guanxi.ID, d int64) string {
	t.Helper()
	m, err := e.s.MFA(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := auth.DecodeTOTPSecret(m.Secret)
	if !ok {
		t.Fatalf("secret %q", m.Secret)
	}
	return auth.HOTP(key, auth.TOTPStep(e.now)+d, auth.TOTPDigits)
}

// enrol turns on u's second factor through the service and returns the
// recovery codes.
func (e *authEnv) enrol(t *testing.T, u staff.User) []string {
	t.Helper()
	ctx := context.Background()
	a := u.Actor("10.0.0.1")
	if _, err := e.au.BeginMFA(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	codes, err := e.au.ConfirmMFA(ctx, a, e.mfaCode(t, u.ID, 0))
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

// mfaFailReasons lists the reasons of the mfa.failed audit rows in order.
func mfaFailReasons(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	rows, err := s.DB().QueryContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'mfa.failed' ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		_, r, _ := strings.Cut(d, `"reason":"`)
		r, _, _ = strings.Cut(r, `"`)
		out = append(out, r)
	}
	return out
}

func wantCodeRefused(t *testing.T, err error) {
	t.Helper()
	if e := guanxi.AsError(err); e.Kind != guanxi.KindUnauthorized || e.Key != "auth.mfa_code_invalid" {
		t.Fatalf("want the generic code refusal, got %v", err)
	}
}

// TestMFAEnrolLoginReplay (TESTPLAN B4): enrolment needs a valid code and
// is audited once; sign-in then needs a code; a used code (same or earlier
// step) is refused and audited as a replay.
func TestMFAEnrolLoginReplay(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		u := e.user(t, "li", guanxi.RoleAgent, e.head)
		a := u.Actor("10.0.0.1")

		if _, step, err := e.au.LoginStart(ctx, "li", testPassword, "10.0.0.1"); err != nil || step != auth.LoginDone {
			t.Fatalf("without a factor: %v %v", step, err)
		}
		m, err := e.au.BeginMFA(ctx, a, false)
		if err != nil || m.Active() || m.Secret == "" {
			t.Fatalf("begin: %+v %v", m, err)
		}
		if again, _ := e.au.BeginMFA(ctx, a, false); again.Secret != m.Secret {
			t.Fatal("a pending secret changed without asking for a new one")
		}
		if _, err := e.au.ConfirmMFA(ctx, a, "000000"); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("wrong first code: %v", err)
		}
		codes, err := e.au.ConfirmMFA(ctx, a, e.mfaCode(t, u.ID, 0))
		if err != nil || len(codes) != 10 {
			t.Fatalf("confirm: %v %v", codes, err)
		}
		if auditCount(t, s, "mfa.enroll") != 1 {
			t.Fatalf("mfa.enroll rows %d", auditCount(t, s, "mfa.enroll"))
		}
		st, err := e.au.MFAStatus(ctx, a)
		if err != nil || !st.Active() || st.Secret != "" || st.RecoveryLeft != 10 {
			t.Fatalf("status: %+v %v", st, err)
		}
		var stored int
		s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM mfa_recovery_codes WHERE code_hash = '"+strings.ReplaceAll(codes[0], "-", "")+"' OR code_hash = '"+codes[0]+"'").Scan(&stored)
		if stored != 0 {
			t.Fatal("a recovery code is stored in plain text")
		}
		if _, err := e.au.BeginMFA(ctx, a, true); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("new secret over an active one: %v", err)
		}

		// The enrolment spent the current step: the next sign-in needs a newer code.
		logins := auditCount(t, s, "login")
		e.now = e.now.Add(auth.TOTPPeriod)
		if _, err := e.au.Login(ctx, "li", testPassword, "10.0.0.1"); guanxi.KindOf(err) != guanxi.KindUnauthorized {
			t.Fatalf("password-only sign-in of an MFA user: %v", err)
		}
		got, step, err := e.au.LoginStart(ctx, "li", testPassword, "10.0.0.1")
		if err != nil || step != auth.LoginNeedsCode || got.ID != u.ID {
			t.Fatalf("password step: %v %v", step, err)
		}
		if auditCount(t, s, "login") != logins {
			t.Fatal("the password step alone was audited as a sign-in")
		}
		code := e.mfaCode(t, u.ID, 0)
		if got, err := e.au.LoginCode(ctx, u.ID, code, "10.0.0.1"); err != nil || got.ID != u.ID {
			t.Fatalf("code step: %v", err)
		}
		if auditCount(t, s, "login") != logins+1 {
			t.Fatal("the completed sign-in is not audited once")
		}
		// Replays: the same code, and the previous step's code, both inside the window.
		_, err = e.au.LoginCode(ctx, u.ID, code, "10.0.0.1")
		wantCodeRefused(t, err)
		_, err = e.au.LoginCode(ctx, u.ID, e.mfaCode(t, u.ID, -1), "10.0.0.1")
		wantCodeRefused(t, err)
		_, err = e.au.LoginCode(ctx, u.ID, "123456", "10.0.0.1")
		if e.mfaCode(t, u.ID, 1) != "123456" {
			wantCodeRefused(t, err)
		}
		if r := mfaFailReasons(t, s); len(r) != 3 || r[0] != "replay" || r[1] != "replay" || r[2] != "wrong" {
			t.Fatalf("mfa.failed reasons %v", r)
		}
		// The next step's code (clock drift) is accepted once.
		if _, err := e.au.LoginCode(ctx, u.ID, e.mfaCode(t, u.ID, 1), "10.0.0.1"); err != nil {
			t.Fatalf("next-step code: %v", err)
		}
		verifyChain(t, s)
	})
}

// TestMFARecoveryCodeSingleUse: a recovery code signs in once.
func TestMFARecoveryCodeSingleUse(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		u := e.user(t, "li", guanxi.RoleAgent, e.head)
		codes := e.enrol(t, u)
		if _, err := e.au.LoginCode(ctx, u.ID, strings.ToUpper(codes[3]), "10.0.0.1"); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		_, err := e.au.LoginCode(ctx, u.ID, codes[3], "10.0.0.1")
		wantCodeRefused(t, err)
		_, err = e.au.LoginCode(ctx, u.ID, "aaaaa-bbbbb", "10.0.0.1")
		wantCodeRefused(t, err)
		if r := mfaFailReasons(t, s); len(r) != 2 || r[0] != "recovery" {
			t.Fatalf("mfa.failed reasons %v", r)
		}
		if st, _ := e.au.MFAStatus(ctx, u.Actor("")); st.RecoveryLeft != 9 {
			t.Fatalf("recovery codes left %d", st.RecoveryLeft)
		}
	})
}

// TestMFAConcurrentCode: one code sent by many requests at once signs in
// exactly once; the others are refused as replays.
func TestMFAConcurrentCode(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		u := e.user(t, "li", guanxi.RoleAgent, e.head)
		e.enrol(t, u)
		e.now = e.now.Add(auth.TOTPPeriod)
		code := e.mfaCode(t, u.ID, 0)
		const n = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				_, err := e.au.LoginCode(ctx, u.ID, code, "10.0.0.1")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case guanxi.AsError(err).Key == "auth.mfa_code_invalid":
					refused++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if ok != 1 || refused != n-1 {
			t.Fatalf("successes %d refusals %d", ok, refused)
		}
		if auditCount(t, s, "login") != 1 || auditCount(t, s, "mfa.failed") != n-1 {
			t.Fatalf("audit: login %d mfa.failed %d", auditCount(t, s, "login"), auditCount(t, s, "mfa.failed"))
		}
	})
}

// TestMFALockoutCountsCodes (TESTPLAN B1): wrong codes count toward the
// lockout; when locked even the right code is refused the same way, and a
// right password does not reset the count before the code.
func TestMFALockoutCountsCodes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		u := e.user(t, "li", guanxi.RoleAgent, e.head)
		e.enrol(t, u)
		for i := range 5 {
			e.now = e.now.Add(time.Minute)
			if _, step, err := e.au.LoginStart(ctx, "li", testPassword, "10.0.0.1"); err != nil || step != auth.LoginNeedsCode {
				t.Fatalf("password %d: %v %v", i, step, err)
			}
			_, err := e.au.LoginCode(ctx, u.ID, "wrong!", "10.0.0.1")
			wantCodeRefused(t, err)
		}
		if auditCount(t, s, "lockout") != 1 {
			t.Fatalf("lockout rows %d", auditCount(t, s, "lockout"))
		}
		e.now = e.now.Add(time.Minute)
		_, err := e.au.LoginCode(ctx, u.ID, e.mfaCode(t, u.ID, 0), "10.0.0.1")
		wantCodeRefused(t, err)
		if _, _, err := e.au.LoginStart(ctx, "li", testPassword, "10.0.0.1"); guanxi.AsError(err).Key != "auth.login_failed" {
			t.Fatalf("password while locked: %v", err)
		}
		if r := mfaFailReasons(t, s); len(r) != 6 || r[5] != "locked" {
			t.Fatalf("mfa.failed reasons %v", r)
		}
		// After the lock the right code works.
		e.now = e.now.Add(31 * time.Minute)
		if _, err := e.au.LoginCode(ctx, u.ID, e.mfaCode(t, u.ID, 0), "10.0.0.1"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
	})
}

// TestMFARequiredForAdminsUnderMLPS3: under asvs an admin signs in with the
// password; under mlps3 an admin without a factor must enrol to finish
// signing in, and may not turn the factor off. Other roles are not forced.
func TestMFARequiredForAdminsUnderMLPS3(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		agent := e.user(t, "li", guanxi.RoleAgent, e.head)
		if _, step, err := e.au.LoginStart(ctx, "admin", testPassword, "10.0.0.1"); err != nil || step != auth.LoginDone {
			t.Fatalf("asvs admin: %v %v", step, err)
		}
		if err := e.set.Set(ctx, e.admin, settings.PasswordPolicy, "mlps3", 0); err != nil {
			t.Fatal(err)
		}
		if _, step, err := e.au.LoginStart(ctx, "li", testPassword, "10.0.0.1"); err != nil || step != auth.LoginDone {
			t.Fatalf("mlps3 agent: %v %v", step, err)
		}
		if _, err := e.au.Login(ctx, "admin", testPassword, "10.0.0.1"); guanxi.KindOf(err) != guanxi.KindUnauthorized {
			t.Fatalf("password-only sign-in of an mlps3 admin: %v", err)
		}
		adminUser, _ := s.UserByID(ctx, e.admin.UserID)
		if !e.au.MFAEnrolRequired(ctx, adminUser) || e.au.MFAEnrolRequired(ctx, agent) {
			t.Fatal("MFAEnrolRequired before enrolment")
		}
		logins := auditCount(t, s, "login")
		u, step, err := e.au.LoginStart(ctx, "admin", testPassword, "10.0.0.1")
		if err != nil || step != auth.LoginNeedsEnrol {
			t.Fatalf("mlps3 admin: %v %v", step, err)
		}
		if _, m, err := e.au.LoginEnrolStart(ctx, u.ID, "10.0.0.1"); err != nil || m.Secret == "" {
			t.Fatalf("enrol start: %v", err)
		}
		if _, _, err := e.au.LoginEnrol(ctx, u.ID, "000000", "10.0.0.1"); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("wrong enrol code: %v", err)
		}
		got, codes, err := e.au.LoginEnrol(ctx, u.ID, e.mfaCode(t, u.ID, 0), "10.0.0.1")
		if err != nil || got.ID != u.ID || len(codes) != 10 {
			t.Fatalf("enrol: %v", err)
		}
		if auditCount(t, s, "mfa.enroll") != 1 || auditCount(t, s, "login") != logins+1 {
			t.Fatalf("audit: enroll %d login %d", auditCount(t, s, "mfa.enroll"), auditCount(t, s, "login")-logins)
		}
		if e.au.MFAEnrolRequired(ctx, adminUser) {
			t.Fatal("MFAEnrolRequired after enrolment")
		}
		if _, _, err := e.au.LoginEnrolStart(ctx, u.ID, "10.0.0.1"); guanxi.KindOf(err) != guanxi.KindUnauthorized {
			t.Fatalf("enrol start after enrolling: %v", err)
		}
		if _, step, _ := e.au.LoginStart(ctx, "admin", testPassword, "10.0.0.1"); step != auth.LoginNeedsCode {
			t.Fatalf("next sign-in: %v", step)
		}
		e.now = e.now.Add(auth.TOTPPeriod)
		err = e.au.DisableMFA(ctx, e.admin, testPassword, e.mfaCode(t, u.ID, 0))
		if ge := guanxi.AsError(err); ge.Kind != guanxi.KindConflict || ge.Key != "auth.mfa_required" {
			t.Fatalf("mlps3 admin turned the factor off: %v", err)
		}
		if !e.au.MFARequiredFor(ctx, e.admin) || e.au.MFARequiredFor(ctx, agent.Actor("")) {
			t.Fatal("MFARequiredFor")
		}
	})
}

// TestMFADisableAndReset: turning one's own factor off needs the password
// and a code; an admin (user.admin) can reset another user's; each is one
// audit row.
func TestMFADisableAndReset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		li := e.user(t, "li", guanxi.RoleAgent, e.head)
		wang := e.user(t, "wang", guanxi.RoleAgent, e.head)
		e.enrol(t, li)
		e.enrol(t, wang)
		e.now = e.now.Add(auth.TOTPPeriod)
		a := li.Actor("10.0.0.1")
		err := e.au.DisableMFA(ctx, a, "wrong password", e.mfaCode(t, li.ID, 0))
		if ge := guanxi.AsError(err); ge.Kind != guanxi.KindInvalid || ge.Fields[0].Field != "password" {
			t.Fatalf("wrong password: %v", err)
		}
		err = e.au.DisableMFA(ctx, a, testPassword, "000000")
		if ge := guanxi.AsError(err); ge.Kind != guanxi.KindInvalid || ge.Fields[0].Field != "code" {
			t.Fatalf("wrong code: %v", err)
		}
		if auditCount(t, s, "mfa.failed") != 1 || auditCount(t, s, "mfa.disable") != 0 {
			t.Fatal("a refused disable is not audited once")
		}
		if err := e.au.DisableMFA(ctx, a, testPassword, e.mfaCode(t, li.ID, 0)); err != nil {
			t.Fatal(err)
		}
		if st, _ := e.au.MFAStatus(ctx, a); st.Active() || auditCount(t, s, "mfa.disable") != 1 {
			t.Fatalf("after disable: %+v, %d rows", st, auditCount(t, s, "mfa.disable"))
		}
		var codes int
		s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = "+itoa(li.ID)).Scan(&codes)
		if codes != 0 {
			t.Fatalf("%d recovery codes left after disable", codes)
		}

		if err := e.au.ResetMFA(ctx, li.Actor(""), wang.ID); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent reset: %v", err)
		}
		if err := e.au.ResetMFA(ctx, e.admin, e.admin.UserID); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("own reset: %v", err)
		}
		if err := e.au.ResetMFA(ctx, e.admin, wang.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.au.ResetMFA(ctx, e.admin, wang.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("second reset: %v", err)
		}
		if auditCount(t, s, "mfa.disable") != 2 {
			t.Fatalf("mfa.disable rows %d", auditCount(t, s, "mfa.disable"))
		}
		if _, step, err := e.au.LoginStart(ctx, "wang", testPassword, "10.0.0.1"); err != nil || step != auth.LoginDone {
			t.Fatalf("after reset: %v %v", step, err)
		}
		verifyChain(t, s)
	})
}
