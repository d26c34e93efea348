package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

type importChange struct {
	ID           guanxi.ID `db:"id"`
	CustomerID   guanxi.ID `db:"customer_id"`
	ObjectType   string    `db:"object_type"`
	ObjectID     guanxi.ID `db:"object_id"`
	Action       string    `db:"action"`
	Before       *string   `db:"before_image"`
	AfterVersion int64     `db:"after_version"`
}

// Marks in import_changes.undone.
const (
	changeReverted = 1
	changeKept     = 2
)

var childTables = map[string]string{"contact": "contacts", "holding": "holdings", "transaction": "transactions", "interaction": "interactions"}

// RevertBatch reverses up to limit of an import's recorded changes, newest
// first, in one transaction: created rows are removed unless someone changed
// them since (version moved, or other records now point at a customer),
// updated customers get their before-image back unless their version moved.
// What could not be reversed is counted as kept. Children are recorded
// after their customer, so newest-first removes them before it.
func (s *Store) RevertBatch(ctx context.Context, id guanxi.ID, owner string, until time.Time, limit int) (bool, error) {
	more := false
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := leaseLost(tx.ExecContext(ctx, s.q.ImportRevertLock, until.UTC(), id, owner)); err != nil {
			return err
		}
		var chs []importChange
		if err := tx.SelectContext(ctx, &chs, withLimit(s.q.ImportChangesPend, limit+1), id); err != nil {
			return wrap(err)
		}
		if len(chs) > limit {
			more, chs = true, chs[:limit]
		}
		if len(chs) == 0 {
			return nil
		}
		var im importRow
		if err := tx.GetContext(ctx, &im, s.rebind(s.q.ImportColumns+" WHERE i.id = ?"), id); err != nil {
			return wrap(err)
		}
		a, err := s.ImportActor(ctx, im.CreatedBy)
		if err != nil {
			a = guanxi.SystemActor("import")
		}
		now := s.nowUTC()
		marks := map[guanxi.ID]int{}
		var removed, restored, kept int64
		// Children first (they come first in newest-first order anyway).
		byTable := map[string][]importChange{}
		var creates []importChange
		for _, ch := range chs {
			switch {
			case ch.Action == "create" && ch.ObjectType != "customer":
				byTable[ch.ObjectType] = append(byTable[ch.ObjectType], ch)
			case ch.Action == "create":
				creates = append(creates, ch)
			}
		}
		for typ, list := range byTable {
			table := childTables[typ]
			for _, ch := range list {
				q := "DELETE FROM " + table + " WHERE id = ? AND customer_id = ? AND version = ?"
				if table == "holdings" {
					q += " AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.holding_id = holdings.id)"
				}
				res, err := tx.ExecContext(ctx, s.rebind(q), ch.ObjectID, ch.CustomerID, ch.AfterVersion)
				if err != nil {
					return wrap(err)
				}
				if n, _ := res.RowsAffected(); n == 1 {
					marks[ch.ID], removed = changeReverted, removed+1
				} else {
					marks[ch.ID], kept = changeKept, kept+1
				}
			}
		}
		if len(creates) > 0 {
			r, k, err := s.removeCreated(ctx, tx, creates, marks)
			if err != nil {
				return err
			}
			removed, kept = removed+r, kept+k
		}
		for _, ch := range chs {
			if ch.Action != "update" {
				continue
			}
			ok, err := s.restoreBefore(ctx, tx, a, id, ch, now)
			if err != nil {
				return err
			}
			if ok {
				marks[ch.ID], restored = changeReverted, restored+1
			} else {
				marks[ch.ID], kept = changeKept, kept+1
			}
		}
		for cid, m := range marks {
			if _, err := tx.ExecContext(ctx, s.q.ImportChangeMark, m, cid); err != nil {
				return wrap(err)
			}
		}
		_, err = tx.ExecContext(ctx, s.q.ImportRevertCounts, removed, restored, kept, id)
		return wrap(err)
	})
	return more, err
}

// removeCreated deletes created customers that nothing else changed or
// points at, with their tags and search tokens.
func (s *Store) removeCreated(ctx context.Context, tx *sqlx.Tx, creates []importChange, marks map[guanxi.ID]int) (removed, kept int64, err error) {
	args := make([]any, len(creates))
	for i, ch := range creates {
		args[i] = ch.CustomerID
	}
	var cur []struct {
		ID      guanxi.ID `db:"id"`
		Version int64     `db:"version"`
	}
	if err := tx.SelectContext(ctx, &cur, s.rebind("SELECT id, version FROM customers WHERE id IN ("+placeholders(len(args))+")"), args...); err != nil {
		return 0, 0, wrap(err)
	}
	version := map[guanxi.ID]int64{}
	for _, c := range cur {
		version[c.ID] = c.Version
	}
	values := strings.TrimSuffix(strings.Repeat("(CAST(? AS BIGINT)),", len(args)), ",")
	var refs []guanxi.ID
	if err := tx.SelectContext(ctx, &refs, s.rebind("WITH ids(id) AS (VALUES "+values+") "+s.q.ImportCustomerRefs), args...); err != nil {
		return 0, 0, wrap(err)
	}
	used := map[guanxi.ID]bool{}
	for _, r := range refs {
		used[r] = true
	}
	var del []any
	for _, ch := range creates {
		v, ok := version[ch.CustomerID]
		if !ok {
			// Already gone (removed by hand): nothing to reverse.
			marks[ch.ID], removed = changeReverted, removed+1
			continue
		}
		if v != ch.AfterVersion || used[ch.CustomerID] {
			marks[ch.ID], kept = changeKept, kept+1
			continue
		}
		del = append(del, ch.CustomerID)
		marks[ch.ID], removed = changeReverted, removed+1
	}
	if len(del) == 0 {
		return removed, kept, nil
	}
	in := placeholders(len(del))
	for _, q := range []string{
		"DELETE FROM customer_tokens WHERE customer_id IN (" + in + ")",
		"DELETE FROM customer_tags WHERE customer_id IN (" + in + ")",
		"DELETE FROM customers WHERE id IN (" + in + ")",
	} {
		if _, err := tx.ExecContext(ctx, s.rebind(q), del...); err != nil {
			return 0, 0, wrap(fmt.Errorf("undo import: %w", err))
		}
	}
	return removed, kept, nil
}

// restoreBefore writes an updated customer's before-image back when its
// version is still the one the import left.
func (s *Store) restoreBefore(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, importID guanxi.ID, ch importChange, now time.Time) (bool, error) {
	if ch.Before == nil {
		return false, nil
	}
	var b customer.Customer
	before, err := s.keys.Open(*ch.Before, colBeforeImage)
	if err != nil {
		return false, guanxi.Internal(fmt.Errorf("import change %d: %w", ch.ID, err))
	}
	if err := json.Unmarshal([]byte(before), &b); err != nil {
		return false, guanxi.Internal(fmt.Errorf("import change %d: %w", ch.ID, err))
	}
	// Another customer may have taken the old mobile or ID number since.
	var dups int
	idSealed, idExact, idKey := s.idColumns(b.IDNumber)
	if err := tx.GetContext(ctx, &dups, s.rebind(`SELECT COUNT(*) FROM customers WHERE id <> ?
		AND ((id_number_bidx = ? AND id_number_bidx <> '') OR (mobile = ? AND mobile <> ''))`), b.ID, idExact, b.Mobile); err != nil {
		return false, wrap(err)
	}
	if dups > 0 {
		return false, nil
	}
	res, err := tx.ExecContext(ctx, s.q.CustomerUpdate, b.Kind, b.Name, b.NamePinyin, b.Gender, b.Birthday,
		b2i(b.LunarBirthday), b.IDType, idSealed, idExact, idKey, b.Mobile, b.Phone, b.Email, b.WeChat, b.Province,
		b.City, b.District, b.Address, b.Market, b.Industry, b.Source, b.Stage, b.Grade,
		jsonText(b.Custom), jsonText(b.Consent), b.Notes, now, b.ID, ch.AfterVersion)
	if err != nil {
		return false, wrap(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	if err := s.writeTagsAndTokens(ctx, tx, &b, true); err != nil {
		return false, err
	}
	return true, s.appendAudit(ctx, tx, audit.New(a, audit.ActionRestore, importObject, importID,
		map[string]any{"import_id": importID}).ForCustomer(b.ID))
}

var _ bulk.Store = (*Store)(nil)
