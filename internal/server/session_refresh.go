package server

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
)

// expiryStore is a session store that also tells a session's stored expiry
// (sqlstore.SessionStore).
type expiryStore interface {
	scs.CtxStore
	FindExpiryCtx(ctx context.Context, token string) ([]byte, time.Time, bool, error)
}

// sessionRefresh keeps a request that changed nothing in its session from
// writing it back. With an idle timeout scs marks every loaded session
// modified so that its expiry slides, so each web request wrote its row
// through the single writer (about 5 % of the web list page). The row is
// now written when its data or token changed, when the expiry would move
// back (a shorter idle timeout), or when it would move forward by step or
// more: a session then ends at most step before the idle timeout after
// the last request, never later.
type sessionRefresh struct {
	inner expiryStore
	step  time.Duration
}

// refreshStep is how far the stored expiry may lag: a minute, or a tenth
// of a short idle timeout.
func refreshStep(idle time.Duration) time.Duration {
	return min(time.Minute, idle/10)
}

// loadedSession is the session row a request read, kept in its context.
type loadedSession struct {
	token  string
	data   []byte
	expiry time.Time
}

type loadedSessionKey struct{}

// useSessionRefresh puts sessionRefresh in front of the manager's store
// (once: a wrapped store has no FindExpiryCtx; stores without expiries are
// left alone) with sessionCodec, and returns the middleware that gives each
// request a place for the row it reads; it must wrap LoadAndSave.
func useSessionRefresh(m *scs.SessionManager) func(http.Handler) http.Handler {
	if inner, ok := m.Store.(expiryStore); ok && m.IdleTimeout > 0 {
		m.Store = &sessionRefresh{inner: inner, step: refreshStep(m.IdleTimeout)}
		if _, gob := m.Codec.(scs.GobCodec); gob {
			m.Codec = sessionCodec{}
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := context.WithValue(r.Context(), loadedSessionKey{}, &loadedSession{})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// FindCtx reads the session and notes the row in the request's context.
func (sr *sessionRefresh) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	b, expiry, found, err := sr.inner.FindExpiryCtx(ctx, token)
	if l, ok := ctx.Value(loadedSessionKey{}).(*loadedSession); ok && found && err == nil {
		*l = loadedSession{token: token, data: b, expiry: expiry}
	}
	return b, found, err
}

// CommitCtx writes the session unless the row read by this request already
// holds the same data and an expiry less than step older.
func (sr *sessionRefresh) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	l, ok := ctx.Value(loadedSessionKey{}).(*loadedSession)
	if ok && l.token == token && bytes.Equal(l.data, b) {
		if lag := expiry.Sub(l.expiry); lag >= 0 && lag < sr.step {
			return nil
		}
	}
	if err := sr.inner.CommitCtx(ctx, token, b, expiry); err != nil {
		return err
	}
	if ok {
		*l = loadedSession{token: token, data: b, expiry: expiry}
	}
	return nil
}

// DeleteCtx removes the session.
func (sr *sessionRefresh) DeleteCtx(ctx context.Context, token string) error {
	if l, ok := ctx.Value(loadedSessionKey{}).(*loadedSession); ok && l.token == token {
		*l = loadedSession{}
	}
	return sr.inner.DeleteCtx(ctx, token)
}

// Find implements scs.Store.
func (sr *sessionRefresh) Find(token string) ([]byte, bool, error) {
	return sr.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (sr *sessionRefresh) Commit(token string, b []byte, expiry time.Time) error {
	return sr.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (sr *sessionRefresh) Delete(token string) error {
	return sr.DeleteCtx(context.Background(), token)
}
