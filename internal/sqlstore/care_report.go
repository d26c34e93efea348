package sqlstore

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// CareTaskInfo returns the care details of the tasks in scope among ids.
func (s *Store) CareTaskInfo(ctx context.Context, a guanxi.Actor, ids []guanxi.ID) (map[guanxi.ID]care.TaskInfo, error) {
	vs := make([]any, len(ids))
	for i, id := range ids {
		vs[i] = id
	}
	text, args := s.careSQL(s.q.CareTaskInfo, nil, scopeSub(a), listSub("/*ids*/", vs))
	var rows []care.TaskInfo
	if err := s.r.SelectContext(ctx, &rows, text, args...); err != nil {
		return nil, wrap(err)
	}
	out := make(map[guanxi.ID]care.TaskInfo, len(rows))
	for _, r := range rows {
		out[r.TaskID] = r
	}
	return out, nil
}

// CloseChurnTask closes an open churn task at version and records the
// reason and vehicle-usage note on its event: both or neither.
func (s *Store) CloseChurnTask(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, c task.Close, reason, note string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.getTask(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if cur.Kind != task.KindChurn {
			return guanxi.Invalid(guanxi.Field("kind", "validation.enum"))
		}
		if cur.Version != version {
			return guanxi.Stale(cur.Version)
		}
		if cur.Status != task.StatusOpen {
			return guanxi.Conflict("error.task_closed", nil)
		}
		now := s.nowUTC()
		var by *guanxi.ID
		if a.UserID != 0 {
			u := a.UserID
			by = &u
		}
		outcome := c.Outcome
		res, err := tx.ExecContext(ctx, s.q.TaskClose, c.Status, outcome, now, by, nil, now, id, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(cur.Version)
		}
		if _, err := tx.ExecContext(ctx, s.q.CareChurnResolve, reason, note, now, id); err != nil {
			return wrap(err)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "task", id,
			map[string]any{"status": c.Status, "churn_reason": reason, "usage_note": note}).ForCustomer(cur.CustomerID))
	})
}

// CareReport counts churn reasons resolved in the dates from..to and the
// care and churn tasks due then, per owner, in the actor's scope.
func (s *Store) CareReport(ctx context.Context, a guanxi.Actor, from, to, today string) (care.ReportData, error) {
	d := care.ReportData{Reasons: []care.ReasonCount{}, Owners: []care.OwnerCount{}}
	start, err1 := time.ParseInLocation(time.DateOnly, from, task.ChinaTime())
	end, err2 := time.ParseInLocation(time.DateOnly, to, task.ChinaTime())
	if err1 != nil || err2 != nil {
		return d, guanxi.Invalid(guanxi.Field("from", "validation.date"))
	}
	text, args := s.careSQL(s.q.CareReportReasons, []any{start.UTC(), end.AddDate(0, 0, 1).UTC()}, scopeSub(a))
	if err := s.r.SelectContext(ctx, &d.Reasons, text, args...); err != nil {
		return d, wrap(err)
	}
	text, args = s.careSQL(s.q.CareReportOwners, []any{today, from, to}, scopeSub(a))
	if err := s.r.SelectContext(ctx, &d.Owners, text, args...); err != nil {
		return d, wrap(err)
	}
	text, args = s.careSQL(s.q.CareReportChurn, []any{from, to}, scopeSub(a))
	if err := s.r.GetContext(ctx, &d.Dormant, text, args...); err != nil {
		return d, wrap(err)
	}
	text, args = s.careSQL(s.q.CareReportBase, []any{start.UTC(), start.UTC()}, scopeSub(a))
	return d, wrap(s.r.GetContext(ctx, &d.Base, text, args...))
}

var _ care.Store = (*Store)(nil)
