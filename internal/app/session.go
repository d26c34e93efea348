package app

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Session keys read by the server's authentication.
const (
	SessionUserKey   = "user_id" // int64 user id
	SessionAuthAtKey = "auth_at" // int64 unix nanoseconds of the sign-in
)

// SignIn gives the caller a new session token (against fixation) that
// records who signed in and when. A session older than its user's last
// password change is ended by the server, so changing a password signs out
// every other session; calling SignIn after one's own change keeps this one.
func (a *App) SignIn(ctx context.Context, userID guanxi.ID) error {
	if err := a.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	now := time.Now
	if a.Clock != nil {
		now = a.Clock
	}
	a.Sessions.Put(ctx, SessionUserKey, userID)
	a.Sessions.Put(ctx, SessionAuthAtKey, now().UnixNano())
	return nil
}
