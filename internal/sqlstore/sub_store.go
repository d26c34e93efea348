package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// subQueries serve a customer's contacts, holdings, transactions and
// interactions. Every method first proves the customer is live and in the
// caller's scope, so an out-of-scope id is NotFound for every sub-resource.
type subQueries struct {
	ContactList       string `q:"contact-list"`
	ContactGet        string `q:"contact-get"`
	ContactInsert     string `q:"contact-insert"`
	ContactUpdate     string `q:"contact-update"`
	ContactDelete     string `q:"contact-delete"`
	HoldingList       string `q:"holding-list"`
	HoldingGet        string `q:"holding-get"`
	HoldingInsert     string `q:"holding-insert"`
	HoldingUpdate     string `q:"holding-update"`
	HoldingDelete     string `q:"holding-delete"`
	HoldingUnlinkTx   string `q:"holding-unlink-transactions"`
	HoldingOwned      string `q:"holding-owned"`
	TransactionList   string `q:"transaction-list"`
	TransactionInsert string `q:"transaction-insert"`
	InteractionList   string `q:"interaction-list"`
	InteractionInsert string `q:"interaction-insert"`
}

type holdingRow struct {
	customer.Holding
	AttrsJSON string `db:"attrs"`
}

func (r holdingRow) decode() customer.Holding {
	h := r.Holding
	h.Attrs = map[string]any{}
	_ = json.Unmarshal([]byte(r.AttrsJSON), &h.Attrs)
	return h
}

func (s *Store) ListContacts(ctx context.Context, a guanxi.Actor, customerID guanxi.ID) ([]customer.Contact, error) {
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return nil, err
	}
	out := []customer.Contact{}
	return out, wrap(s.r.SelectContext(ctx, &out, s.q.ContactList, customerID))
}

func (s *Store) GetContact(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (customer.Contact, error) {
	var ct customer.Contact
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return ct, err
	}
	return ct, notFound(s.r.GetContext(ctx, &ct, s.q.ContactGet, customerID, id), "error.not_found")
}

// SaveContact inserts (ID 0) or updates a contact at version.
func (s *Store) SaveContact(ctx context.Context, a guanxi.Actor, ct *customer.Contact, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, ct.CustomerID); err != nil {
			return err
		}
		now := s.nowUTC()
		action := audit.ActionCreate
		if ct.ID == 0 {
			if err := tx.GetContext(ctx, &ct.ID, s.q.ContactInsert, ct.CustomerID, ct.Name, ct.Title, ct.Mobile,
				ct.Phone, ct.Email, ct.WeChat, b2i(ct.IsPrimary), ct.Notes, now, now); err != nil {
				return wrap(err)
			}
			ct.Version, ct.CreatedAt = 1, now
		} else {
			action = audit.ActionUpdate
			res, err := tx.ExecContext(ctx, s.q.ContactUpdate, ct.Name, ct.Title, ct.Mobile, ct.Phone, ct.Email,
				ct.WeChat, b2i(ct.IsPrimary), ct.Notes, now, ct.CustomerID, ct.ID, version)
			if err != nil {
				return wrap(err)
			}
			if err := s.staleOrMissing(ctx, tx, res, s.q.ContactGet, ct.CustomerID, ct.ID); err != nil {
				return err
			}
			ct.Version = version + 1
		}
		ct.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, action, "contact", ct.ID,
			map[string]any{"name": ct.Name}).ForCustomer(ct.CustomerID))
	})
}

// staleOrMissing turns a 0-row versioned write into Stale (the row exists at
// another version) or NotFound.
func (s *Store) staleOrMissing(ctx context.Context, tx *sqlx.Tx, res interface{ RowsAffected() (int64, error) }, getQuery string, args ...any) error {
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	rows, err := tx.QueryxContext(ctx, getQuery, args...)
	if err != nil {
		return wrap(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return guanxi.NotFound("error.not_found")
	}
	m := map[string]any{}
	if err := rows.MapScan(m); err != nil {
		return wrap(err)
	}
	v, _ := m["version"].(int64)
	return guanxi.Stale(v)
}

func (s *Store) DeleteContact(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, customerID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q.ContactDelete, customerID, id, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.ContactGet, customerID, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionDelete, "contact", id, nil).ForCustomer(customerID))
	})
}

func (s *Store) ListHoldings(ctx context.Context, a guanxi.Actor, customerID guanxi.ID) ([]customer.Holding, error) {
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return nil, err
	}
	var rows []holdingRow
	if err := s.r.SelectContext(ctx, &rows, s.q.HoldingList, customerID); err != nil {
		return nil, wrap(err)
	}
	out := make([]customer.Holding, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.decode())
	}
	return out, nil
}

func (s *Store) GetHolding(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (customer.Holding, error) {
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return customer.Holding{}, err
	}
	var r holdingRow
	if err := s.r.GetContext(ctx, &r, s.q.HoldingGet, customerID, id); err != nil {
		return customer.Holding{}, notFound(err, "error.not_found")
	}
	return r.decode(), nil
}

// SaveHolding inserts (ID 0) or updates a holding at version.
func (s *Store) SaveHolding(ctx context.Context, a guanxi.Actor, h *customer.Holding, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, h.CustomerID); err != nil {
			return err
		}
		now := s.nowUTC()
		action := audit.ActionCreate
		if h.ID == 0 {
			if err := tx.GetContext(ctx, &h.ID, s.q.HoldingInsert, h.CustomerID, h.Kind, h.Name, h.Reference, h.Model,
				h.AmountMinor, h.BalanceMinor, h.Currency, h.OpenedOn, h.DueOn, h.Status, jsonText(h.Attrs), now, now); err != nil {
				return wrap(err)
			}
			h.Version, h.CreatedAt = 1, now
		} else {
			action = audit.ActionUpdate
			res, err := tx.ExecContext(ctx, s.q.HoldingUpdate, h.Kind, h.Name, h.Reference, h.Model, h.AmountMinor,
				h.BalanceMinor, h.Currency, h.OpenedOn, h.DueOn, h.Status, jsonText(h.Attrs), now, h.CustomerID, h.ID, version)
			if err != nil {
				return wrap(err)
			}
			if err := s.staleOrMissing(ctx, tx, res, s.q.HoldingGet, h.CustomerID, h.ID); err != nil {
				return err
			}
			h.Version = version + 1
		}
		h.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, action, "holding", h.ID,
			map[string]any{"kind": h.Kind, "name": h.Name}).ForCustomer(h.CustomerID))
	})
}

func (s *Store) DeleteHolding(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, customerID); err != nil {
			return err
		}
		var owned guanxi.ID
		if err := tx.GetContext(ctx, &owned, s.q.HoldingOwned, customerID, id); err != nil {
			return notFound(err, "error.not_found")
		}
		if _, err := tx.ExecContext(ctx, s.q.HoldingUnlinkTx, id); err != nil {
			return wrap(err)
		}
		res, err := tx.ExecContext(ctx, s.q.HoldingDelete, customerID, id, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.HoldingGet, customerID, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionDelete, "holding", id, nil).ForCustomer(customerID))
	})
}

func (s *Store) ListTransactions(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]customer.Transaction, error) {
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return nil, err
	}
	out := []customer.Transaction{}
	return out, wrap(s.r.SelectContext(ctx, &out, withLimit(s.q.TransactionList, limit), customerID))
}

// AddTransaction records a transaction; a holding it names must belong to
// the same customer.
func (s *Store) AddTransaction(ctx context.Context, a guanxi.Actor, t *customer.Transaction) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, t.CustomerID); err != nil {
			return err
		}
		if t.HoldingID != nil {
			var id guanxi.ID
			if err := tx.GetContext(ctx, &id, s.q.HoldingOwned, t.CustomerID, *t.HoldingID); err != nil {
				return guanxi.Invalid(guanxi.Field("holding_id", "validation.holding"))
			}
		}
		now := s.nowUTC()
		if a.UserID != 0 {
			by := a.UserID
			t.CreatedBy = &by
		}
		t.OccurredAt = t.OccurredAt.UTC().Truncate(1000)
		if err := tx.GetContext(ctx, &t.ID, s.q.TransactionInsert, t.CustomerID, t.HoldingID, t.Kind, t.AmountMinor,
			t.Currency, t.OccurredAt, t.Description, t.CreatedBy, now); err != nil {
			return wrap(err)
		}
		t.CreatedAt, t.Version = now, 1
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "transaction", t.ID,
			map[string]any{"kind": t.Kind, "amount_minor": t.AmountMinor}).ForCustomer(t.CustomerID))
	})
}

func (s *Store) ListInteractions(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]customer.Interaction, error) {
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return nil, err
	}
	out := []customer.Interaction{}
	return out, wrap(s.r.SelectContext(ctx, &out, withLimit(s.q.InteractionList, limit), customerID))
}

// AddInteraction logs a contact and moves the customer's last-contact time;
// a next action with a date becomes a task for the customer's owner in the
// same transaction.
func (s *Store) AddInteraction(ctx context.Context, a guanxi.Actor, in *customer.Interaction) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, in.CustomerID); err != nil {
			return err
		}
		return s.insertInteraction(ctx, tx, a, in)
	})
}

// insertInteraction writes a contact the caller has proved in scope, its
// next-action task and their audit rows.
func (s *Store) insertInteraction(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, in *customer.Interaction) error {
	now := s.nowUTC()
	if in.OccurredAt.IsZero() {
		in.OccurredAt = now
	}
	in.OccurredAt = in.OccurredAt.UTC().Truncate(1000)
	if a.UserID != 0 {
		id := a.UserID
		in.StaffID = &id
		in.StaffName = a.Name
	}
	if err := tx.GetContext(ctx, &in.ID, s.q.InteractionInsert, in.CustomerID, in.Channel, in.Direction,
		in.OccurredAt, in.Summary, in.Outcome, in.NextAction, in.NextActionOn, in.Purpose, in.StaffID, now); err != nil {
		return wrap(err)
	}
	in.CreatedAt, in.Version = now, 1
	if _, err := tx.ExecContext(ctx, s.q.CustomerTouch, in.OccurredAt, in.CustomerID, in.OccurredAt); err != nil {
		return wrap(err)
	}
	if err := s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "interaction", in.ID,
		map[string]any{"channel": in.Channel, "purpose": in.Purpose}).ForCustomer(in.CustomerID)); err != nil {
		return err
	}
	if in.NextAction == "" || in.NextActionOn == "" {
		return nil
	}
	taskID, err := s.insertNextActionTask(ctx, tx, a, in)
	if err != nil {
		return err
	}
	in.TaskID = &taskID
	return nil
}
