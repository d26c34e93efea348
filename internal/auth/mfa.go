package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// MFA is a user's TOTP second factor: pending from StartMFA until a first
// valid code confirms it, then active. The secret is stored as-is: Guanxi
// has no encryption-at-rest key to wrap it with (docs/security.md).
type MFA struct {
	UserID      guanxi.ID  `db:"user_id"`
	Secret      string     `db:"secret"` // base32
	ConfirmedAt *time.Time `db:"confirmed_at"`
	// LastStep is the last TOTP step accepted; a code of this step or an
	// earlier one is a replay.
	LastStep     int64     `db:"last_step"`
	RecoveryLeft int       `db:"recovery_left"`
	Version      int64     `db:"version"`
	CreatedAt    time.Time `db:"created_at"`
}

// Active reports whether the second factor has been confirmed.
func (m MFA) Active() bool { return m.ConfirmedAt != nil }

// MFAUse spends one second-factor proof: a TOTP Step (accepted only when
// newer than the stored last step) or a recovery code's hash (accepted only
// while unused). Attempt, when set, is the sign-in recorded with it.
type MFAUse struct {
	UserID       guanxi.ID
	Step         int64
	RecoveryHash string
	At           time.Time
	Attempt      *LoginAttempt
}

// MFAStore keeps second factors. Every method that accepts a code does so
// with a conditional UPDATE, so two requests with one code cannot both win.
type MFAStore interface {
	// MFA returns userID's second factor, pending or active; NotFound when none.
	MFA(ctx context.Context, userID guanxi.ID) (MFA, error)
	// StartMFA stores a new pending secret, replacing a pending one;
	// Conflict when an active one exists.
	StartMFA(ctx context.Context, userID guanxi.ID, secret string, at time.Time) error
	// ConfirmMFA activates m (still pending, at m.Version) at step with the
	// recovery code hashes; Conflict when it changed meanwhile.
	ConfirmMFA(ctx context.Context, m MFA, step int64, recoveryHashes []string, use MFAUse, entries ...audit.Entry) error
	// UseMFA spends a step or recovery code of an active factor and writes
	// the attempt and entries; false (and nothing written) when the step is
	// not newer than the last one or the code is unknown or spent.
	UseMFA(ctx context.Context, use MFAUse, entries ...audit.Entry) (bool, error)
	// DeleteMFA removes userID's factor and recovery codes, writing entry;
	// false when there was none.
	DeleteMFA(ctx context.Context, userID guanxi.ID, entry audit.Entry) (bool, error)
}

// RecoveryCodeCount is how many one-time recovery codes enrolment makes.
const RecoveryCodeCount = 10

// NewRecoveryCodes returns n codes to show once ("abcde-fghij", 50 random
// bits each) and their hashes to store.
func NewRecoveryCodes(n int) (plain, hashes []string) {
	for range n {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			panic("auth: crypto/rand failed: " + err.Error())
		}
		s := strings.ToLower(tokenEnc.EncodeToString(b))[:10]
		plain = append(plain, s[:5]+"-"+s[5:])
		hashes = append(hashes, HashRecoveryCode(s))
	}
	return plain, hashes
}

// normalizeCode drops what people add when typing a code.
func normalizeCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(code)))
}

// HashRecoveryCode is the stored form of a recovery code. The codes are
// random, so a fast hash is enough (as for API tokens).
func HashRecoveryCode(code string) string {
	h := sha256.Sum256([]byte(normalizeCode(code)))
	return hex.EncodeToString(h[:])
}

// isTOTPCode reports whether code has the shape of a TOTP code.
func isTOTPCode(code string) bool {
	if len(code) != TOTPDigits {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MFARequired reports whether policy makes u use a second factor: the
// mlps3 profile (等保三级 8.1.4.1 d: two factors for administrators)
// requires it of anyone who may administer users or settings.
func MFARequired(p Policy, u staff.User) bool {
	if p.Name != "mlps3" {
		return false
	}
	a := u.Actor("")
	return a.Can(guanxi.PermUserAdmin) || a.Can(guanxi.PermSettingsAdmin)
}

// LoginStep says what a sign-in needs after the password.
type LoginStep int

const (
	// LoginDone: signed in.
	LoginDone LoginStep = iota
	// LoginNeedsCode: the user has a second factor; LoginCode completes.
	LoginNeedsCode
	// LoginNeedsEnrol: the policy requires a second factor the user does
	// not have yet; LoginEnrolStart and LoginEnrol complete.
	LoginNeedsEnrol
)
