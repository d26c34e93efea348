package sqlstore

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

type authQueries struct {
	LoginAttemptsSince string `q:"login-attempts-since"`
	LoginAttemptInsert string `q:"login-attempt-insert"`
	TokenInsert        string `q:"token-insert"`
	TokensByUser       string `q:"tokens-by-user"`
	TokenByID          string `q:"token-by-id"`
	TokenUserByHash    string `q:"token-user-by-hash"`
	TokenRevoke        string `q:"token-revoke"`
	TokenTouch         string `q:"token-touch"`
	// Sessions (session_store.go); queries.go embeds only the four area structs.
	SessionFind          string `q:"session-find"`
	SessionCommit        string `q:"session-commit"`
	SessionDelete        string `q:"session-delete"`
	SessionDeleteExpired string `q:"session-delete-expired"`
}

// LoginFailures returns the failed attempts for username at or after since
// that came after its last success or unlock, oldest first.
func (s *Store) LoginFailures(ctx context.Context, username string, since time.Time) ([]time.Time, error) {
	var rows []struct {
		At time.Time `db:"at"`
		OK int       `db:"ok"`
	}
	if err := s.r.SelectContext(ctx, &rows, s.q.LoginAttemptsSince, username, since.UTC()); err != nil {
		return nil, wrap(err)
	}
	var out []time.Time
	for _, r := range rows {
		switch r.OK {
		case auth.AttemptOK, auth.AttemptUnlock:
			out = out[:0]
		case auth.AttemptFailed:
			out = append(out, r.At.UTC())
		}
	}
	return out, nil
}

// RecordLoginAttempt stores one sign-in attempt with its audit rows and, for
// an expired password, flags the user to change it.
func (s *Store) RecordLoginAttempt(ctx context.Context, at auth.LoginAttempt, entries ...audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		t := at.At.UTC().Truncate(time.Microsecond)
		if _, err := tx.ExecContext(ctx, s.q.LoginAttemptInsert, at.Username, at.Addr, at.Result, t); err != nil {
			return wrap(err)
		}
		if at.ExpireUserID != 0 {
			if _, err := tx.ExecContext(ctx, s.q.UserExpirePassword, t, at.ExpireUserID); err != nil {
				return wrap(err)
			}
		}
		for i := range entries {
			if entries[i].At.IsZero() {
				entries[i].At = t
			}
		}
		return s.appendAudit(ctx, tx, entries...)
	})
}

func tokenUTC(t *auth.Token) {
	t.CreatedAt = t.CreatedAt.UTC()
	utcPtr(t.LastUsedAt)
	utcPtr(t.RevokedAt)
}

// CreateAPIToken stores a token's hash and metadata; t.ID is set.
func (s *Store) CreateAPIToken(ctx context.Context, t *auth.Token, hash string, entry audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		t.CreatedAt = t.CreatedAt.UTC().Truncate(time.Microsecond)
		if err := tx.GetContext(ctx, &t.ID, s.q.TokenInsert, t.UserID, t.Name, t.Prefix, hash, t.CreatedAt); err != nil {
			return wrap(err)
		}
		t.Version = 1
		entry.ObjectID = &t.ID
		return s.appendAudit(ctx, tx, entry)
	})
}

// APITokens lists a user's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID guanxi.ID) ([]auth.Token, error) {
	var ts []auth.Token
	if err := s.r.SelectContext(ctx, &ts, s.q.TokensByUser, userID); err != nil {
		return nil, wrap(err)
	}
	for i := range ts {
		tokenUTC(&ts[i])
	}
	return ts, nil
}

// APIToken returns one token's metadata.
func (s *Store) APIToken(ctx context.Context, id guanxi.ID) (auth.Token, error) {
	var t auth.Token
	if err := s.r.GetContext(ctx, &t, s.q.TokenByID, id); err != nil {
		return t, notFound(err, "error.not_found")
	}
	tokenUTC(&t)
	return t, nil
}

// APITokenUser finds a token by the SHA-256 of its plaintext, with its
// user, in one query. The token carries only its id, user and times.
func (s *Store) APITokenUser(ctx context.Context, hash string) (auth.Token, staff.User, error) {
	var row struct {
		staff.User
		TokenID       guanxi.ID  `db:"token_id"`
		TokenLastUsed *time.Time `db:"token_last_used_at"`
		TokenRevoked  *time.Time `db:"token_revoked_at"`
	}
	if err := s.r.GetContext(ctx, &row, s.q.TokenUserByHash, hash); err != nil {
		return auth.Token{}, staff.User{}, notFound(err, "error.not_found")
	}
	u := row.User
	userUTC(&u)
	t := auth.Token{ID: row.TokenID, UserID: u.ID, LastUsedAt: row.TokenLastUsed, RevokedAt: row.TokenRevoked}
	tokenUTC(&t)
	return t, u, nil
}

// RevokeAPIToken marks a token revoked; revoking twice changes nothing.
func (s *Store) RevokeAPIToken(ctx context.Context, id guanxi.ID, at time.Time, entry audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.TokenRevoke, at.UTC().Truncate(time.Microsecond), id)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, entry)
	})
}

// TouchAPIToken records when a token was last used.
func (s *Store) TouchAPIToken(ctx context.Context, id guanxi.ID, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q.TokenTouch, at.UTC().Truncate(time.Microsecond), id)
	return wrap(err)
}
