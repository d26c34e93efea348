package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

type fieldDefRow struct {
	customer.FieldDef
	OptionsJSON string `db:"options"`
}

// FieldDefs lists the admin-defined custom fields in display order.
func (s *Store) FieldDefs(ctx context.Context) ([]customer.FieldDef, error) {
	var rows []fieldDefRow
	if err := s.r.SelectContext(ctx, &rows, s.q.FieldDefList); err != nil {
		return nil, wrap(err)
	}
	out := make([]customer.FieldDef, 0, len(rows))
	for _, r := range rows {
		d := r.FieldDef
		_ = json.Unmarshal([]byte(r.OptionsJSON), &d.Options)
		out = append(out, d)
	}
	return out, nil
}

// SaveFieldDef inserts (ID 0) or updates a custom field definition; its key
// and type never change once created.
func (s *Store) SaveFieldDef(ctx context.Context, a guanxi.Actor, d *customer.FieldDef, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		opts, _ := json.Marshal(d.Options)
		if opts == nil || string(opts) == "null" {
			opts = []byte("[]")
		}
		if d.ID == 0 {
			if err := tx.GetContext(ctx, &d.ID, s.q.FieldDefInsert, d.Key, d.LabelZh, d.LabelEn, d.Type, string(opts),
				b2i(d.Required), d.Position, now, now); err != nil {
				if guanxi.KindOf(uniqueConflict(err)) == guanxi.KindConflict {
					return guanxi.Invalid(guanxi.Field("key", "validation.taken"))
				}
				return wrap(err)
			}
			d.Version, d.CreatedAt = 1, now
		} else {
			res, err := tx.ExecContext(ctx, s.q.FieldDefUpdate, d.LabelZh, d.LabelEn, string(opts), b2i(d.Required),
				d.Position, now, d.ID, version)
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				var cur int64
				if err := tx.GetContext(ctx, &cur, s.q.FieldDefVersion, d.ID); err != nil {
					return notFound(err, "error.not_found")
				}
				return guanxi.Stale(cur)
			}
			d.Version = version + 1
		}
		d.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionFieldChange, "field_def", d.ID,
			map[string]any{"key": d.Key, "type": d.Type}))
	})
}
