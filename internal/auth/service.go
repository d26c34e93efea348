package auth

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/ratelimit"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// LoginAttempt is one row of login_attempts, written with its audit rows.
type LoginAttempt struct {
	Username string
	Addr     string
	Result   int // AttemptLocked, AttemptFailed, AttemptOK, AttemptUnlock
	At       time.Time
	// ExpireUserID, when set, marks that user must_change_password in the
	// same transaction (password older than the policy's maximum age).
	ExpireUserID guanxi.ID
}

// Store is what the auth service needs. *sqlstore.Store implements it.
type Store interface {
	UserByUsername(ctx context.Context, username string) (staff.User, error)
	UserByID(ctx context.Context, id guanxi.ID) (staff.User, error)
	// LoginFailures returns the times of failed attempts for username at or
	// after since and after its last success or unlock, oldest first.
	LoginFailures(ctx context.Context, username string, since time.Time) ([]time.Time, error)
	RecordLoginAttempt(ctx context.Context, at LoginAttempt, entries ...audit.Entry) error
	// PasswordHistory returns the user's most recent n password hashes.
	PasswordHistory(ctx context.Context, userID guanxi.ID, n int) ([]string, error)
	// SetPassword stores a new hash (version must match), records it in the
	// history, and when unlock is set writes an AttemptUnlock row.
	SetPassword(ctx context.Context, u staff.User, hash string, mustChange, unlock bool, entry audit.Entry) error
	CreateAPIToken(ctx context.Context, t *Token, hash string, entry audit.Entry) error
	APITokens(ctx context.Context, userID guanxi.ID) ([]Token, error)
	APIToken(ctx context.Context, id guanxi.ID) (Token, error)
	// APITokenUser finds a token by hash with its user in one query.
	APITokenUser(ctx context.Context, hash string) (Token, staff.User, error)
	RevokeAPIToken(ctx context.Context, id guanxi.ID, at time.Time, entry audit.Entry) error
	TouchAPIToken(ctx context.Context, id guanxi.ID, at time.Time) error
	Audit(ctx context.Context, entries ...audit.Entry) error
	// Second factors: a Store that also implements MFAStore (as
	// *sqlstore.Store does) enables them (mfa_service.go).
}

// Service is the sign-in use cases.
type Service struct {
	Store    Store
	Settings *settings.Service
	Now      guanxi.Clock
	// Params are the argon2id costs for new hashes (zero: DefaultParams);
	// tests set CheapParams.
	Params Params

	// TokenCache, when positive, keeps a token's user in memory for that
	// long so API requests skip the lookup; revocation through this service
	// drops the entry at once, other changes (disable, role) show within
	// TokenCache. Keep it at a second or less.
	TokenCache time.Duration

	// MaxHashes bounds concurrent password checks at sign-in (zero:
	// GOMAXPROCS / Params.Threads, at least 1), so a login storm queues
	// instead of allocating 64 MiB per request.
	MaxHashes int

	// addrFails counts failed sign-ins per client address, addrSeen marks
	// the suspect ones, whose checks go one at a time through suspect with
	// suspectWaiting waiting, addrGood the known ones (addr_throttle.go).
	addrFails      ratelimit.Failures
	addrSeen       ratelimit.Failures
	addrGood       goodAddrs
	suspect        chan struct{}
	suspectWaiting atomic.Int32

	semOnce   sync.Once
	gate      *hashGate
	dummyOnce sync.Once
	dummy     string
	cacheMu   sync.Mutex
	cache     map[string]cachedToken
}

type cachedToken struct {
	user    staff.User
	expires time.Time
}

// maxCachedTokens bounds the token cache; it is cleared when full.
const maxCachedTokens = 10000

func (s *Service) cachedUser(hash string, now time.Time) (staff.User, bool) {
	if s.TokenCache <= 0 {
		return staff.User{}, false
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	c, ok := s.cache[hash]
	if !ok || !now.Before(c.expires) {
		return staff.User{}, false
	}
	return c.user, true
}

func (s *Service) cacheUser(hash string, u staff.User, now time.Time) {
	if s.TokenCache <= 0 {
		return
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.cache == nil || len(s.cache) >= maxCachedTokens {
		s.cache = map[string]cachedToken{}
	}
	s.cache[hash] = cachedToken{user: u, expires: now.Add(s.TokenCache)}
}

// forgetTokens empties the token cache (after a revocation).
func (s *Service) forgetTokens() {
	s.cacheMu.Lock()
	s.cache = nil
	s.cacheMu.Unlock()
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) params() Params {
	if s.Params.Memory == 0 {
		return DefaultParams()
	}
	return s.Params
}

// Hash hashes pw with the service's parameters.
func (s *Service) Hash(pw string) (string, error) { return HashPasswordWith(s.params(), pw) }

// dummyHash is a hash of a random password with the same cost as real ones,
// checked for unknown users so they take as long as known ones.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		plain, _, _ := NewAPIToken()
		s.dummy, _ = s.Hash(plain)
	})
	return s.dummy
}

// Policy returns the password policy in force.
func (s *Service) Policy(ctx context.Context) Policy {
	name, _ := s.Settings.Get(ctx, settings.PasswordPolicy)
	p, ok := PolicyByName(name)
	if !ok {
		p, _ = PolicyByName("asvs")
	}
	return p
}

// CheckPolicy checks pw for username against the policy in force (not the
// history, which needs a user). staff.Service uses it as a callback.
func (s *Service) CheckPolicy(ctx context.Context, pw, username string) error {
	return s.Policy(ctx).Check(pw, username)
}

// IdleTimeout is how long a session may sit unused.
func (s *Service) IdleTimeout(ctx context.Context) time.Duration {
	return time.Duration(s.Settings.Int(ctx, settings.IdleTimeoutMinutes)) * time.Minute
}

func (s *Service) lockout(ctx context.Context) Lockout {
	return Lockout{
		Threshold: s.Settings.Int(ctx, settings.LockoutThreshold),
		Window:    time.Duration(s.Settings.Int(ctx, settings.LockoutWindowMinutes)) * time.Minute,
		Duration:  time.Duration(s.Settings.Int(ctx, settings.LockoutMinutes)) * time.Minute,
	}
}

func errLogin() error { return guanxi.Unauthorized("auth.login_failed") }

// Login signs in with a password alone. A user who has, or must enrol, a
// second factor is refused like a wrong password: use LoginStart.
func (s *Service) Login(ctx context.Context, username, password, addr string) (staff.User, error) {
	u, step, err := s.LoginStart(ctx, username, password, addr)
	if err == nil && step != LoginDone {
		return staff.User{}, errLogin()
	}
	return u, err
}

// LoginStart checks a username and password from addr. Unknown user, wrong
// password, disabled and locked accounts all give the same
// Unauthorized("auth.login_failed"), after the same amount of hashing.
// Failures count per username (known or not); Threshold failures within
// the window lock it for the lockout time. Failures also count per client
// address, whatever the username: past that threshold the address gets
// TooMany("auth.login_throttled") before any check, and below it a suspect
// address gets TooMany("auth.login_busy") while too many of its kind wait
// for a check (addr_throttle.go).
// With a right password it says whether a second step (mfa_service.go)
// must follow.
func (s *Service) LoginStart(ctx context.Context, username, password, addr string) (staff.User, LoginStep, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	now := s.now()
	throttle, err := s.takeAddr(ctx, addr, now)
	if err != nil {
		return staff.User{}, LoginDone, err
	}
	defer throttle.cancel()
	if username == "" || len(username) > 64 || !utf8.ValidString(username) {
		if _, err := throttle.check(ctx, s.dummyHash(), password); err != nil {
			return staff.User{}, LoginDone, err
		}
		if entries := throttle.fail("", now); len(entries) > 0 {
			if err := s.Store.Audit(ctx, entries...); err != nil {
				return staff.User{}, LoginDone, err
			}
		}
		return staff.User{}, LoginDone, errLogin()
	}
	lk := s.lockout(ctx)
	failures, err := s.Store.LoginFailures(ctx, username, lk.Since(now))
	if err != nil {
		return staff.User{}, LoginDone, err
	}
	u, err := s.Store.UserByUsername(ctx, username)
	known := err == nil
	if err != nil && guanxi.KindOf(err) != guanxi.KindNotFound {
		return staff.User{}, LoginDone, err
	}
	hash := s.dummyHash()
	if known {
		hash = u.PasswordHash
	}
	// Always hash, so neither a lock nor an unknown name answers faster.
	match, err := throttle.check(ctx, hash, password)
	if err != nil {
		return staff.User{}, LoginDone, err
	}

	failed := func(reason string) audit.Entry {
		e := audit.New(guanxi.Actor{Username: username, Addr: addr}, audit.ActionLoginFailed, "user", u.ID,
			map[string]any{"username": username, "reason": reason})
		return e.Failed("denied")
	}
	if until := lk.LockedUntil(failures); now.Before(until) {
		err := s.Store.RecordLoginAttempt(ctx, LoginAttempt{Username: username, Addr: addr, Result: AttemptLocked, At: now},
			append([]audit.Entry{failed("locked")}, throttle.fail(username, now)...)...)
		if err != nil {
			return staff.User{}, LoginDone, err
		}
		return staff.User{}, LoginDone, errLogin()
	}
	if !known || !match || u.Disabled {
		reason := "password"
		switch {
		case !known:
			reason = "unknown_user"
		case match && u.Disabled:
			reason = "disabled"
		}
		entries := []audit.Entry{failed(reason)}
		if until := lk.LockedUntil(append(failures, now)); now.Before(until) {
			entries = append(entries, audit.New(guanxi.Actor{Username: username, Addr: addr}, audit.ActionLockout, "user", u.ID,
				map[string]any{"username": username, "until": until.Format(time.RFC3339), "failures": lk.Threshold}))
		}
		entries = append(entries, throttle.fail(username, now)...)
		err := s.Store.RecordLoginAttempt(ctx, LoginAttempt{Username: username, Addr: addr, Result: AttemptFailed, At: now}, entries...)
		if err != nil {
			return staff.User{}, LoginDone, err
		}
		return staff.User{}, LoginDone, errLogin()
	}
	step, err := s.secondStep(ctx, u)
	if err != nil {
		return staff.User{}, LoginDone, err
	}
	// The password was right: this name's failures from the address are
	// forgiven, the other names' stay counted.
	throttle.ok(username)
	if step != LoginDone {
		// No success is recorded yet, so the failure count runs on through
		// the second step.
		return u, step, nil
	}
	at, e := s.loginSuccess(ctx, &u, addr, now, nil)
	if err := s.Store.RecordLoginAttempt(ctx, at, e); err != nil {
		return staff.User{}, LoginDone, err
	}
	throttle.signedIn()
	return u, LoginDone, nil
}

// loginSuccess is the attempt row and audit entry of a completed sign-in;
// it flags an expired password on u.
func (s *Service) loginSuccess(ctx context.Context, u *staff.User, addr string, now time.Time, detail map[string]any) (LoginAttempt, audit.Entry) {
	at := LoginAttempt{Username: u.Username, Addr: addr, Result: AttemptOK, At: now}
	if detail == nil {
		detail = map[string]any{}
	}
	if !u.MustChangePassword && s.Policy(ctx).Expired(u.PasswordChangedAt, now) {
		at.ExpireUserID = u.ID
		u.MustChangePassword = true
		u.Version++
		detail["password_expired"] = true
	}
	return at, audit.New(u.Actor(addr), audit.ActionLogin, "user", u.ID, detail)
}

// initHashLimits makes the gate of the password checks: one check per
// Params.Threads cores, since each check already runs that many lanes and
// more at once would not add throughput, only make every check slower
// (and hold 64 MiB more).
func (s *Service) initHashLimits() {
	s.semOnce.Do(func() {
		n := s.MaxHashes
		if n <= 0 {
			n = max(1, runtime.GOMAXPROCS(0)/int(max(1, s.params().Threads)))
		}
		s.gate = newHashGate(n)
		s.suspect = make(chan struct{}, 1)
	})
}

// checkLimited is CheckPassword behind the sign-in concurrency limit, at
// priority prio (hash_gate.go).
func (s *Service) checkLimited(ctx context.Context, hash, pw string, prio int) (bool, error) {
	s.initHashLimits()
	if err := s.gate.acquire(ctx, prio); err != nil {
		return false, errUnavailable(err)
	}
	defer s.gate.release()
	return CheckPassword(hash, pw), nil
}

func errUnavailable(err error) error {
	return &guanxi.Error{Kind: guanxi.KindUnavailable, Key: "error.unavailable", Err: err}
}

// CheckPasswordDummy spends the time of one password check, for paths that
// must not answer faster than a real check.
func (s *Service) CheckPasswordDummy(pw string) { CheckPassword(s.dummyHash(), pw) }

// Logout records that a signed out.
func (s *Service) Logout(ctx context.Context, a guanxi.Actor) error {
	if a.UserID == 0 {
		return nil
	}
	return s.Store.Audit(ctx, audit.New(a, audit.ActionLogout, "user", a.UserID, nil))
}

// UserForSession returns the signed-in user of a session; disabled or
// removed users are Unauthorized.
func (s *Service) UserForSession(ctx context.Context, userID guanxi.ID) (staff.User, error) {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		if guanxi.KindOf(err) == guanxi.KindNotFound {
			return staff.User{}, guanxi.Unauthorized("error.unauthorized")
		}
		return staff.User{}, err
	}
	if u.Disabled {
		return staff.User{}, guanxi.Unauthorized("error.unauthorized")
	}
	return u, nil
}

// checkHistory refuses a password equal to the current one or, under a
// policy with history, to any of the last History ones.
func (s *Service) checkHistory(ctx context.Context, p Policy, u staff.User, pw string) error {
	if CheckPassword(u.PasswordHash, pw) {
		return fieldErr("auth.password_reused", map[string]any{"count": max(p.History, 1)})
	}
	if p.History <= 0 {
		return nil
	}
	hashes, err := s.Store.PasswordHistory(ctx, u.ID, p.History)
	if err != nil {
		return err
	}
	for _, h := range hashes {
		if CheckPassword(h, pw) {
			return fieldErr("auth.password_reused", map[string]any{"count": p.History})
		}
	}
	return nil
}

// ChangePassword changes a's own password after checking the old one.
func (s *Service) ChangePassword(ctx context.Context, a guanxi.Actor, old, pw string) error {
	if a.UserID == 0 || !a.Can(guanxi.PermSelf) {
		return guanxi.Forbidden("error.forbidden")
	}
	u, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	if !CheckPassword(u.PasswordHash, old) {
		return guanxi.Invalid(guanxi.Field("old_password", "auth.password_wrong"))
	}
	p := s.Policy(ctx)
	if err := p.Check(pw, u.Username); err != nil {
		return err
	}
	if err := s.checkHistory(ctx, p, u, pw); err != nil {
		return err
	}
	hash, err := s.Hash(pw)
	if err != nil {
		return guanxi.Internal(err)
	}
	return s.Store.SetPassword(ctx, u, hash, false, false, audit.New(a, audit.ActionPassword, "user", u.ID, nil))
}

// ResetPassword sets another user's password (user.admin). The user must
// change it at the next sign-in, and any lockout is lifted.
func (s *Service) ResetPassword(ctx context.Context, a guanxi.Actor, userID guanxi.ID, pw string) error {
	if !a.Can(guanxi.PermUserAdmin) {
		return guanxi.Forbidden("error.forbidden")
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	p := s.Policy(ctx)
	if err := p.Check(pw, u.Username); err != nil {
		return err
	}
	if err := s.checkHistory(ctx, p, u, pw); err != nil {
		return err
	}
	hash, err := s.Hash(pw)
	if err != nil {
		return guanxi.Internal(err)
	}
	e := audit.New(a, audit.ActionPasswordReset, "user", u.ID, map[string]any{"username": u.Username, "unlocked": true})
	e.At = s.now()
	return s.Store.SetPassword(ctx, u, hash, true, true, e)
}

// mayManageTokens reports whether a may see or change userID's tokens.
func mayManageTokens(a guanxi.Actor, userID guanxi.ID) bool {
	if a.Can(guanxi.PermUserAdmin) {
		return true
	}
	return a.UserID != 0 && a.UserID == userID && a.Can(guanxi.PermSelf)
}

// CreateToken creates an API token for userID (own tokens with self,
// others' with user.admin). plain is shown once and never stored.
func (s *Service) CreateToken(ctx context.Context, a guanxi.Actor, userID guanxi.ID, name string) (string, Token, error) {
	if !mayManageTokens(a, userID) {
		return "", Token{}, guanxi.Forbidden("error.forbidden")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Token{}, guanxi.Invalid(guanxi.Field("name", "validation.required"))
	}
	if utf8.RuneCountInString(name) > 50 {
		return "", Token{}, guanxi.Invalid(guanxi.FieldError{Field: "name", Key: "validation.too_long", Args: map[string]any{"max": 50}})
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return "", Token{}, err
	}
	if u.Disabled {
		return "", Token{}, guanxi.Invalid(guanxi.Field("user_id", "auth.user_disabled"))
	}
	plain, prefix, hash := NewAPIToken()
	t := Token{UserID: userID, Name: name, Prefix: prefix, CreatedAt: s.now().Truncate(time.Microsecond), Version: 1}
	e := audit.New(a, audit.ActionTokenCreate, "api_token", 0, map[string]any{"user_id": userID, "name": name, "prefix": prefix})
	if err := s.Store.CreateAPIToken(ctx, &t, hash, e); err != nil {
		return "", Token{}, err
	}
	return plain, t, nil
}

// ListTokens lists userID's tokens, newest first, revoked ones included.
func (s *Service) ListTokens(ctx context.Context, a guanxi.Actor, userID guanxi.ID) ([]Token, error) {
	if !mayManageTokens(a, userID) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	return s.Store.APITokens(ctx, userID)
}

// RevokeToken revokes a token; revoking twice is a no-op. Tokens a may not
// manage are NotFound.
func (s *Service) RevokeToken(ctx context.Context, a guanxi.Actor, tokenID guanxi.ID) error {
	t, err := s.Store.APIToken(ctx, tokenID)
	if err != nil {
		return err
	}
	if !mayManageTokens(a, t.UserID) {
		return guanxi.NotFound("error.not_found")
	}
	if t.RevokedAt != nil {
		return nil
	}
	err = s.Store.RevokeAPIToken(ctx, t.ID, s.now(),
		audit.New(a, audit.ActionTokenRevoke, "api_token", t.ID, map[string]any{"user_id": t.UserID, "prefix": t.Prefix}))
	s.forgetTokens()
	return err
}

// AuthenticateToken returns the user of a Bearer token. Unknown, revoked and
// disabled all give Unauthorized("auth.token_invalid"). last_used_at moves at
// most once a minute so busy clients do not write on every request.
func (s *Service) AuthenticateToken(ctx context.Context, plain string) (staff.User, error) {
	bad := guanxi.Unauthorized("auth.token_invalid")
	if !strings.HasPrefix(plain, TokenPrefix) || len(plain) > 128 {
		return staff.User{}, bad
	}
	hash := HashAPIToken(plain)
	now := s.now()
	if u, ok := s.cachedUser(hash, now); ok {
		return u, nil
	}
	t, u, err := s.Store.APITokenUser(ctx, hash)
	if err != nil {
		if guanxi.KindOf(err) == guanxi.KindNotFound {
			return staff.User{}, bad
		}
		return staff.User{}, err
	}
	if t.RevokedAt != nil || u.Disabled {
		return staff.User{}, bad
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= time.Minute {
		if err := s.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return staff.User{}, err
		}
	}
	s.cacheUser(hash, u, now)
	return u, nil
}
