package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/privacy"
)

// subjectValues are the customer's own values read before erasure, used
// only to find copies in places no column links (files, cached responses).
type subjectValues struct {
	Number   string `db:"number"`
	Name     string `db:"name"`
	IDNumber string `db:"id_number"`
	Mobile   string `db:"mobile"`
	Phone    string `db:"phone"`
	Email    string `db:"email"`
}

// needles are the values searched for; short ones are left out so an
// erasure does not sweep away everything that happens to share two digits.
func (v subjectValues) needles() [][]byte {
	return v.match(v.Number, v.Name, v.IDNumber, v.Mobile, v.Phone, v.Email)
}

// identifiers are the needles that name this subject alone: a name ("张三")
// also matches "张三丰", so other people's import problems, which are
// deleted outright, are matched on these only.
func (v subjectValues) identifiers() [][]byte {
	return v.match(v.Number, v.IDNumber, v.Mobile, v.Phone, v.Email)
}

func (v subjectValues) match(xs ...string) [][]byte {
	var out [][]byte
	for _, x := range xs {
		if utf8.RuneCountInString(x) >= 2 && len(x) >= 4 {
			out = append(out, []byte(x))
		}
	}
	return out
}

// AnonymiseCustomer erases customer id (PIPL 47) in one transaction: the
// data map's rows are deleted or scrubbed, the archive row keeps only a
// pseudonym and moves to the trash, pending messages are cancelled,
// uploaded import files, export files and cached responses that hold the
// customer are removed, and an erasures row plus one audit row (pseudonym
// and counts, no personal value) record it. The statements are set-based,
// so even a customer with 10k interactions commits in one go; a killed run
// rolls back whole and a re-run starts again. A customer on an active legal
// hold is refused with an error wrapping privacy.ErrLegalHold.
func (s *Store) AnonymiseCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID, reason string) error {
	if err := canPrivacy(a); err != nil {
		return err
	}
	if !privacy.ValidReason(reason) {
		return guanxi.Invalid(guanxi.Field("reason", "validation.enum"))
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		pred, pargs := scopeSQL(a, "c")
		lock := ""
		if s.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var v subjectValues
		if err := tx.GetContext(ctx, &v, s.rebind("SELECT c.number, c.name, c.id_number, c.mobile, c.phone, c.email FROM customers c WHERE c.id = ? AND "+pred+lock),
			append([]any{id}, pargs...)...); err != nil {
			return notFound(err, "error.not_found")
		}
		var err error
		if v.IDNumber, err = s.openID(v.IDNumber); err != nil {
			return guanxi.Internal(err)
		}
		if strings.HasPrefix(v.Name, privacy.PseudonymPrefix) {
			return guanxi.Conflict("privacy.already_erased", nil)
		}
		held, err := s.onLegalHold(ctx, tx, id)
		if err != nil {
			return err
		}
		if held {
			return privacy.HoldError()
		}
		now := s.nowUTC()
		pseudonym := privacy.Pseudonym(id, now)
		counts := map[string]int64{}
		exec := func(name, q string, args ...any) error {
			res, err := tx.ExecContext(ctx, s.rebind(q), args...)
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n > 0 && name != "" {
				counts[name] += n
			}
			return nil
		}
		// Copies no column links go first: finding them needs import_changes,
		// which the map deletes.
		if err := s.eraseSpecial(ctx, tx, id, v, now, exec); err != nil {
			return err
		}
		if err := exec("outbox_cancelled", `UPDATE outbox_messages SET status = 'cancelled', last_error = 'privacy.erased',
claimed_until = NULL, updated_at = ?, version = version + 1 WHERE customer_id = ? AND status IN ('queued','failed','sending')`, now, id); err != nil {
			return err
		}
		for _, t := range privacy.Map {
			q, args := eraseSQL(t, id, pseudonym, now)
			if q == "" {
				continue
			}
			if err := exec(t.Name, q, args...); err != nil {
				return err
			}
		}
		rows, _ := json.Marshal(counts)
		var by any
		if a.UserID != 0 {
			by = a.UserID
		}
		var eid guanxi.ID
		if err := tx.GetContext(ctx, &eid, s.rebind(`INSERT INTO erasures (pseudonym, at, by_id, by_name, reason, rows_json)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), pseudonym, now, by, a.Username, reason, string(rows)); err != nil {
			return wrap(err)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionErase, "customer", id,
			map[string]any{"pseudonym": pseudonym, "reason": reason, "erasure_id": eid, "rows": counts}).ForCustomer(id))
	})
}

// eraseSQL is the statement that erases table t's rows about id.
func eraseSQL(t privacy.Table, id guanxi.ID, pseudonym string, now any) (string, []any) {
	switch t.Erase {
	case privacy.Delete:
		return "DELETE FROM " + t.Name + " WHERE (" + t.Where + ")", t.Args(id)
	case privacy.Scrub:
		var sets []string
		var args []any
		for _, c := range t.Cols {
			if c.To == privacy.SetPseudonym {
				sets = append(sets, c.Name+" = ?")
				args = append(args, pseudonym)
				continue
			}
			sets = append(sets, c.Name+" = "+c.To)
		}
		if t.Name == "customers" {
			sets = append(sets, "version = version + 1", "updated_at = ?", "deleted_at = COALESCE(deleted_at, ?)")
			args = append(args, now, now)
		}
		where := "(" + t.Where + ")"
		if t.Only != "" {
			where += " AND (" + t.Only + ")"
		}
		return "UPDATE " + t.Name + " SET " + strings.Join(sets, ", ") + " WHERE " + where, append(args, t.Args(id)...)
	}
	return "", nil
}

// eraseSpecial removes copies of the customer that no column links:
//   - uploaded files and rejected rows of finished imports that created or
//     updated the customer, and rejected rows quoting its values;
//   - exports: running ones are failed (their partial file may already
//     hold the customer; the owner is told and can run it again), and
//     finished files still held are withdrawn when they contain the
//     customer's number or values. Queued ones are left: they read the
//     database when they run, after the erasure;
//   - stored idempotent responses quoting the customer.
func (s *Store) eraseSpecial(ctx context.Context, tx *sqlx.Tx, id guanxi.ID, v subjectValues, now any,
	exec func(name, q string, args ...any) error) error {
	finished := `SELECT DISTINCT ic.import_id FROM import_changes ic JOIN imports i ON i.id = ic.import_id
WHERE ic.customer_id = ? AND i.status IN ('done','failed','cancelled','undone')`
	if err := exec("import_files", "DELETE FROM import_files WHERE import_id IN ("+finished+")", id); err != nil {
		return err
	}
	if err := exec("import_problems", "DELETE FROM import_problems WHERE import_id IN ("+finished+")", id); err != nil {
		return err
	}
	if err := s.eraseQuotingProblems(ctx, tx, v, exec); err != nil {
		return err
	}
	var running []struct {
		ID     guanxi.ID `db:"id"`
		UserID guanxi.ID `db:"user_id"`
	}
	if err := tx.SelectContext(ctx, &running, s.rebind("SELECT id, user_id FROM exports WHERE status = 'running'")); err != nil {
		return wrap(err)
	}
	var done []struct {
		ID     guanxi.ID `db:"id"`
		UserID guanxi.ID `db:"user_id"`
		Format string    `db:"format"`
	}
	if err := tx.SelectContext(ctx, &done, s.rebind(`SELECT id, user_id, format FROM exports WHERE status = 'done'
AND (expires_at IS NULL OR expires_at > ?) AND EXISTS (SELECT 1 FROM export_chunks k WHERE k.export_id = exports.id)`), now); err != nil {
		return wrap(err)
	}
	withdraw := running
	for _, d := range done {
		hit, err := s.exportMentions(ctx, tx, d.ID, d.Format, v.needles())
		if err != nil {
			return err
		}
		if hit {
			withdraw = append(withdraw, struct {
				ID     guanxi.ID `db:"id"`
				UserID guanxi.ID `db:"user_id"`
			}{d.ID, d.UserID})
		}
	}
	for _, e := range withdraw {
		if err := exec("exports", `UPDATE exports SET status = 'failed', error_key = 'privacy.export_withdrawn', finished_at = ?,
lease_until = NULL, version = version + 1 WHERE id = ?`, now, e.ID); err != nil {
			return err
		}
		if err := exec("export_chunks", "DELETE FROM export_chunks WHERE export_id = ?", e.ID); err != nil {
			return err
		}
		args, _ := json.Marshal(map[string]any{"id": e.ID})
		if err := exec("", s.q.NotificationInsert, e.UserID, "export_failed", nil, string(args),
			"export-failed:"+strconv.FormatInt(e.ID, 10), now); err != nil {
			return err
		}
	}
	return s.eraseIdempotent(ctx, tx, id, v, exec)
}

// eraseQuotingProblems deletes other imports' rejected rows that quote the
// customer. The cells are sealed, so they are opened and searched here; the
// table holds rejected rows only, so the scan is small.
func (s *Store) eraseQuotingProblems(ctx context.Context, tx *sqlx.Tx, v subjectValues, exec func(name, q string, args ...any) error) error {
	ids := v.identifiers()
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		ImportID guanxi.ID `db:"import_id"`
		Line     int64     `db:"line"`
		Cells    string    `db:"cells"`
	}
	if err := tx.SelectContext(ctx, &rows, "SELECT import_id, line, cells FROM import_problems"); err != nil {
		return wrap(err)
	}
	for _, r := range rows {
		cells, err := s.keys.Open(r.Cells, colImportCells)
		if err != nil {
			return guanxi.Internal(err)
		}
		if containsAny([]byte(cells), ids) {
			if err := exec("import_problems", "DELETE FROM import_problems WHERE import_id = ? AND line = ?", r.ImportID, r.Line); err != nil {
				return err
			}
		}
	}
	return nil
}

// eraseIdempotent deletes stored API responses that quote the customer.
// The table holds a day of keys, so a scan is cheap.
func (s *Store) eraseIdempotent(ctx context.Context, tx *sqlx.Tx, id guanxi.ID, v subjectValues,
	exec func(name, q string, args ...any) error) error {
	rows, err := tx.QueryContext(ctx, "SELECT user_id, key, body FROM idempotency_keys WHERE body IS NOT NULL")
	if err != nil {
		return wrap(err)
	}
	type key struct {
		user int64
		key  string
	}
	var hits []key
	// Cached responses expire within a day; quoting the subject by name or
	// id is enough to drop one (a retry then runs again instead of
	// replaying personal data).
	needles := append(v.needles(), []byte(`"id":`+strconv.FormatInt(id, 10)+`,`))
	for rows.Next() {
		var k key
		var body []byte
		if err := rows.Scan(&k.user, &k.key, &body); err != nil {
			rows.Close()
			return wrap(err)
		}
		if containsAny(body, needles) {
			hits = append(hits, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap(err)
	}
	for _, k := range hits {
		if err := exec("idempotency_keys", "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?", k.user, k.key); err != nil {
			return err
		}
	}
	return nil
}
