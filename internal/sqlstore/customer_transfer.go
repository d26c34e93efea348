package sqlstore

import (
	"context"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// TransferCustomers moves every listed customer to owner `to` with a reason
// (客户移交). All ids must be live and in a's scope, or nothing moves.
func (s *Store) TransferCustomers(ctx context.Context, a guanxi.Actor, ids []guanxi.ID, to guanxi.ID, reason string) (int, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	moved := 0
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		pred, pargs := scopeSQL(a, "c")
		q, args, err := sqlx.In("SELECT c.id, c.owner_id FROM customers c WHERE c.id IN (?) AND c.deleted_at IS NULL AND "+pred, append([]any{ids}, pargs...)...)
		if err != nil {
			return wrap(err)
		}
		var rows []struct {
			ID    guanxi.ID `db:"id"`
			Owner guanxi.ID `db:"owner_id"`
		}
		if err := tx.SelectContext(ctx, &rows, s.rebind(q), args...); err != nil {
			return wrap(err)
		}
		if len(rows) != len(ids) {
			return guanxi.NotFound("error.not_found")
		}
		// Ids are checked first: an out-of-scope customer is 404 whatever the target.
		if err := s.checkOwner(ctx, tx, a, to); err != nil {
			if guanxi.KindOf(err) == guanxi.KindInvalid {
				return guanxi.Invalid(guanxi.Field("to_owner_id", "validation.owner"))
			}
			return err
		}
		now := s.nowUTC()
		var by *guanxi.ID
		if a.UserID != 0 {
			id := a.UserID
			by = &id
		}
		entries := make([]audit.Entry, 0, len(rows))
		for _, r := range rows {
			if r.Owner == to {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.q.CustomerSetOwner, to, now, r.ID); err != nil {
				return wrap(err)
			}
			if _, err := tx.ExecContext(ctx, s.q.TransferInsert, r.ID, r.Owner, to, reason, by, now); err != nil {
				return wrap(err)
			}
			if _, err := tx.ExecContext(ctx, s.q.TransferMoveTasks, to, now, r.ID, r.Owner); err != nil {
				return wrap(err)
			}
			entries = append(entries, audit.New(a, audit.ActionTransfer, "customer", r.ID,
				map[string]any{"from": r.Owner, "to": to, "reason": reason}).ForCustomer(r.ID))
			moved++
		}
		return s.appendAudit(ctx, tx, entries...)
	})
	return moved, err
}

// Transfers lists the owner changes of a customer in scope.
func (s *Store) Transfers(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]customer.Transfer, error) {
	if !s.visible(ctx, s.r, a, id) {
		return nil, guanxi.NotFound("error.not_found")
	}
	var out []customer.Transfer
	err := s.r.SelectContext(ctx, &out, s.q.TransferList, id)
	return out, wrap(err)
}

// History returns the audit entries of a customer in scope, newest first.
func (s *Store) History(ctx context.Context, a guanxi.Actor, id guanxi.ID, limit int) ([]audit.Entry, error) {
	if !s.visible(ctx, s.r, a, id) {
		return nil, guanxi.NotFound("error.not_found")
	}
	var out []audit.Entry
	err := s.r.SelectContext(ctx, &out, withLimit(s.q.CustomerHistory, limit), id, id)
	return out, wrap(err)
}

// RevealCustomerField returns one sensitive value in plaintext. The audit row
// (without the value) commits first; when it fails, nothing is revealed.
func (s *Store) RevealCustomerField(ctx context.Context, a guanxi.Actor, id guanxi.ID, f customer.RevealField, subID guanxi.ID, reason string) (string, error) {
	var value string
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		pred, pargs := scopeSQL(a, "c")
		var q string
		args := []any{id}
		switch f {
		case customer.RevealIDNumber:
			q = "SELECT c.id_number FROM customers c WHERE c.id = ? AND c.deleted_at IS NULL AND " + pred
		case customer.RevealMobile:
			q = "SELECT c.mobile FROM customers c WHERE c.id = ? AND c.deleted_at IS NULL AND " + pred
		case customer.RevealPhone:
			q = "SELECT c.phone FROM customers c WHERE c.id = ? AND c.deleted_at IS NULL AND " + pred
		case customer.RevealAccount:
			q = "SELECT h.reference FROM holdings h JOIN customers c ON c.id = h.customer_id WHERE c.id = ? AND h.id = ? AND c.deleted_at IS NULL AND " + pred
			args = append(args, subID)
		case customer.RevealContactMobile:
			q = "SELECT ct.mobile FROM contacts ct JOIN customers c ON c.id = ct.customer_id WHERE c.id = ? AND ct.id = ? AND c.deleted_at IS NULL AND " + pred
			args = append(args, subID)
		case customer.RevealContactPhone:
			q = "SELECT ct.phone FROM contacts ct JOIN customers c ON c.id = ct.customer_id WHERE c.id = ? AND ct.id = ? AND c.deleted_at IS NULL AND " + pred
			args = append(args, subID)
		default:
			return guanxi.Invalid(guanxi.Field("field", "validation.enum"))
		}
		if err := tx.GetContext(ctx, &value, s.rebind(q), append(args, pargs...)...); err != nil {
			return notFound(err, "error.not_found")
		}
		if f == customer.RevealIDNumber {
			var err error
			if value, err = s.openID(value); err != nil {
				return guanxi.Internal(err)
			}
		}
		detail := map[string]any{"field": string(f), "reason": reason}
		if subID != 0 {
			detail["sub_id"] = subID
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionReveal, "customer", id, detail).ForCustomer(id))
	})
	if err != nil {
		return "", err
	}
	return value, nil
}
