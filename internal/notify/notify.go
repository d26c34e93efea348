// Package notify is in-app notifications: a user's unread list and marking
// read. Other modules write notifications in their own transactions (the
// SLA job, ticket routing); this package reads and clears them.
package notify

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Kinds of notification; each has the message key "notify.<kind>".
var Kinds = []string{"assigned", "reopened", "first_response_warning", "first_response_breach",
	"resolution_warning", "resolution_breach", "escalation", "ombudsman", "notice",
	"export_done", "export_failed", "message"}

// Notification is one message to one user.
type Notification struct {
	ID        guanxi.ID  `db:"id"`
	UserID    guanxi.ID  `db:"user_id"`
	Kind      string     `db:"kind"`
	TicketID  *guanxi.ID `db:"ticket_id"`
	ArgsJSON  string     `db:"args"`
	CreatedAt time.Time  `db:"created_at"`
	ReadAt    *time.Time `db:"read_at"`
	Version   int64      `db:"version"`
}

// Args decodes the message arguments (ticket number, level…).
func (n Notification) Args() map[string]any {
	m := map[string]any{}
	_ = json.Unmarshal([]byte(n.ArgsJSON), &m)
	return m
}

// Key is the message key of the notification's text.
func (n Notification) Key() string { return "notify." + n.Kind }

// Store is what the service needs; every method is limited to the user.
type Store interface {
	Notifications(ctx context.Context, userID guanxi.ID, unreadOnly bool, limit int) ([]Notification, error)
	UnreadCount(ctx context.Context, userID guanxi.ID) (int, error)
	MarkRead(ctx context.Context, userID, id guanxi.ID) error
	MarkAllRead(ctx context.Context, userID guanxi.ID) (int, error)
}

// Service reads and clears the caller's notifications.
type Service struct {
	Store Store
}

func signedIn(a guanxi.Actor) error {
	if a.UserID == 0 {
		return guanxi.Unauthorized("error.unauthorized")
	}
	return nil
}

// List returns the caller's latest notifications (unread only when asked).
func (s *Service) List(ctx context.Context, a guanxi.Actor, unreadOnly bool, limit int) ([]Notification, error) {
	if err := signedIn(a); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return s.Store.Notifications(ctx, a.UserID, unreadOnly, limit)
}

// Unread counts the caller's unread notifications (bounded by the store).
func (s *Service) Unread(ctx context.Context, a guanxi.Actor) (int, error) {
	if err := signedIn(a); err != nil {
		return 0, err
	}
	return s.Store.UnreadCount(ctx, a.UserID)
}

// MarkRead marks one of the caller's notifications read; another user's is NotFound.
func (s *Service) MarkRead(ctx context.Context, a guanxi.Actor, id guanxi.ID) error {
	if err := signedIn(a); err != nil {
		return err
	}
	return s.Store.MarkRead(ctx, a.UserID, id)
}

// MarkAllRead marks every unread notification of the caller read.
func (s *Service) MarkAllRead(ctx context.Context, a guanxi.Actor) (int, error) {
	if err := signedIn(a); err != nil {
		return 0, err
	}
	return s.Store.MarkAllRead(ctx, a.UserID)
}
