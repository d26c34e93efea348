package sqlstore

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/auth"
)

// Second-factor queries, in the portable subset and rebound per dialect.
// They sit here rather than in queries/ so this file needs no edit to the
// shared queries struct; moving them there is mechanical.
const (
	mfaGet = `SELECT m.user_id, m.secret, m.confirmed_at, m.last_step, m.version, m.created_at,
    (SELECT COUNT(*) FROM mfa_recovery_codes r WHERE r.user_id = m.user_id AND r.used_at IS NULL) AS recovery_left
FROM user_mfa m WHERE m.user_id = ?`
	// A pending secret is replaced; an active one is left alone (0 rows).
	mfaStart = `INSERT INTO user_mfa (user_id, secret, confirmed_at, last_step, version, created_at, updated_at)
VALUES (?, ?, NULL, 0, 1, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0,
    version = user_mfa.version + 1, created_at = excluded.created_at, updated_at = excluded.updated_at
WHERE user_mfa.confirmed_at IS NULL`
	mfaConfirm = `UPDATE user_mfa SET confirmed_at = ?, last_step = ?, version = version + 1, updated_at = ?
WHERE user_id = ? AND version = ? AND confirmed_at IS NULL`
	mfaUseStep = `UPDATE user_mfa SET last_step = ?, version = version + 1, updated_at = ?
WHERE user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`
	mfaUseRecovery = `UPDATE mfa_recovery_codes SET used_at = ?
WHERE user_id = ? AND code_hash = ? AND used_at IS NULL
  AND EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = ? AND m.confirmed_at IS NOT NULL)`
	mfaRecoveryDelete = `DELETE FROM mfa_recovery_codes WHERE user_id = ?`
	mfaRecoveryInsert = `INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES (?, ?)`
	mfaDelete         = `DELETE FROM user_mfa WHERE user_id = ?`
)

// The auth service finds second factors on the store through this interface.
var _ auth.MFAStore = (*Store)(nil)

func mfaTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// MFA returns a user's second factor, pending or active.
func (s *Store) MFA(ctx context.Context, userID guanxi.ID) (auth.MFA, error) {
	var m auth.MFA
	if err := s.r.GetContext(ctx, &m, s.rebind(mfaGet), userID); err != nil {
		return m, notFound(err, "auth.mfa_not_enabled")
	}
	m.CreatedAt = m.CreatedAt.UTC()
	utcPtr(m.ConfirmedAt)
	secret, err := s.keys.Open(m.Secret, colMFASecret)
	if err != nil {
		return m, guanxi.Internal(err)
	}
	m.Secret = secret
	return m, nil
}

// StartMFA stores a new pending secret; Conflict when one is active.
func (s *Store) StartMFA(ctx context.Context, userID guanxi.ID, secret string, at time.Time) error {
	t := mfaTime(at)
	// Sealed at rest (TESTPLAN D10): the secret makes every future code.
	res, err := s.w.ExecContext(ctx, s.rebind(mfaStart), userID, s.keys.Seal(secret, colMFASecret), t, t)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return guanxi.Conflict("auth.mfa_already_enabled", nil)
	}
	return nil
}

// ConfirmMFA activates a pending factor with fresh recovery codes, and
// records the sign-in it completes, in one transaction.
func (s *Store) ConfirmMFA(ctx context.Context, m auth.MFA, step int64, recoveryHashes []string, use auth.MFAUse, entries ...audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		t := mfaTime(use.At)
		res, err := tx.ExecContext(ctx, s.rebind(mfaConfirm), t, step, t, m.UserID, m.Version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return guanxi.Conflict("auth.mfa_changed", nil)
		}
		if _, err := tx.ExecContext(ctx, s.rebind(mfaRecoveryDelete), m.UserID); err != nil {
			return wrap(err)
		}
		for _, h := range recoveryHashes {
			if _, err := tx.ExecContext(ctx, s.rebind(mfaRecoveryInsert), m.UserID, h); err != nil {
				return wrap(err)
			}
		}
		return s.mfaRecord(ctx, tx, t, use.Attempt, entries)
	})
}

// UseMFA spends a step or a recovery code; false, with nothing written,
// when it was already spent (the conditional UPDATE matched no row).
func (s *Store) UseMFA(ctx context.Context, use auth.MFAUse, entries ...audit.Entry) (bool, error) {
	spent := false
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		t := mfaTime(use.At)
		var res interface{ RowsAffected() (int64, error) }
		var err error
		if use.RecoveryHash != "" {
			res, err = tx.ExecContext(ctx, s.rebind(mfaUseRecovery), t, use.UserID, use.RecoveryHash, use.UserID)
		} else {
			res, err = tx.ExecContext(ctx, s.rebind(mfaUseStep), use.Step, t, use.UserID, use.Step)
		}
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		spent = true
		return s.mfaRecord(ctx, tx, t, use.Attempt, entries)
	})
	return spent, err
}

// DeleteMFA removes a user's factor and recovery codes with entry; false
// (and no audit row) when there was none.
func (s *Store) DeleteMFA(ctx context.Context, userID guanxi.ID, entry audit.Entry) (bool, error) {
	found := false
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(mfaRecoveryDelete), userID); err != nil {
			return wrap(err)
		}
		res, err := tx.ExecContext(ctx, s.rebind(mfaDelete), userID)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		found = true
		return s.appendAudit(ctx, tx, entry)
	})
	return found, err
}

// mfaRecord writes the sign-in a second factor completed (as
// RecordLoginAttempt does) and the audit entries, inside tx.
func (s *Store) mfaRecord(ctx context.Context, tx *sqlx.Tx, t time.Time, at *auth.LoginAttempt, entries []audit.Entry) error {
	if at != nil {
		at.At = mfaTime(at.At)
		if _, err := tx.ExecContext(ctx, s.q.LoginAttemptInsert, at.Username, at.Addr, at.Result, at.At); err != nil {
			return wrap(err)
		}
		if at.ExpireUserID != 0 {
			if _, err := tx.ExecContext(ctx, s.q.UserExpirePassword, at.At, at.ExpireUserID); err != nil {
				return wrap(err)
			}
		}
	}
	for i := range entries {
		if entries[i].At.IsZero() {
			entries[i].At = t
		}
	}
	return s.appendAudit(ctx, tx, entries...)
}
