package sqlstore

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/notify"
)

// Notifications returns a user's latest notifications.
func (s *Store) Notifications(ctx context.Context, userID guanxi.ID, unreadOnly bool, limit int) ([]notify.Notification, error) {
	q := s.q.NotificationsAll
	if unreadOnly {
		q = s.q.NotificationsUnread
	}
	var out []notify.Notification
	if err := s.r.SelectContext(ctx, &out, withLimit(q, limit), userID); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
		utcPtr(out[i].ReadAt)
	}
	return out, nil
}

// UnreadCount counts a user's unread notifications, up to 100.
func (s *Store) UnreadCount(ctx context.Context, userID guanxi.ID) (int, error) {
	var n int
	err := s.r.GetContext(ctx, &n, s.q.NotificationsCount, userID)
	return n, wrap(err)
}

// MarkRead marks one of the user's notifications read; another user's id
// is NotFound. Marking a read one again is a no-op.
func (s *Store) MarkRead(ctx context.Context, userID, id guanxi.ID) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		var got guanxi.ID
		if err := tx.GetContext(ctx, &got, s.q.NotificationExists, id, userID); err != nil {
			return notFound(err, "error.not_found")
		}
		_, err := tx.ExecContext(ctx, s.q.NotificationRead, s.nowUTC(), id, userID)
		return wrap(err)
	})
}

// MarkAllRead marks every unread notification of the user read.
func (s *Store) MarkAllRead(ctx context.Context, userID guanxi.ID) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.NotificationsReadAll, s.nowUTC(), userID)
		if err != nil {
			return wrap(err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
