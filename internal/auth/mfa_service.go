package auth

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// errCode is the one answer to a refused second step: wrong, replayed,
// spent and locked look the same (TESTPLAN B1).
func errCode() error { return guanxi.Unauthorized("auth.mfa_code_invalid") }

// mfaStore returns the store's second-factor half; *sqlstore.Store has it,
// small test fakes may not.
func (s *Service) mfaStore() (MFAStore, bool) {
	m, ok := s.Store.(MFAStore)
	return m, ok
}

// secondStep says what u needs after a right password.
func (s *Service) secondStep(ctx context.Context, u staff.User) (LoginStep, error) {
	required := MFARequired(s.Policy(ctx), u)
	ms, ok := s.mfaStore()
	if !ok {
		if required {
			// Fail closed: the policy asks for a factor nothing can check.
			return LoginDone, guanxi.Internal(errors.New("auth: a second factor is required but the store keeps none"))
		}
		return LoginDone, nil
	}
	m, err := ms.MFA(ctx, u.ID)
	switch {
	case err == nil && m.Active():
		return LoginNeedsCode, nil
	case err != nil && guanxi.KindOf(err) != guanxi.KindNotFound:
		return LoginDone, err
	case required:
		return LoginNeedsEnrol, nil
	}
	return LoginDone, nil
}

// MFARequiredFor reports whether the policy in force makes a keep a second
// factor (the profile page then offers no way to turn it off).
func (s *Service) MFARequiredFor(ctx context.Context, a guanxi.Actor) bool {
	u, err := s.Store.UserByID(ctx, a.UserID)
	return err == nil && MFARequired(s.Policy(ctx), u)
}

// MFAEnrolRequired reports whether u, already signed in, must still set up
// a second factor: an admin whose session began before mlps3 was chosen.
// Other roles cost no query, so the session check can call it per request.
func (s *Service) MFAEnrolRequired(ctx context.Context, u staff.User) bool {
	a := u.Actor("")
	if !a.Can(guanxi.PermUserAdmin) && !a.Can(guanxi.PermSettingsAdmin) {
		return false
	}
	step, err := s.secondStep(ctx, u)
	return err == nil && step == LoginNeedsEnrol
}

func self(a guanxi.Actor) error {
	if a.UserID == 0 || !a.Can(guanxi.PermSelf) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

// MFAStatus returns a's own second factor (the zero MFA when none). An
// active factor's secret is never handed out again.
func (s *Service) MFAStatus(ctx context.Context, a guanxi.Actor) (MFA, error) {
	if err := self(a); err != nil {
		return MFA{}, err
	}
	ms, ok := s.mfaStore()
	if !ok {
		return MFA{}, nil
	}
	m, err := ms.MFA(ctx, a.UserID)
	if guanxi.KindOf(err) == guanxi.KindNotFound {
		return MFA{}, nil
	}
	if m.Active() {
		m.Secret = ""
	}
	return m, err
}

// BeginMFA returns a's pending secret, making a new one when none is
// pending or fresh is set. Conflict when a factor is already active.
func (s *Service) BeginMFA(ctx context.Context, a guanxi.Actor, fresh bool) (MFA, error) {
	if err := self(a); err != nil {
		return MFA{}, err
	}
	ms, ok := s.mfaStore()
	if !ok {
		return MFA{}, guanxi.Internal(errors.New("auth: the store keeps no second factors"))
	}
	m, err := ms.MFA(ctx, a.UserID)
	switch {
	case err == nil && m.Active():
		return MFA{}, guanxi.Conflict("auth.mfa_already_enabled", nil)
	case err == nil && !fresh:
		return m, nil
	case err != nil && guanxi.KindOf(err) != guanxi.KindNotFound:
		return MFA{}, err
	}
	if err := ms.StartMFA(ctx, a.UserID, NewTOTPSecret(), s.now()); err != nil {
		return MFA{}, err
	}
	return ms.MFA(ctx, a.UserID)
}

// ConfirmMFA activates a's pending secret with a first valid code and
// returns the recovery codes, to be shown once.
func (s *Service) ConfirmMFA(ctx context.Context, a guanxi.Actor, code string) ([]string, error) {
	if err := self(a); err != nil {
		return nil, err
	}
	return s.confirm(ctx, a, code, nil)
}

// confirm checks code against the pending secret and activates it, with
// attempt (a sign-in it completes) and extra audit entries in the same
// transaction.
func (s *Service) confirm(ctx context.Context, a guanxi.Actor, code string, attempt *LoginAttempt, extra ...audit.Entry) ([]string, error) {
	ms, ok := s.mfaStore()
	if !ok {
		return nil, guanxi.Internal(errors.New("auth: the store keeps no second factors"))
	}
	m, err := ms.MFA(ctx, a.UserID)
	if guanxi.KindOf(err) == guanxi.KindNotFound {
		return nil, guanxi.Invalid(guanxi.Field("code", "auth.mfa_not_started"))
	}
	if err != nil {
		return nil, err
	}
	if m.Active() {
		return nil, guanxi.Conflict("auth.mfa_already_enabled", nil)
	}
	now := s.now()
	key, _ := DecodeTOTPSecret(m.Secret)
	step, match := TOTPMatch(key, normalizeCode(code), now, math.MinInt64)
	if !match {
		return nil, guanxi.Invalid(guanxi.Field("code", "auth.mfa_code_wrong"))
	}
	plain, hashes := NewRecoveryCodes(RecoveryCodeCount)
	e := audit.New(a, audit.ActionMFAEnroll, "user", a.UserID, map[string]any{"recovery_codes": len(plain)})
	e.At = now
	use := MFAUse{UserID: a.UserID, Step: step, At: now, Attempt: attempt}
	if err := ms.ConfirmMFA(ctx, m, step, hashes, use, append([]audit.Entry{e}, extra...)...); err != nil {
		return nil, err
	}
	return plain, nil
}

// pendingUser is the user of a half-finished sign-in, still allowed in.
func (s *Service) pendingUser(ctx context.Context, userID guanxi.ID) (staff.User, error) {
	u, err := s.Store.UserByID(ctx, userID)
	if guanxi.KindOf(err) == guanxi.KindNotFound {
		return u, errLogin()
	}
	return u, err
}

// LoginEnrolStart is the second step of a sign-in that LoginStart left at
// LoginNeedsEnrol: it returns the user's pending secret to set up.
func (s *Service) LoginEnrolStart(ctx context.Context, userID guanxi.ID, addr string) (staff.User, MFA, error) {
	u, err := s.pendingUser(ctx, userID)
	if err != nil {
		return u, MFA{}, err
	}
	step, err := s.secondStep(ctx, u)
	if err != nil {
		return u, MFA{}, err
	}
	if step != LoginNeedsEnrol || u.Disabled {
		return u, MFA{}, errLogin()
	}
	m, err := s.BeginMFA(ctx, u.Actor(addr), false)
	return u, m, err
}

// LoginEnrol confirms the secret LoginEnrolStart showed and completes the
// sign-in in the same transaction; it returns the recovery codes.
func (s *Service) LoginEnrol(ctx context.Context, userID guanxi.ID, code, addr string) (staff.User, []string, error) {
	u, err := s.pendingUser(ctx, userID)
	if err != nil {
		return staff.User{}, nil, err
	}
	if u.Disabled {
		return staff.User{}, nil, errLogin()
	}
	at, e := s.loginSuccess(ctx, &u, addr, s.now(), map[string]any{"mfa": "enrolled"})
	codes, err := s.confirm(ctx, u.Actor(addr), code, &at, e)
	if err != nil {
		return staff.User{}, nil, err
	}
	return u, codes, nil
}

// LoginCode is the second step of a sign-in that LoginStart left at
// LoginNeedsCode: code is a current TOTP code or an unused recovery code.
// Refusals count toward the lockout and the per-address throttle like
// wrong passwords (a blocked address gets TooMany("auth.login_throttled")
// before any check) and are audited as mfa.failed with the reason (wrong,
// replay, recovery, locked).
func (s *Service) LoginCode(ctx context.Context, userID guanxi.ID, code, addr string) (staff.User, error) {
	u, err := s.pendingUser(ctx, userID)
	if err != nil {
		return staff.User{}, err
	}
	ms, ok := s.mfaStore()
	if !ok {
		return staff.User{}, errLogin()
	}
	now := s.now()
	// Codes count against the client address like passwords do, so one
	// address cannot try codes for many half-signed-in accounts.
	throttle, err := s.takeAddr(ctx, addr, now)
	if err != nil {
		return staff.User{}, err
	}
	defer throttle.cancel()
	lk := s.lockout(ctx)
	failures, err := s.Store.LoginFailures(ctx, u.Username, lk.Since(now))
	if err != nil {
		return staff.User{}, err
	}
	fail := func(reason string, result int) (staff.User, error) {
		e := audit.New(u.Actor(addr), audit.ActionMFAFailed, "user", u.ID, map[string]any{"username": u.Username, "reason": reason})
		entries := []audit.Entry{e.Failed("denied")}
		if until := lk.LockedUntil(append(failures, now)); result == AttemptFailed && now.Before(until) {
			entries = append(entries, audit.New(u.Actor(addr), audit.ActionLockout, "user", u.ID,
				map[string]any{"username": u.Username, "until": until.Format(time.RFC3339), "failures": lk.Threshold}))
		}
		entries = append(entries, throttle.fail(u.Username, now)...)
		err := s.Store.RecordLoginAttempt(ctx, LoginAttempt{Username: u.Username, Addr: addr, Result: result, At: now}, entries...)
		if err != nil {
			return staff.User{}, err
		}
		return staff.User{}, errCode()
	}
	if until := lk.LockedUntil(failures); now.Before(until) {
		return fail("locked", AttemptLocked)
	}
	m, err := ms.MFA(ctx, u.ID)
	if err != nil && guanxi.KindOf(err) != guanxi.KindNotFound {
		return staff.User{}, err
	}
	if u.Disabled {
		return fail("disabled", AttemptFailed)
	}
	if !m.Active() {
		return fail("not_enrolled", AttemptFailed)
	}
	c := normalizeCode(code)
	use := MFAUse{UserID: u.ID, At: now}
	reason := "wrong"
	kind := "totp"
	if isTOTPCode(c) {
		key, _ := DecodeTOTPSecret(m.Secret)
		if step, match := TOTPMatch(key, c, now, m.LastStep); match {
			use.Step = step
		} else if _, seen := TOTPMatch(key, c, now, math.MinInt64); seen {
			reason = "replay"
		}
	} else if c != "" {
		use.RecoveryHash, kind, reason = HashRecoveryCode(c), "recovery", "recovery"
	}
	if use.Step != 0 || use.RecoveryHash != "" {
		at, e := s.loginSuccess(ctx, &u, addr, now, map[string]any{"mfa": kind})
		use.Attempt = &at
		spent, err := ms.UseMFA(ctx, use, e)
		if err != nil {
			return staff.User{}, err
		}
		if spent {
			throttle.ok(u.Username)
			throttle.signedIn()
			return u, nil
		}
		if kind == "totp" {
			reason = "replay" // a concurrent request spent this step first
		}
	}
	return fail(reason, AttemptFailed)
}

// DisableMFA turns off a's own second factor after checking the password
// and a current code (or a recovery code). Under a policy that requires
// one it cannot be turned off.
func (s *Service) DisableMFA(ctx context.Context, a guanxi.Actor, password, code string) error {
	if err := self(a); err != nil {
		return err
	}
	ms, ok := s.mfaStore()
	if !ok {
		return guanxi.Invalid(guanxi.Field("code", "auth.mfa_not_enabled"))
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	m, err := ms.MFA(ctx, u.ID)
	if err != nil && guanxi.KindOf(err) != guanxi.KindNotFound {
		return err
	}
	if !m.Active() {
		return guanxi.Invalid(guanxi.Field("code", "auth.mfa_not_enabled"))
	}
	if MFARequired(s.Policy(ctx), u) {
		return guanxi.Conflict("auth.mfa_required", nil)
	}
	if !CheckPassword(u.PasswordHash, password) {
		return guanxi.Invalid(guanxi.Field("password", "auth.password_wrong"))
	}
	now := s.now()
	c := normalizeCode(code)
	use := MFAUse{UserID: u.ID, At: now}
	if isTOTPCode(c) {
		key, _ := DecodeTOTPSecret(m.Secret)
		use.Step, _ = TOTPMatch(key, c, now, m.LastStep)
	} else if c != "" {
		use.RecoveryHash = HashRecoveryCode(c)
	}
	spent := false
	if use.Step != 0 || use.RecoveryHash != "" {
		if spent, err = ms.UseMFA(ctx, use); err != nil {
			return err
		}
	}
	if !spent {
		e := audit.New(a, audit.ActionMFAFailed, "user", u.ID, map[string]any{"username": u.Username, "reason": "disable"})
		e.At = now
		if err := s.Store.Audit(ctx, e.Failed("denied")); err != nil {
			return err
		}
		return guanxi.Invalid(guanxi.Field("code", "auth.mfa_code_wrong"))
	}
	e := audit.New(a, audit.ActionMFADisable, "user", u.ID, map[string]any{"username": u.Username})
	e.At = now
	_, err = ms.DeleteMFA(ctx, u.ID, e)
	return err
}

// ResetMFA removes another user's second factor (user.admin), for one who
// lost the device; the CLI does it as the system for a locked-out admin.
// Under mlps3 an admin is then made to enrol again at the next sign-in.
func (s *Service) ResetMFA(ctx context.Context, a guanxi.Actor, userID guanxi.ID) error {
	if !a.Can(guanxi.PermUserAdmin) {
		return guanxi.Forbidden("error.forbidden")
	}
	if a.UserID != 0 && a.UserID == userID {
		// One's own factor is turned off with a code (DisableMFA).
		return guanxi.Conflict("auth.mfa_reset_self", nil)
	}
	ms, ok := s.mfaStore()
	if !ok {
		return guanxi.NotFound("auth.mfa_not_enabled")
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	e := audit.New(a, audit.ActionMFADisable, "user", u.ID, map[string]any{"username": u.Username, "reset": true})
	e.At = s.now()
	found, err := ms.DeleteMFA(ctx, u.ID, e)
	if err != nil {
		return err
	}
	if !found {
		return guanxi.NotFound("auth.mfa_not_enabled")
	}
	return nil
}
