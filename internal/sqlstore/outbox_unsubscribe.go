package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/consent"
)

// Unsubscribe withdraws consent[channel] of one live customer, bumping its
// version, with an audit row in the same transaction. It reports false
// (and writes nothing) when the channel was already withdrawn.
func (s *Store) Unsubscribe(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, channel, source string) (bool, error) {
	var changed bool
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		changed, err = s.unsubscribeTx(ctx, tx, a, customerID, channel, source)
		if errors.Is(err, sql.ErrNoRows) {
			return guanxi.NotFound("error.not_found")
		}
		return err
	})
	return changed, err
}

func (s *Store) unsubscribeTx(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, id guanxi.ID, channel, source string) (bool, error) {
	var row struct {
		Consent string `db:"consent"`
		Version int64  `db:"version"`
	}
	if err := tx.GetContext(ctx, &row, s.q.OutboxConsent, id); err != nil {
		return false, err
	}
	legacy := map[string]bool{}
	if err := json.Unmarshal([]byte(row.Consent), &legacy); err != nil {
		return false, wrap(err)
	}
	// Already withdrawn for every purpose that carries the link: nothing to do.
	st, err := s.consentState(ctx, tx, id)
	if err != nil {
		return false, err
	}
	var changes []consent.Change
	for _, p := range consent.UnsubscribePurposes {
		eff := consent.Effective(p, st, legacy)
		if v, set := eff[channel]; set && !v {
			continue
		}
		changes = append(changes, consent.Change{Purpose: p, Channel: channel, Action: consent.Withdraw})
	}
	src := consent.SourceUnsubscribe
	if source == "sms_reply" {
		src = consent.SourceSMSReply
	}
	// The ledger rows, their audit rows and the customers.consent summary
	// (with its version bump) are written by appendConsentTx.
	evs, err := s.appendConsentTx(ctx, tx, a, id, changes, src, "")
	if err != nil || len(evs) == 0 {
		return false, err
	}
	return true, s.appendAudit(ctx, tx, audit.New(a, audit.ActionUnsubscribe, "customer", id,
		map[string]any{"channel": channel, "source": source}).ForCustomer(id))
}

// UnsubscribeMobile withdraws SMS consent of every live customer with the
// mobile (an 退订 reply); it returns how many changed.
func (s *Store) UnsubscribeMobile(ctx context.Context, a guanxi.Actor, mobile, source string) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var ids []guanxi.ID
		if err := tx.SelectContext(ctx, &ids, s.q.OutboxCustomersMobile, mobile); err != nil {
			return wrap(err)
		}
		for _, id := range ids {
			changed, err := s.unsubscribeTx(ctx, tx, a, id, "sms", source)
			if err != nil {
				return wrap(err)
			}
			if changed {
				n++
			}
		}
		return nil
	})
	return n, err
}

// UnsubscribeName is the name of a live customer, for the unsubscribe page.
func (s *Store) UnsubscribeName(ctx context.Context, id guanxi.ID) (string, error) {
	var name string
	err := s.r.GetContext(ctx, &name, s.q.OutboxCustomerName, id)
	return name, notFound(err, "error.not_found")
}
