package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Consent ledger queries, portable and rebound per dialect; kept here so
// this module needs no edit to the shared queries struct.
const (
	consentEventInsert = `INSERT INTO consent_events (customer_id, purpose, channel, action, notice_version, source,
actor_id, actor_name, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	consentStateUpsert = `INSERT INTO consent_state (customer_id, purpose, channel, action, event_id, notice_version, at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, purpose, channel) DO UPDATE SET action = excluded.action,
event_id = excluded.event_id, notice_version = excluded.notice_version, at = excluded.at`
	consentStateSelect = `SELECT purpose, channel, action FROM consent_state WHERE customer_id = ?`
	// Keyset page of the ledger: consent_events_customer (customer_id, id)
	// serves both the seek and the order.
	consentEventsSelect = `SELECT id, customer_id, purpose, channel, action, notice_version, source, actor_id, actor_name,
note, at FROM consent_events WHERE customer_id = ? AND id < ? ORDER BY id DESC LIMIT /*limit*/`
	consentCustomerRow = `SELECT consent, version FROM customers WHERE id = ?`
	consentCustomerSet = `UPDATE customers SET consent = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`
	settingValue       = `SELECT value FROM settings WHERE key = ?`
)

// consentState reads the latest action per purpose and channel of id.
func (s *Store) consentState(ctx context.Context, q sqlx.QueryerContext, id guanxi.ID) (consent.State, error) {
	rows, err := q.QueryxContext(ctx, s.rebind(consentStateSelect), id)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	st := consent.State{}
	for rows.Next() {
		var p, ch, a string
		if err := rows.Scan(&p, &ch, &a); err != nil {
			return nil, wrap(err)
		}
		st[consent.Key{Purpose: p, Channel: ch}] = a
	}
	return st, wrap(rows.Err())
}

// noticeVersion is the privacy notice version recorded with a grant
// (setting privacy.notice_version, "1" until set).
func (s *Store) noticeVersion(ctx context.Context, q sqlx.QueryerContext) (string, error) {
	var v string
	err := sqlx.GetContext(ctx, q, &v, s.rebind(settingValue), consent.SettingNoticeVersion)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && v == "") {
		return "1", nil
	}
	return v, wrap(err)
}

// appendConsentTx appends one ledger row, its state row and its audit row
// per change that changes something (a repeat withdrawal, or a repeat
// grant under the same notice version, is skipped), then brings
// customers.consent in line with consent.Summary, bumping the customer's
// version if it changed. It returns the rows appended.
func (s *Store) appendConsentTx(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, id guanxi.ID,
	changes []consent.Change, source, note string) ([]consent.Event, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	if !consent.ValidSource(source) {
		return nil, guanxi.Invalid(guanxi.Field("source", "validation.enum"))
	}
	notice, err := s.noticeVersion(ctx, tx)
	if err != nil {
		return nil, err
	}
	var cur struct {
		Consent string `db:"consent"`
		Version int64  `db:"version"`
	}
	if err := tx.GetContext(ctx, &cur, s.rebind(consentCustomerRow), id); err != nil {
		return nil, notFound(err, "error.not_found")
	}
	legacy := map[string]bool{}
	if cur.Consent != "" {
		if err := json.Unmarshal([]byte(cur.Consent), &legacy); err != nil {
			return nil, wrap(err)
		}
	}
	st, err := s.consentState(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	latestNotice := map[consent.Key]string{}
	if err := s.consentNotices(ctx, tx, id, latestNotice); err != nil {
		return nil, err
	}
	now := s.nowUTC()
	var actorID *guanxi.ID
	if a.UserID != 0 {
		u := a.UserID
		actorID = &u
	}
	note = consent.CleanNote(note)
	var out []consent.Event
	grouped := map[string][]map[string]any{}
	for _, c := range changes {
		if err := consent.Validate(c); err != nil {
			return nil, err
		}
		k := consent.Key{Purpose: c.Purpose, Channel: c.Channel}
		nv := ""
		if c.Action == consent.Grant {
			nv = notice
		}
		if prev, ok := st[k]; ok && prev == c.Action && latestNotice[k] == nv {
			continue
		}
		e := consent.Event{CustomerID: id, Purpose: c.Purpose, Channel: c.Channel, Action: c.Action, NoticeVersion: nv,
			Source: source, ActorID: actorID, ActorName: a.Username, Note: note, At: now}
		if err := tx.GetContext(ctx, &e.ID, s.rebind(consentEventInsert), id, c.Purpose, c.Channel, c.Action, nv, source,
			actorID, a.Username, note, now); err != nil {
			return nil, wrap(err)
		}
		if _, err := tx.ExecContext(ctx, s.rebind(consentStateUpsert), id, c.Purpose, c.Channel, c.Action, e.ID, nv, now); err != nil {
			return nil, wrap(err)
		}
		st[k], latestNotice[k] = c.Action, nv
		grouped[c.Action] = append(grouped[c.Action], map[string]any{"purpose": c.Purpose, "channel": c.Channel,
			"notice_version": nv, "event_id": e.ID})
		out = append(out, e)
	}
	// One audit row per action a call takes, listing its ledger rows.
	var entries []audit.Entry
	for _, act := range []string{consent.Grant, consent.Withdraw} {
		if len(grouped[act]) == 0 {
			continue
		}
		action := audit.ActionConsentGrant
		if act == consent.Withdraw {
			action = audit.ActionConsentWithdraw
		}
		entries = append(entries, audit.New(a, action, "customer", id,
			map[string]any{"source": source, "events": grouped[act]}).ForCustomer(id))
	}
	if len(out) == 0 {
		return nil, nil
	}
	if sum := consent.Summary(st, legacy); !maps.Equal(sum, legacy) {
		b, _ := json.Marshal(sum)
		res, err := tx.ExecContext(ctx, s.rebind(consentCustomerSet), string(b), now, id, cur.Version)
		if err != nil {
			return nil, wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, guanxi.Stale(cur.Version)
		}
	}
	return out, s.appendAudit(ctx, tx, entries...)
}

// consentNotices fills the notice version of each state row.
func (s *Store) consentNotices(ctx context.Context, q sqlx.QueryerContext, id guanxi.ID, into map[consent.Key]string) error {
	rows, err := q.QueryxContext(ctx, s.rebind(`SELECT purpose, channel, notice_version FROM consent_state WHERE customer_id = ?`), id)
	if err != nil {
		return wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, ch, nv string
		if err := rows.Scan(&p, &ch, &nv); err != nil {
			return wrap(err)
		}
		into[consent.Key{Purpose: p, Channel: ch}] = nv
	}
	return wrap(rows.Err())
}

// appendConsentChangesTx records an edit of the customer's channel→bool
// consent map (customer form, API PATCH, import) in the ledger, in the
// caller's transaction. Call it after the customer row is written.
func (s *Store) appendConsentChangesTx(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, id guanxi.ID,
	before, after map[string]bool, source string) error {
	_, err := s.appendConsentTx(ctx, tx, a, id, consent.LegacyChanges(before, after), source, "")
	return err
}

// RecordConsent appends grant/withdraw changes for live customer id from
// the consent page or API (customer.write, scoped). It returns the rows
// appended; none when nothing changed.
func (s *Store) RecordConsent(ctx context.Context, a guanxi.Actor, id guanxi.ID, changes []consent.Change, source, note string) ([]consent.Event, error) {
	if !a.Can(guanxi.PermCustomerWrite) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	for _, c := range changes {
		if err := consent.Validate(c); err != nil {
			return nil, err
		}
	}
	var out []consent.Event
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, id); err != nil {
			return err
		}
		var err error
		out, err = s.appendConsentTx(ctx, tx, a, id, changes, source, note)
		return err
	})
	return out, err
}

// ConsentGate is the effective consent map of customer id for purpose:
// what outbox.Suppress and the care rules read (consent.Effective).
func (s *Store) consentGate(ctx context.Context, q sqlx.QueryerContext, id guanxi.ID, purpose string, legacy map[string]bool) (map[string]bool, error) {
	st, err := s.consentState(ctx, q, id)
	if err != nil {
		return nil, err
	}
	return consent.Effective(purpose, st, legacy), nil
}

// consentStates reads the ledger state of many customers in one query.
func (s *Store) consentStates(ctx context.Context, q sqlx.QueryerContext, ids []guanxi.ID) (map[guanxi.ID]consent.State, error) {
	out := map[guanxi.ID]consent.State{}
	if len(ids) == 0 {
		return out, nil
	}
	text, args, err := sqlx.In(`SELECT customer_id, purpose, channel, action FROM consent_state WHERE customer_id IN (?)`, ids)
	if err != nil {
		return nil, wrap(err)
	}
	rows, err := q.QueryxContext(ctx, s.rebind(text), args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id guanxi.ID
		var p, ch, a string
		if err := rows.Scan(&id, &p, &ch, &a); err != nil {
			return nil, wrap(err)
		}
		if out[id] == nil {
			out[id] = consent.State{}
		}
		out[id][consent.Key{Purpose: p, Channel: ch}] = a
	}
	return out, wrap(rows.Err())
}

// careConsent replaces each candidate's consent JSON with the effective
// map for the care purpose (only candidates with ledger rows change).
func (s *Store) careConsent(ctx context.Context, cs []care.Candidate) error {
	ids := make([]guanxi.ID, len(cs))
	for i, c := range cs {
		ids[i] = c.CustomerID
	}
	states, err := s.consentStates(ctx, s.r, ids)
	if err != nil || len(states) == 0 {
		return err
	}
	for i, c := range cs {
		st, ok := states[c.CustomerID]
		if !ok {
			continue
		}
		legacy := map[string]bool{}
		if c.Consent != "" {
			if err := json.Unmarshal([]byte(c.Consent), &legacy); err != nil {
				return wrap(err)
			}
		}
		b, _ := json.Marshal(consent.Effective(consent.PurposeCare, st, legacy))
		cs[i].Consent = string(b)
	}
	return nil
}

// appendConsentDiffTx records the consent.<channel> entries of a customer
// update's field diff in the ledger, in the caller's transaction (source
// from consent.SourceFrom(ctx, form)). Call it after the row is written.
func (s *Store) appendConsentDiffTx(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, id guanxi.ID, changes []customer.Change) error {
	fields := make([]struct{ Field, From, To string }, 0, 4)
	for _, c := range changes {
		if strings.HasPrefix(c.Field, "consent.") {
			fields = append(fields, struct{ Field, From, To string }{c.Field, c.From, c.To})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	_, err := s.appendConsentTx(ctx, tx, a, id, consent.DiffChanges(fields), consent.SourceFrom(ctx, consent.SourceForm), "")
	return err
}

// appendConsentCreatedTx records the consent map of newly created
// customers (form, API or an import batch) in the ledger; customers
// without one cost nothing.
func (s *Store) appendConsentCreatedTx(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, cs []*customer.Customer, source string) error {
	for _, c := range cs {
		if len(c.Consent) == 0 {
			continue
		}
		if _, err := s.appendConsentTx(ctx, tx, a, c.ID, consent.LegacyChanges(nil, c.Consent), consent.SourceFrom(ctx, source), ""); err != nil {
			return err
		}
	}
	return nil
}
