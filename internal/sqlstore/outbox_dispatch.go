package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/outbox"
)

// ClaimMessage takes the lease of one due message for owner until until
// and returns it with its attempts already counted. The guarded UPDATE is
// the claim (SKIP LOCKED on PostgreSQL), so two instances never hold the
// same message.
func (s *Store) ClaimMessage(ctx context.Context, owner string, now, until time.Time) (outbox.Stored, bool, error) {
	var id guanxi.ID
	now, until = now.UTC(), until.UTC()
	err := s.w.GetContext(ctx, &id, s.q.OutboxClaim, until, owner, s.nowUTC(), now, now)
	if errors.Is(err, sql.ErrNoRows) {
		return outbox.Stored{}, false, nil
	}
	if err != nil {
		return outbox.Stored{}, false, wrap(err)
	}
	m, err := s.message(ctx, s.w, id)
	return m, err == nil, err
}

func (s *Store) message(ctx context.Context, q sqlx.QueryerContext, id guanxi.ID) (outbox.Stored, error) {
	var m outbox.Stored
	if err := sqlx.GetContext(ctx, q, &m, s.q.OutboxColumns+" WHERE m.id = "+s.param(1), id); err != nil {
		return m, notFound(err, "error.not_found")
	}
	return m, decodeMessage(&m)
}

// param is the n-th placeholder of the dialect, for hand-built SQL.
func (s *Store) param(n int) string {
	if s.dialect == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

func decodeMessage(m *outbox.Stored) error {
	m.Vars = map[string]string{}
	if m.VarsJSON != "" {
		if err := json.Unmarshal([]byte(m.VarsJSON), &m.Vars); err != nil {
			return wrap(err)
		}
	}
	m.SendAfter, m.CreatedAt, m.UpdatedAt, m.NextAttemptAt = m.SendAfter.UTC(), m.CreatedAt.UTC(), m.UpdatedAt.UTC(), m.NextAttemptAt.UTC()
	utcPtr(m.SentAt)
	utcPtr(m.ClaimedUntil)
	return nil
}

// MessageTarget reads the recipient at send time: the customer's address
// for the channel and consent, or the staff user of an in-app message.
func (s *Store) MessageTarget(ctx context.Context, m outbox.Stored) (outbox.Target, error) {
	var t outbox.Target
	switch {
	case m.CustomerID != nil:
		var row struct {
			Name, Mobile, Email, Consent string
			Deleted                      bool
		}
		err := s.r.QueryRowxContext(ctx, s.q.OutboxTargetCustomer, *m.CustomerID).Scan(&row.Name, &row.Mobile, &row.Email, &row.Consent, &row.Deleted)
		if errors.Is(err, sql.ErrNoRows) {
			return t, nil
		}
		if err != nil {
			return t, wrap(err)
		}
		t.Found, t.Deleted, t.Name, t.CustomerName = true, row.Deleted, row.Name, row.Name
		t.Consent = map[string]bool{}
		if err := json.Unmarshal([]byte(row.Consent), &t.Consent); err != nil {
			return t, wrap(err)
		}
		// The ledger decides per purpose, read at send time so a withdrawal
		// takes effect on the next dispatch.
		gate, err := s.consentGate(ctx, s.r, *m.CustomerID, m.Purpose, t.Consent)
		if err != nil {
			return t, err
		}
		t.Consent = gate
		switch m.Channel {
		case outbox.ChannelSMS:
			t.Address = row.Mobile
		case outbox.ChannelEmail:
			t.Address = row.Email
		}
	case m.UserID != nil:
		err := s.r.QueryRowxContext(ctx, s.q.OutboxTargetUser, *m.UserID).Scan(&t.Name, &t.Deleted)
		if errors.Is(err, sql.ErrNoRows) {
			return t, nil
		}
		if err != nil {
			return t, wrap(err)
		}
		t.Found = true
		if m.Channel == outbox.ChannelInApp {
			t.Address = strconv.FormatInt(*m.UserID, 10)
		}
	default:
		t.Found = true // a raw address queued by a module
	}
	return t, nil
}

// TakeRate takes one send slot of channel in the minute window; false
// when limit slots are taken. The counter is in the database, so the
// limit holds across instances.
func (s *Store) TakeRate(ctx context.Context, channel string, window time.Time, limit int) (bool, error) {
	var n int64
	err := s.w.GetContext(ctx, &n, s.q.OutboxRateTake, channel, window.UTC(), limit)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrap(err)
	}
	if n == 1 { // a new window: drop the old ones
		if _, err := s.w.ExecContext(ctx, s.q.OutboxRatePrune, window.UTC().Add(-time.Hour)); err != nil {
			return false, wrap(err)
		}
	}
	return true, nil
}

func (s *Store) finishTx(ctx context.Context, tx *sqlx.Tx, id guanxi.ID, owner string, r outbox.Result) (bool, error) {
	now := s.nowUTC()
	next := r.Next
	if next.IsZero() {
		next = now
	}
	var sentAt *time.Time
	if r.Status == outbox.StatusSent {
		sentAt = &now
	}
	undo := 0
	if !r.Attempted {
		undo = 1 // released without trying (rate limit): the claim did not count
	}
	res, err := tx.ExecContext(ctx, s.q.OutboxFinish, r.Status, truncate(r.Error, 1000), r.ProviderID, r.Subject, r.Body,
		next.UTC(), sentAt, undo, now, id, owner)
	if err != nil {
		return false, wrap(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	if r.Attempted {
		if _, err := tx.ExecContext(ctx, s.q.OutboxAttemptInsert, now, r.Status, truncate(r.Error, 1000), r.ProviderID, owner, id); err != nil {
			return false, wrap(err)
		}
	}
	return true, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// FinishMessage stores the result of an attempt if owner still holds the
// claim; false when it does not.
func (s *Store) FinishMessage(ctx context.Context, id guanxi.ID, owner string, r outbox.Result) (bool, error) {
	var ok bool
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		ok, err = s.finishTx(ctx, tx, id, owner, r)
		return err
	})
	return ok, err
}

// DeliverInApp writes the staff notification and marks the message sent
// in one transaction; the dedupe key makes a repeat impossible.
func (s *Store) DeliverInApp(ctx context.Context, m outbox.Stored, owner string, r outbox.Result) (bool, error) {
	if m.UserID == nil {
		return false, guanxi.Internal(errors.New("outbox: in-app message without a user"))
	}
	var ok bool
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if ok, err = s.finishTx(ctx, tx, m.ID, owner, r); err != nil || !ok {
			return err
		}
		args, _ := json.Marshal(map[string]string{"subject": r.Subject, "body": r.Body})
		_, err = tx.ExecContext(ctx, s.q.OutboxNotification, *m.UserID, string(args),
			"outbox:"+strconv.FormatInt(m.ID, 10), s.nowUTC())
		return wrap(err)
	})
	return ok, err
}
