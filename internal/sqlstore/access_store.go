package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
)

// accessChunk rows per INSERT statement: 4 parameters each stays far under
// both engines' limits (SQLite 32766, PostgreSQL 65535).
const accessChunk = 500

// InsertAccess writes access rows in one transaction, in multi-row inserts.
func (s *Store) InsertAccess(ctx context.Context, rows []accesslog.Access) error {
	if len(rows) == 0 {
		return nil
	}
	full := s.accessInsertSQL(accessChunk)
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		args := make([]any, 0, 4*accessChunk)
		for i := 0; i < len(rows); i += accessChunk {
			part := rows[i:min(i+accessChunk, len(rows))]
			q := full
			if len(part) < accessChunk {
				q = s.accessInsertSQL(len(part))
			}
			args = args[:0]
			for _, r := range part {
				args = append(args, r.UserID, r.CustomerID, r.At.UTC(), string(r.Via))
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return wrap(err)
			}
		}
		return nil
	})
}

func (s *Store) accessInsertSQL(n int) string {
	var b strings.Builder
	b.Grow(64 + 12*n)
	b.WriteString("INSERT INTO customer_access (user_id, customer_id, at, via) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?)")
	}
	return s.rebind(b.String())
}

// breachSQL groups the user's access rows and reveal/DSAR audit rows in
// [from, to) by customer and way. Both halves are range scans of covering
// or near-covering indexes: customer_access(user_id, at, customer_id, via)
// and audit_log(actor_id, at).
const breachSQL = `SELECT customer_id, via, COUNT(*) AS n, MIN(at) AS first_at, MAX(at) AS last_at FROM (
    SELECT customer_id, via, at FROM customer_access WHERE user_id = ? AND at >= ? AND at < ?
    UNION ALL
    SELECT customer_id, CASE WHEN action = 'reveal' THEN 'reveal' ELSE 'dsar_export' END AS via, at
    FROM audit_log WHERE actor_id = ? AND at >= ? AND at < ? AND customer_id IS NOT NULL
        AND action IN ('reveal', 'dsar.export')
) t GROUP BY customer_id, via ORDER BY customer_id, via`

// Breach streams the breach query's answer, one row per customer in id
// order, with the customers' numbers and names looked up a page at a time.
func (s *Store) Breach(ctx context.Context, q accesslog.BreachQuery, fn func(accesslog.BreachRow) error) error {
	from, to := q.From.UTC(), q.To.UTC()
	rows, err := s.r.QueryContext(ctx, s.rebind(breachSQL), q.UserID, from, to, q.UserID, from, to)
	if err != nil {
		return wrap(err)
	}
	defer rows.Close()
	var page []accesslog.BreachRow
	emit := func() error {
		if err := s.breachNames(ctx, page); err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		page = page[:0]
		return nil
	}
	for rows.Next() {
		var id guanxi.ID
		var via string
		var n int64
		var first, last any
		if err := rows.Scan(&id, &via, &n, &first, &last); err != nil {
			return wrap(err)
		}
		f, err := anyTime(first)
		if err != nil {
			return wrap(err)
		}
		l, err := anyTime(last)
		if err != nil {
			return wrap(err)
		}
		if len(page) == 0 || page[len(page)-1].CustomerID != id {
			if len(page) == 500 {
				if err := emit(); err != nil {
					return err
				}
			}
			page = append(page, accesslog.BreachRow{CustomerID: id, Counts: map[accesslog.Via]int64{}, First: f, Last: l})
		}
		r := &page[len(page)-1]
		r.Counts[accesslog.Via(via)] += n
		r.Total += n
		if f.Before(r.First) {
			r.First = f
		}
		if l.After(r.Last) {
			r.Last = l
		}
	}
	if err := rows.Err(); err != nil {
		return wrap(err)
	}
	return emit()
}

// breachNames fills in the numbers and names of a page of customers
// (erased or purged ones keep their id only).
func (s *Store) breachNames(ctx context.Context, page []accesslog.BreachRow) error {
	if len(page) == 0 {
		return nil
	}
	ids := make([]any, len(page))
	for i, r := range page {
		ids[i] = r.CustomerID
	}
	q := "SELECT id, number, name FROM customers WHERE id IN (?" + strings.Repeat(",?", len(ids)-1) + ")"
	var got []struct {
		ID     guanxi.ID `db:"id"`
		Number string    `db:"number"`
		Name   string    `db:"name"`
	}
	if err := s.r.SelectContext(ctx, &got, s.rebind(q), ids...); err != nil {
		return wrap(err)
	}
	byID := make(map[guanxi.ID]int, len(page))
	for i, r := range page {
		byID[r.CustomerID] = i
	}
	for _, g := range got {
		if i, ok := byID[g.ID]; ok {
			page[i].Number, page[i].Name = g.Number, g.Name
		}
	}
	return nil
}

// anyTime reads an aggregated timestamp: PostgreSQL returns time.Time,
// SQLite the stored text (MIN/MAX lose the column's declared type).
func anyTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		return parseSQLiteTime(x)
	case []byte:
		return parseSQLiteTime(string(x))
	}
	return time.Time{}, fmt.Errorf("timestamp of type %T", v)
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q", s)
}

// PurgeAccess deletes access rows older than before, batch rows per
// transaction, and returns how many. It walks the oldest ids (ids follow
// time) so no index on at is needed; it stops at the first batch with
// nothing old enough. The database refuses rows younger than 180 days.
func (s *Store) PurgeAccess(ctx context.Context, before time.Time, batch int) (int64, error) {
	if batch <= 0 {
		batch = 5000
	}
	q := s.rebind(withLimit(`DELETE FROM customer_access WHERE id IN (
        SELECT id FROM (SELECT id, at FROM customer_access ORDER BY id LIMIT /*limit*/) t WHERE at < ?)`, batch))
	var total int64
	for ctx.Err() == nil {
		var n int64
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			res, err := tx.ExecContext(ctx, q, before.UTC())
			if err != nil {
				return wrap(err)
			}
			n, _ = res.RowsAffected()
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			break
		}
	}
	return total, ctx.Err()
}
