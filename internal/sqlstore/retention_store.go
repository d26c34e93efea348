package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/retention"
)

// notHeld is the legal-hold guard every retention query carries, for the
// customer id expression x.
func notHeld(x string) string {
	return "NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.customer_id = " + x + " AND h.released_at IS NULL)"
}

// retentionPick selects one batch of expired, unheld record ids per purge
// kind (args: cutoff; the limit is written in by withLimit).
var retentionPick = map[string]string{
	retention.KindInteractions: `SELECT i.id FROM interactions i WHERE i.occurred_at < ? AND ` + notHeld("i.customer_id") +
		` ORDER BY i.id LIMIT /*limit*/`,
	retention.KindVisitLogs: `SELECT w.id FROM work_logs w WHERE w.kind = 'visit' AND w.work_on < ?
AND NOT EXISTS (SELECT 1 FROM work_log_customers wc JOIN legal_holds h ON h.customer_id = wc.customer_id
  WHERE wc.work_log_id = w.id AND h.released_at IS NULL) ORDER BY w.id LIMIT /*limit*/`,
	retention.KindOutbox: `SELECT m.id FROM outbox_messages m WHERE m.status IN ('sent','dead','cancelled') AND m.created_at < ?
AND (m.customer_id IS NULL OR ` + notHeld("m.customer_id") + `) ORDER BY m.id LIMIT /*limit*/`,
	retention.KindImportImages: `SELECT x.id FROM import_changes x JOIN imports i ON i.id = x.import_id
WHERE i.status IN ('done','failed','cancelled','undone') AND COALESCE(i.finished_at, i.created_at) < ? AND ` + notHeld("x.customer_id") +
		` ORDER BY x.id LIMIT /*limit*/`,
}

// retentionDelete are the statements that purge a picked batch (IN list),
// children first.
var retentionDelete = map[string][]string{
	retention.KindInteractions: {
		`UPDATE tasks SET interaction_id = NULL WHERE interaction_id IN (?)`,
		`DELETE FROM interactions WHERE id IN (?)`,
	},
	retention.KindVisitLogs: {
		`DELETE FROM work_log_customers WHERE work_log_id IN (?)`,
		`DELETE FROM work_logs WHERE id IN (?)`,
	},
	retention.KindOutbox: {
		`DELETE FROM outbox_attempts WHERE message_id IN (?)`,
		`DELETE FROM outbox_messages WHERE id IN (?)`,
	},
	retention.KindImportImages: {
		`DELETE FROM import_changes WHERE id IN (?)`,
	},
}

// RetentionPurge deletes one batch of expired records of kind in one
// transaction; a re-run after a kill simply picks the next batch.
func (s *Store) RetentionPurge(ctx context.Context, kind string, cutoff time.Time, limit int) (int, error) {
	pick, ok := retentionPick[kind]
	if !ok {
		return 0, guanxi.Invalid(guanxi.Field("kind", "validation.enum"))
	}
	var arg any = cutoff.UTC()
	if kind == retention.KindVisitLogs {
		arg = cutoff.UTC().Format("2006-01-02") // work_on is a date
	}
	n := 0
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		var ids []guanxi.ID
		if err := tx.SelectContext(ctx, &ids, s.rebind(withLimit(pick, limit)), arg); err != nil {
			return wrap(err)
		}
		if len(ids) == 0 {
			return nil
		}
		for _, q := range retentionDelete[kind] {
			text, args, err := sqlx.In(q, ids)
			if err != nil {
				return wrap(err)
			}
			if _, err := tx.ExecContext(ctx, s.rebind(text), args...); err != nil {
				return wrap(err)
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// RetentionCustomers is one page of customers the anonymise kinds have
// expired: not yet pseudonymised and not on an active hold.
func (s *Store) RetentionCustomers(ctx context.Context, kind string, cutoff time.Time, after guanxi.ID, limit int) ([]guanxi.ID, error) {
	var cond string
	var args []any
	switch kind {
	case retention.KindCustomersDeleted:
		cond, args = "c.deleted_at IS NOT NULL AND c.deleted_at < ?", []any{cutoff.UTC()}
	case retention.KindCustomersInactive:
		cond = "c.deleted_at IS NULL AND c.updated_at < ? AND COALESCE(c.last_contact_at, c.created_at) < ?"
		args = []any{cutoff.UTC(), cutoff.UTC()}
	default:
		return nil, guanxi.Invalid(guanxi.Field("kind", "validation.enum"))
	}
	q := "SELECT c.id FROM customers c WHERE " + cond + " AND c.name NOT LIKE ? AND c.id > ? AND " + notHeld("c.id") +
		" ORDER BY c.id LIMIT " + strconv.Itoa(limit)
	args = append(args, privacy.PseudonymPrefix+"%", after)
	var ids []guanxi.ID
	if err := s.r.SelectContext(ctx, &ids, s.rebind(q), args...); err != nil {
		return nil, wrap(err)
	}
	return ids, nil
}

const retentionRuleColumns = `SELECT id, kind, days, action, enabled, updated_by, updated_at, version FROM retention_rules`

// RetentionRules lists the rules in kind order (privacy.admin).
func (s *Store) RetentionRules(ctx context.Context, a guanxi.Actor) ([]retention.Rule, error) {
	if err := canPrivacy(a); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryxContext(ctx, retentionRuleColumns+" ORDER BY id")
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := []retention.Rule{}
	for rows.Next() {
		var r retention.Rule
		var enabled int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Days, &r.Action, &enabled, &r.UpdatedBy, &r.UpdatedAt, &r.Version); err != nil {
			return nil, wrap(err)
		}
		r.Enabled = enabled != 0
		utcPtr(r.UpdatedAt)
		out = append(out, r)
	}
	return out, wrap(rows.Err())
}

// SaveRetentionRule changes the days and enabled flag of the rule of
// r.Kind at r.Version (privacy.admin), audited with before and after.
func (s *Store) SaveRetentionRule(ctx context.Context, a guanxi.Actor, r *retention.Rule) error {
	if err := canPrivacy(a); err != nil {
		return err
	}
	r.Action = retention.ActionOf(r.Kind)
	if err := r.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		var before struct {
			ID      guanxi.ID `db:"id"`
			Days    int       `db:"days"`
			Enabled int64     `db:"enabled"`
			Version int64     `db:"version"`
		}
		if err := tx.GetContext(ctx, &before, s.rebind("SELECT id, days, enabled, version FROM retention_rules WHERE kind = ?"), r.Kind); err != nil {
			return notFound(err, "error.not_found")
		}
		if before.Version != r.Version {
			return guanxi.Stale(before.Version)
		}
		now := s.nowUTC()
		var by *guanxi.ID
		if a.UserID != 0 {
			u := a.UserID
			by = &u
		}
		enabled := int64(0)
		if r.Enabled {
			enabled = 1
		}
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE retention_rules SET days = ?, enabled = ?, updated_by = ?, updated_at = ?,
version = version + 1 WHERE kind = ? AND version = ?`), r.Days, enabled, by, now, r.Kind, r.Version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(before.Version)
		}
		r.ID, r.Version, r.UpdatedAt, r.UpdatedBy = before.ID, r.Version+1, &now, by
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionRetentionRule, "retention_rule", before.ID, map[string]any{
			"kind": r.Kind, "before": map[string]any{"days": before.Days, "enabled": before.Enabled != 0},
			"after": map[string]any{"days": r.Days, "enabled": r.Enabled}}))
	})
}

// StartRetentionRun records a run as running; runs a crash left running
// are marked failed first.
func (s *Store) StartRetentionRun(ctx context.Context, a guanxi.Actor) (guanxi.ID, error) {
	var id guanxi.ID
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE retention_runs SET status = 'failed', error = 'interrupted', finished_at = ?
WHERE status = 'running'`), now); err != nil {
			return wrap(err)
		}
		return wrap(tx.GetContext(ctx, &id, s.rebind(`INSERT INTO retention_runs (started_at, status, by_name) VALUES (?, 'running', ?) RETURNING id`),
			now, a.Username))
	})
	return id, err
}

// FinishRetentionRun stores the counts and outcome of run id with its
// audit row (retention.run, the counts, no personal value).
func (s *Store) FinishRetentionRun(ctx context.Context, a guanxi.Actor, id guanxi.ID, counts map[string]int64, runErr error) error {
	status, msg := retention.RunDone, ""
	if runErr != nil {
		status, msg = retention.RunFailed, truncate(runErr.Error(), 500)
	}
	b, _ := json.Marshal(counts)
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE retention_runs SET status = ?, counts = ?, error = ?, finished_at = ? WHERE id = ?`),
			status, string(b), msg, s.nowUTC(), id); err != nil {
			return wrap(err)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionRetentionRun, "retention_run", id,
			map[string]any{"status": status, "counts": counts}))
	})
}

// RetentionRuns lists the latest runs, newest first (privacy.admin).
func (s *Store) RetentionRuns(ctx context.Context, a guanxi.Actor, limit int) ([]retention.Run, error) {
	if err := canPrivacy(a); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	out := []retention.Run{}
	if err := s.r.SelectContext(ctx, &out, s.rebind(`SELECT id, started_at, finished_at, status, counts, error, by_name
FROM retention_runs ORDER BY id DESC LIMIT `+strconv.Itoa(limit))); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].StartedAt = out[i].StartedAt.UTC()
		utcPtr(out[i].FinishedAt)
		out[i].Counts = map[string]int64{}
		_ = json.Unmarshal([]byte(out[i].CountsJSON), &out[i].Counts)
	}
	return out, nil
}
