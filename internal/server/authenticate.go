package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
)

// authenticate puts the caller's Actor in the request context: from a
// Bearer API token, else from the session. A bad token is a 401 at once; a
// missing or stale session leaves the request anonymous for the surface to
// answer (401 for the API, a redirect to the login page for the web).
func authenticate(a *app.App, cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		addr := clientAddr(r, cfg.TrustProxy)
		if cfg.TrustProxy {
			// Surfaces that audit anonymous requests (sign-in) read RemoteAddr.
			r.RemoteAddr = net.JoinHostPort(addr, "0")
		}
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				writeProblem(a, w, r, http.StatusUnauthorized, "auth.token_invalid", "")
				return
			}
			u, err := a.Auth.AuthenticateToken(ctx, strings.TrimSpace(token))
			if err != nil {
				switch guanxi.KindOf(err) {
				case guanxi.KindUnauthorized, guanxi.KindNotFound, guanxi.KindInvalid, guanxi.KindForbidden:
					writeProblem(a, w, r, http.StatusUnauthorized, "auth.token_invalid", "")
				default:
					// The token could not be checked (the database failed or
					// the request's deadline passed): not the caller's fault,
					// so not a 401 that would make a client drop its token.
					id := correlationID()
					if a.Log != nil {
						a.Log.ErrorContext(ctx, "token check failed", "correlation_id", id, "err", err)
					}
					w.Header().Set("Retry-After", "1")
					writeProblem(a, w, r, http.StatusServiceUnavailable, "error.unavailable", id)
				}
				return
			}
			next.ServeHTTP(w, r.WithContext(guanxi.WithActor(ctx, u.Actor(addr))))
			return
		}
		if id, ok := a.Sessions.Get(ctx, app.SessionUserKey).(int64); ok && id != 0 {
			u, err := a.Auth.UserForSession(ctx, id)
			authAt, _ := a.Sessions.Get(ctx, app.SessionAuthAtKey).(int64)
			if err == nil && u.PasswordChangedAt.UnixNano() > authAt {
				// The password changed after this session signed in.
				_ = a.Sessions.Destroy(ctx)
				next.ServeHTTP(w, r)
				return
			}
			if err == nil && u.MustChangePassword && !passwordChangePath(r.URL.Path) {
				// A reset or expired password must be changed before anything else.
				if strings.HasPrefix(r.URL.Path, "/api/") {
					writeProblem(a, w, r, http.StatusForbidden, "auth.password_change_required", "")
				} else {
					http.Redirect(w, r, "/profile#password", http.StatusSeeOther)
				}
				return
			}
			if err == nil {
				ctx = guanxi.WithActor(ctx, u.Actor(addr))
			} else if guanxi.KindOf(err) == guanxi.KindUnauthorized || guanxi.KindOf(err) == guanxi.KindNotFound {
				// Disabled or removed: end the session.
				_ = a.Sessions.Destroy(ctx)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// passwordChangePath lists what a user who must change the password may
// still reach: the profile page, the change itself, sign-out, static files.
func passwordChangePath(p string) bool {
	switch p {
	case "/profile", "/profile/password", "/logout", "/lang", "/api/v1/me", "/api/v1/me/password":
		return true
	}
	return strings.HasPrefix(p, "/static/")
}
