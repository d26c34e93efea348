package sqlstore

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/privacy"
)

// SubjectDocument reads everything the data map finds about customer id
// (live or in the trash, in a's scope; otherwise NotFound) in one read
// snapshot, unmasked: it is the data subject's own copy (PIPL 45). The
// dsar.export audit row (counts only) is written before the document is
// returned; when it cannot be written no data leaves (fail-closed).
func (s *Store) SubjectDocument(ctx context.Context, a guanxi.Actor, id guanxi.ID, format string) (*privacy.Document, error) {
	if !a.Can(guanxi.PermPrivacyAdmin) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	rt, err := s.r.BeginTxx(ctx, opts)
	if err != nil {
		return nil, wrap(err)
	}
	defer rt.Rollback()
	if !s.visible(ctx, rt, a, id) {
		return nil, guanxi.NotFound("error.not_found")
	}
	doc := &privacy.Document{CustomerID: id, Generated: s.nowUTC()}
	if err := rt.GetContext(ctx, &doc.Number, s.rebind("SELECT number FROM customers WHERE id = ?"), id); err != nil {
		return nil, notFound(err, "error.not_found")
	}
	total := 0
	for _, t := range privacy.Map {
		if t.Where == "" {
			continue
		}
		tr, err := s.subjectRows(ctx, rt, t, id)
		if err != nil {
			return nil, err
		}
		total += len(tr.Rows)
		doc.Tables = append(doc.Tables, tr)
	}
	rt.Rollback()
	err = s.Audit(ctx, audit.New(a, audit.ActionDSARExport, "customer", id,
		map[string]any{"format": format, "tables": len(doc.Tables), "rows": total}).ForCustomer(id))
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// subjectRows reads one table's rows about the subject, every column.
func (s *Store) subjectRows(ctx context.Context, q sqlx.QueryerContext, t privacy.Table, id guanxi.ID) (privacy.TableRows, error) {
	out := privacy.TableRows{Table: t.Name, Rows: [][]any{}}
	rows, err := q.QueryContext(ctx, s.rebind("SELECT * FROM "+t.Name+" WHERE ("+t.Where+")"), t.Args(id)...)
	if err != nil {
		return out, wrap(err)
	}
	defer rows.Close()
	if out.Columns, err = rows.Columns(); err != nil {
		return out, wrap(err)
	}
	for rows.Next() {
		vals := make([]any, len(out.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return out, wrap(err)
		}
		for i, v := range vals {
			vals[i] = privacy.Cell(v)
			// The subject's copy holds plaintext: sealed values are opened.
			if str, ok := vals[i].(string); ok && fieldcrypt.IsSealed(str) {
				plain, err := s.keys.Open(str, t.Name+"."+out.Columns[i])
				if err != nil {
					return out, guanxi.Internal(err)
				}
				vals[i] = plain
			}
		}
		out.Rows = append(out.Rows, vals)
	}
	return out, wrap(rows.Err())
}
