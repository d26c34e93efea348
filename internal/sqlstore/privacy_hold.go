package sqlstore

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/privacy"
)

// Legal hold and erasure-record queries, portable and rebound per dialect;
// kept here so this module needs no edit to the shared queries struct.
const (
	holdColumns = `SELECT h.id, h.customer_id, h.reason, h.set_by, COALESCE(u.username, '') AS set_by_name, h.set_at,
    h.released_by, h.released_at, h.version
FROM legal_holds h LEFT JOIN users u ON u.id = h.set_by`
	holdInsert = `INSERT INTO legal_holds (customer_id, reason, set_by, set_at, version) VALUES (?, ?, ?, ?, 1) RETURNING id`
	holdActive = `SELECT COUNT(*) FROM legal_holds WHERE customer_id = ? AND released_at IS NULL`
	// Releasing is a versioned write on an active hold of that customer.
	holdRelease = `UPDATE legal_holds SET released_by = ?, released_at = ?, version = version + 1
WHERE id = ? AND customer_id = ? AND version = ? AND released_at IS NULL`
	// Keyset page of the erasure records on the primary key.
	erasureList = `SELECT e.id, e.pseudonym, e.at, e.by_id, e.by_name, e.reason, e.rows_json FROM erasures e
WHERE e.id < ? ORDER BY e.id DESC LIMIT /*limit*/`
)

func canPrivacy(a guanxi.Actor) error {
	if !a.Can(guanxi.PermPrivacyAdmin) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

func utcHold(h *privacy.Hold) {
	h.SetAt = h.SetAt.UTC()
	utcPtr(h.ReleasedAt)
}

// LegalHolds lists the holds of customer id, newest first (NotFound when
// the customer is out of a's scope).
func (s *Store) LegalHolds(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]privacy.Hold, error) {
	if err := canPrivacy(a); err != nil {
		return nil, err
	}
	if !s.visible(ctx, s.r, a, id) {
		return nil, guanxi.NotFound("error.not_found")
	}
	out := []privacy.Hold{}
	if err := s.r.SelectContext(ctx, &out, s.rebind(holdColumns+" WHERE h.customer_id = ? ORDER BY h.id DESC"), id); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		utcHold(&out[i])
	}
	return out, nil
}

// SetLegalHold puts customer id on hold with a reason (a case or order
// reference), audited.
func (s *Store) SetLegalHold(ctx context.Context, a guanxi.Actor, id guanxi.ID, reason string) (privacy.Hold, error) {
	h := privacy.Hold{CustomerID: id, Reason: strings.TrimSpace(reason), Version: 1}
	if err := canPrivacy(a); err != nil {
		return h, err
	}
	if err := privacy.ValidateHoldReason(reason); err != nil {
		return h, err
	}
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if !s.visible(ctx, tx, a, id) {
			return guanxi.NotFound("error.not_found")
		}
		if strings.HasPrefix(s.customerName(ctx, tx, id), privacy.PseudonymPrefix) {
			return guanxi.Conflict("privacy.already_erased", nil)
		}
		h.SetAt = s.nowUTC()
		if a.UserID != 0 {
			by := a.UserID
			h.SetBy = &by
		}
		h.SetByName = a.Username
		if err := tx.GetContext(ctx, &h.ID, s.rebind(holdInsert), id, h.Reason, h.SetBy, h.SetAt); err != nil {
			return wrap(err)
		}
		// The reason is a case reference, kept out of the audit detail all
		// the same: the detail says only that a hold was set.
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionLegalHold, "legal_hold", h.ID,
			map[string]any{"op": "set"}).ForCustomer(id))
	})
	return h, err
}

// ReleaseLegalHold ends hold holdID of customer id if it is still at
// version (Stale otherwise), audited.
func (s *Store) ReleaseLegalHold(ctx context.Context, a guanxi.Actor, id, holdID guanxi.ID, version int64) error {
	if err := canPrivacy(a); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if !s.visible(ctx, tx, a, id) {
			return guanxi.NotFound("error.not_found")
		}
		var by any
		if a.UserID != 0 {
			by = a.UserID
		}
		res, err := tx.ExecContext(ctx, s.rebind(holdRelease), by, s.nowUTC(), holdID, id, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var cur privacy.Hold
			err := tx.GetContext(ctx, &cur, s.rebind(holdColumns+" WHERE h.id = ? AND h.customer_id = ?"), holdID, id)
			if err != nil {
				return notFound(err, "error.not_found")
			}
			if cur.ReleasedAt != nil {
				return guanxi.Conflict("privacy.hold_released", nil)
			}
			return guanxi.Stale(cur.Version)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionLegalHold, "legal_hold", holdID,
			map[string]any{"op": "release"}).ForCustomer(id))
	})
}

// OnLegalHold reports whether customer id has an active hold.
func (s *Store) onLegalHold(ctx context.Context, q sqlx.QueryerContext, id guanxi.ID) (bool, error) {
	var n int64
	if err := sqlx.GetContext(ctx, q, &n, s.rebind(holdActive), id); err != nil {
		return false, wrap(err)
	}
	return n > 0, nil
}

func (s *Store) customerName(ctx context.Context, q sqlx.QueryerContext, id guanxi.ID) string {
	var name string
	_ = sqlx.GetContext(ctx, q, &name, s.rebind("SELECT name FROM customers WHERE id = ?"), id)
	return name
}

// PrivacyCustomerNumber returns the number of customer id (live or in the
// trash) in a's scope, or NotFound.
func (s *Store) PrivacyCustomerNumber(ctx context.Context, a guanxi.Actor, id guanxi.ID) (string, error) {
	if err := canPrivacy(a); err != nil {
		return "", err
	}
	pred, args := scopeSQL(a, "c")
	var n string
	err := s.r.GetContext(ctx, &n, s.rebind("SELECT c.number FROM customers c WHERE c.id = ? AND "+pred), append([]any{id}, args...)...)
	return n, notFound(err, "error.not_found")
}

var _ privacy.Store = (*Store)(nil)

// PrivacyCustomerID finds a customer (live or in the trash) by number in
// a's scope, for the command line.
func (s *Store) PrivacyCustomerID(ctx context.Context, a guanxi.Actor, number string) (guanxi.ID, error) {
	if err := canPrivacy(a); err != nil {
		return 0, err
	}
	pred, args := scopeSQL(a, "c")
	var id guanxi.ID
	err := s.r.GetContext(ctx, &id, s.rebind("SELECT c.id FROM customers c WHERE c.number = ? AND "+pred), append([]any{number}, args...)...)
	return id, notFound(err, "error.not_found")
}
