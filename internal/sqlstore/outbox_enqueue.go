package sqlstore

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/outbox"
)

type outboxQueries struct {
	OutboxEnqueue   string `q:"outbox-enqueue"`
	OutboxCancelRef string `q:"outbox-cancel-ref"`

	OutboxColumns         string `q:"outbox-columns"`
	OutboxIDByKey         string `q:"outbox-id-by-key"`
	OutboxClaim           string `q:"outbox-claim"`
	OutboxFinish          string `q:"outbox-finish"`
	OutboxAttemptInsert   string `q:"outbox-attempt-insert"`
	OutboxAttempts        string `q:"outbox-attempts"`
	OutboxNotification    string `q:"outbox-notification-insert"`
	OutboxTargetCustomer  string `q:"outbox-target-customer"`
	OutboxTargetUser      string `q:"outbox-target-user"`
	OutboxRateTake        string `q:"outbox-rate-take"`
	OutboxRatePrune       string `q:"outbox-rate-prune"`
	OutboxTemplates       string `q:"outbox-templates"`
	OutboxTemplateInsert  string `q:"outbox-template-insert"`
	OutboxTemplateUpdate  string `q:"outbox-template-update"`
	OutboxTemplateVersion string `q:"outbox-template-version"`
	OutboxConfig          string `q:"outbox-config"`
	OutboxConfigInsert    string `q:"outbox-config-insert"`
	OutboxConfigUpdate    string `q:"outbox-config-update"`
	OutboxConfigVersion   string `q:"outbox-config-version"`
	OutboxSecretInsert    string `q:"outbox-secret-insert"`
	OutboxSecret          string `q:"outbox-secret"`
	OutboxState           string `q:"outbox-state"`
	OutboxSetStatus       string `q:"outbox-set-status"`
	OutboxConsent         string `q:"outbox-customer-consent"`
	OutboxConsentUpdate   string `q:"outbox-customer-consent-update"`
	OutboxCustomersMobile string `q:"outbox-customers-by-mobile"`
	OutboxCustomerName    string `q:"outbox-customer-name"`
	OutboxUserExists      string `q:"outbox-user-exists"`
}

// enqueueMessageTx queues m in the caller's transaction, so the message
// exists exactly when the change that caused it commits. A message whose
// IdemKey is already queued is left alone and reported as not inserted.
func (s *Store) enqueueMessageTx(ctx context.Context, tx *sqlx.Tx, m outbox.Message) (bool, error) {
	var f guanxi.Fields
	if !slices.Contains(outbox.Channels, m.Channel) {
		f.Add("channel", "validation.enum")
	}
	if m.Template == "" {
		f.Add("template", "validation.required")
	}
	if m.IdemKey == "" {
		f.Add("idem_key", "validation.required")
	}
	if m.CustomerID == nil && m.UserID == nil && m.To == "" {
		f.Add("to", "validation.required")
	}
	if err := f.Err(); err != nil {
		return false, err
	}
	if m.Purpose == "" {
		m.Purpose = outbox.PurposeService
	}
	if m.Locale == "" {
		m.Locale = "zh-CN"
	}
	vars := "{}"
	if len(m.Vars) > 0 {
		b, err := json.Marshal(m.Vars)
		if err != nil {
			return false, wrap(err)
		}
		vars = string(b)
	}
	now := s.nowUTC()
	if m.SendAfter.IsZero() {
		m.SendAfter = now
	}
	at := m.SendAfter.UTC()
	res, err := tx.ExecContext(ctx, s.rebind(s.q.OutboxEnqueue), m.Channel, m.Purpose, m.CustomerID, m.UserID,
		m.To, m.Template, vars, m.Locale, at, m.IdemKey, m.RefKind, m.RefID, at, now, now)
	if err != nil {
		return false, wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err)
}

// cancelMessagesTx withdraws the unsent messages queued for one object
// (an appointment's reminders when it is cancelled or moved).
func (s *Store) cancelMessagesTx(ctx context.Context, tx *sqlx.Tx, refKind string, refID guanxi.ID) (int, error) {
	res, err := tx.ExecContext(ctx, s.rebind(s.q.OutboxCancelRef), s.nowUTC(), refKind, refID)
	if err != nil {
		return 0, wrap(err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap(err)
}
