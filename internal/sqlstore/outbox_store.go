package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/outbox"
)

// outboxWhere builds the scoped filter of the outbox list: a message about
// a customer is visible when the customer is in the actor's scope; staff
// (in-app) messages are visible to every reader of the outbox.
func (s *Store) outboxWhere(a guanxi.Actor, q outbox.ListQuery, withStatus bool) (string, []any) {
	pred, args := scopeSQL(a, "c")
	conds := []string{"(m.customer_id IS NULL OR " + pred + ")"}
	add := func(c string, v any) { conds = append(conds, c); args = append(args, v) }
	if withStatus && q.Status != "" {
		add("m.status = ?", q.Status)
	}
	if q.Channel != "" {
		add("m.channel = ?", q.Channel)
	}
	if q.CustomerID != 0 {
		add("m.customer_id = ?", q.CustomerID)
	}
	if t, err := time.Parse(time.DateOnly, q.From); err == nil {
		add("m.created_at >= ?", t.UTC())
	}
	if t, err := time.Parse(time.DateOnly, q.To); err == nil {
		add("m.created_at < ?", t.UTC().AddDate(0, 0, 1))
	}
	if withStatus && q.Before != 0 {
		add("m.id < ?", q.Before)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListMessages returns one page of messages, newest first.
func (s *Store) ListMessages(ctx context.Context, a guanxi.Actor, q outbox.ListQuery) ([]outbox.Stored, error) {
	where, args := s.outboxWhere(a, q, true)
	cols := s.q.OutboxColumns
	if s.dialect == Postgres {
		cols = dollarParam.ReplaceAllString(cols, "?")
	}
	text := s.rebind(cols + where + " ORDER BY m.id DESC LIMIT " + strconv.Itoa(q.Limit))
	out := []outbox.Stored{}
	if err := s.r.SelectContext(ctx, &out, text, args...); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		if err := decodeMessage(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CountMessages counts the filtered messages per status.
func (s *Store) CountMessages(ctx context.Context, a guanxi.Actor, q outbox.ListQuery) (map[string]int, error) {
	where, args := s.outboxWhere(a, q, false)
	text := s.rebind("SELECT m.status, COUNT(*) FROM outbox_messages m LEFT JOIN customers c ON c.id = m.customer_id" +
		where + " GROUP BY m.status")
	rows, err := s.r.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, wrap(err)
		}
		out[st] = n
	}
	return out, wrap(rows.Err())
}

// GetMessage returns one message in the actor's scope.
func (s *Store) GetMessage(ctx context.Context, a guanxi.Actor, id guanxi.ID) (outbox.Stored, error) {
	return s.getMessage(ctx, s.r, a, id)
}

func (s *Store) getMessage(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) (outbox.Stored, error) {
	pred, args := scopeSQL(a, "c")
	cols := s.q.OutboxColumns
	if s.dialect == Postgres {
		cols = dollarParam.ReplaceAllString(cols, "?")
	}
	text := s.rebind(cols + " WHERE m.id = ? AND (m.customer_id IS NULL OR " + pred + ")")
	var m outbox.Stored
	if err := sqlx.GetContext(ctx, q, &m, text, append([]any{id}, args...)...); err != nil {
		return m, notFound(err, "error.not_found")
	}
	return m, decodeMessage(&m)
}

// MessageAttempts lists the tries of a message in the actor's scope.
func (s *Store) MessageAttempts(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]outbox.Attempt, error) {
	if _, err := s.GetMessage(ctx, a, id); err != nil {
		return nil, err
	}
	out := []outbox.Attempt{}
	if err := s.r.SelectContext(ctx, &out, s.q.OutboxAttempts, id); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// SetMessageStatus moves a message in the actor's scope from one of from
// to to at version (cancel, retry), with its audit row.
func (s *Store) SetMessageStatus(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, from []string, to string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		m, err := s.getMessage(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if m.Version != version {
			return guanxi.Stale(m.Version)
		}
		if !slices.Contains(from, m.Status) {
			return guanxi.Conflict("outbox.error.state", map[string]any{"status": m.Status})
		}
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.OutboxSetStatus, to, to, now, now, id, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(version)
		}
		e := audit.New(a, audit.ActionUpdate, "outbox_message", id, map[string]any{"from": m.Status, "status": to})
		if m.CustomerID != nil {
			e = e.ForCustomer(*m.CustomerID)
		}
		return s.appendAudit(ctx, tx, e)
	})
}

// QueueMessage queues a message by hand: the customer must be live and in
// the actor's scope (the user active, for in-app), audited as message.send.
func (s *Store) QueueMessage(ctx context.Context, a guanxi.Actor, m outbox.Message) (guanxi.ID, bool, error) {
	var id guanxi.ID
	var inserted bool
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if m.CustomerID != nil {
			if _, err := s.liveInScope(ctx, tx, a, *m.CustomerID); err != nil {
				return err
			}
		}
		if m.UserID != nil {
			var uid guanxi.ID
			if err := tx.GetContext(ctx, &uid, s.q.OutboxUserExists, *m.UserID); err != nil {
				return notFound(err, "error.not_found")
			}
		}
		var err error
		if inserted, err = s.enqueueMessageTx(ctx, tx, m); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &id, s.q.OutboxIDByKey, m.IdemKey); err != nil {
			return wrap(err)
		}
		if !inserted {
			return nil
		}
		e := audit.New(a, audit.ActionMessageSend, "outbox_message", id,
			map[string]any{"channel": m.Channel, "template": m.Template, "purpose": m.Purpose})
		if m.CustomerID != nil {
			e = e.ForCustomer(*m.CustomerID)
		}
		return s.appendAudit(ctx, tx, e)
	})
	return id, inserted, err
}

// Templates returns the stored (edited) templates.
func (s *Store) Templates(ctx context.Context) ([]outbox.Template, error) {
	out := []outbox.Template{}
	if err := s.r.SelectContext(ctx, &out, s.q.OutboxTemplates); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		utcPtr(out[i].UpdatedAt)
	}
	return out, nil
}

// SaveTemplate inserts (version 0) or updates a template at version, audited.
func (s *Store) SaveTemplate(ctx context.Context, a guanxi.Actor, t *outbox.Template, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		var res sql.Result
		var err error
		if version == 0 {
			res, err = tx.ExecContext(ctx, s.q.OutboxTemplateInsert, t.Key, t.Locale, t.Subject, t.Body, now)
		} else {
			res, err = tx.ExecContext(ctx, s.q.OutboxTemplateUpdate, t.Subject, t.Body, now, t.Key, t.Locale, version)
		}
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var cur int64
			if err := tx.GetContext(ctx, &cur, s.q.OutboxTemplateVersion, t.Key, t.Locale); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return wrap(err)
			}
			return guanxi.Stale(cur)
		}
		t.Version, t.UpdatedAt, t.Builtin = version+1, &now, false
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionSettings, "message_template", 0,
			map[string]any{"key": t.Key, "locale": t.Locale}))
	})
}

// ChannelConfig returns the channel settings (secrets included: for the
// dispatcher and the service only) and their version (0: defaults).
func (s *Store) ChannelConfig(ctx context.Context) (outbox.Config, int64, error) {
	var row struct {
		Config  string `db:"config"`
		Version int64  `db:"version"`
	}
	err := s.r.GetContext(ctx, &row, s.q.OutboxConfig)
	if errors.Is(err, sql.ErrNoRows) {
		return outbox.DefaultConfig(), 0, nil
	}
	if err != nil {
		return outbox.Config{}, 0, wrap(err)
	}
	c := outbox.DefaultConfig()
	if err := json.Unmarshal([]byte(row.Config), &c); err != nil {
		return c, 0, wrap(err)
	}
	return c, row.Version, nil
}

// SaveChannelConfig stores the settings at version; the audit row names
// what changed but never a secret.
func (s *Store) SaveChannelConfig(ctx context.Context, a guanxi.Actor, c outbox.Config, version int64) error {
	old, _, err := s.ChannelConfig(ctx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return wrap(err)
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		var res sql.Result
		if version == 0 {
			res, err = tx.ExecContext(ctx, s.q.OutboxConfigInsert, string(b), now)
		} else {
			res, err = tx.ExecContext(ctx, s.q.OutboxConfigUpdate, string(b), now, version)
		}
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var cur int64
			if err := tx.GetContext(ctx, &cur, s.q.OutboxConfigVersion); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return wrap(err)
			}
			return guanxi.Stale(cur)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionSettings, "message_channels", 0, map[string]any{
			"smtp_host": c.SMTP.Host, "smtp_tls": c.SMTP.TLS, "sms_kind": c.SMS.Kind, "sms_url": c.SMS.URL,
			"rate_per_minute": c.RatePerMinute, "max_attempts": c.MaxAttempts,
			"smtp_password_changed": c.SMTP.Password != old.SMTP.Password,
			"sms_secret_changed":    c.SMS.Secret != old.SMS.Secret}))
	})
}

// OutboxSecret returns a named random secret, created at first use; a
// racing creator's insert is ignored and both read the same value.
func (s *Store) OutboxSecret(ctx context.Context, name string) ([]byte, error) {
	var v string
	err := s.r.GetContext(ctx, &v, s.q.OutboxSecret, name)
	if errors.Is(err, sql.ErrNoRows) {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, wrap(err)
		}
		if _, err := s.w.ExecContext(ctx, s.q.OutboxSecretInsert, name, base64.StdEncoding.EncodeToString(b), s.nowUTC()); err != nil {
			return nil, wrap(err)
		}
		err = s.w.GetContext(ctx, &v, s.q.OutboxSecret, name)
	}
	if err != nil {
		return nil, wrap(err)
	}
	return base64.StdEncoding.DecodeString(v)
}

// AuditOutboxExport writes the audit row of an outbox export.
func (s *Store) AuditOutboxExport(ctx context.Context, a guanxi.Actor, rows int, q outbox.ListQuery) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionExport, "outbox_messages", 0, map[string]any{
			"rows": rows, "status": q.Status, "channel": q.Channel, "customer_id": q.CustomerID, "from": q.From, "to": q.To}))
	})
}
