package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SessionStore keeps scs sessions in the sessions table (expiry in Unix
// nanoseconds). It implements scs.Store and scs.CtxStore.
type SessionStore struct {
	s *Store
}

// Sessions returns the session store over s.
func (s *Store) Sessions() *SessionStore { return &SessionStore{s: s} }

// FindCtx returns the data of an unexpired session.
func (ss *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	b, _, found, err := ss.FindExpiryCtx(ctx, token)
	return b, found, err
}

// FindExpiryCtx returns the data and stored expiry of an unexpired session,
// so that a caller can leave a row alone whose expiry is recent enough.
func (ss *SessionStore) FindExpiryCtx(ctx context.Context, token string) ([]byte, time.Time, bool, error) {
	var b []byte
	var expiry int64
	err := ss.s.r.QueryRowContext(ctx, ss.s.q.SessionFind, token, ss.s.now().UnixNano()).Scan(&b, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, err
	}
	return b, time.Unix(0, expiry).UTC(), true, nil
}

// CommitCtx stores or replaces a session.
func (ss *SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := ss.s.w.ExecContext(ctx, ss.s.q.SessionCommit, token, b, expiry.UnixNano())
	return err
}

// DeleteCtx removes a session.
func (ss *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := ss.s.w.ExecContext(ctx, ss.s.q.SessionDelete, token)
	return err
}

// Find implements scs.Store.
func (ss *SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (ss *SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (ss *SessionStore) Delete(token string) error {
	return ss.DeleteCtx(context.Background(), token)
}

// DeleteExpiredSessions removes expired sessions and returns how many; run
// it periodically (scs never calls it).
func (ss *SessionStore) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := ss.s.w.ExecContext(ctx, ss.s.q.SessionDeleteExpired, ss.s.now().UnixNano())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
