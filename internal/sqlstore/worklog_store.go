package sqlstore

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

type worklogQueries struct {
	WorklogColumns         string `q:"worklog-columns"`
	WorklogGet             string `q:"worklog-get"`
	WorklogListAuthor      string `q:"worklog-list-author"`
	WorklogListReview      string `q:"worklog-list-review"`
	WorklogInsert          string `q:"worklog-insert"`
	WorklogUpdate          string `q:"worklog-update"`
	WorklogState           string `q:"worklog-state"`
	WorklogVersion         string `q:"worklog-version"`
	WorklogCustomersDelete string `q:"worklog-customers-delete"`
	WorklogCustomersInsert string `q:"worklog-customers-insert"`
	WorklogCustomers       string `q:"worklog-customers"`
}

// workScopeSQL limits work logs (alias w) to the actor's own, plus the
// authors of a reviewer's org subtree; admins and auditors read all.
func workScopeSQL(a guanxi.Actor) (string, []any) {
	switch {
	case a.Scope() == guanxi.ScopeAll:
		return "1=1", nil
	case a.Can(guanxi.PermWorkReview) && a.OrgPath != "":
		return "(w.author_id = ? OR w.author_id IN (SELECT su.id FROM users su JOIN org_units so ON so.id = su.org_unit_id WHERE so.path LIKE ?))",
			[]any{a.UserID, a.OrgPath + "%"}
	case a.UserID != 0:
		return "w.author_id = ?", []any{a.UserID}
	}
	return "1=0", nil
}

func (s *Store) workScoped(q string, a guanxi.Actor, args ...any) (string, []any) {
	pred, sargs := workScopeSQL(a)
	if s.dialect == Postgres {
		q = dollarParam.ReplaceAllString(q, "?")
	}
	q = strings.Replace(q, "/*wscope*/", pred, 1)
	return s.rebind(q), append(sargs, args...)
}

func worklogUTC(e *worklog.Entry) {
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	utcPtr(e.SubmittedAt)
	utcPtr(e.ReviewedAt)
}

func (s *Store) GetWorkLog(ctx context.Context, a guanxi.Actor, id guanxi.ID) (worklog.Entry, error) {
	var e worklog.Entry
	text, args := s.workScoped(s.q.WorklogColumns+"\n"+s.q.WorklogGet, a, id)
	if err := s.r.GetContext(ctx, &e, text, args...); err != nil {
		return e, notFound(err, "error.not_found")
	}
	worklogUTC(&e)
	text, args = s.scoped(s.q.WorklogCustomers, a, id)
	e.Customers = []worklog.CustomerRef{}
	if err := s.r.SelectContext(ctx, &e.Customers, text, args...); err != nil {
		return e, wrap(err)
	}
	for _, c := range e.Customers {
		e.CustomerIDs = append(e.CustomerIDs, c.ID)
	}
	return e, nil
}

func (s *Store) ListWorkLogs(ctx context.Context, a guanxi.Actor, q worklog.ListQuery) ([]worklog.Entry, error) {
	from, to := q.From, q.To
	if from == "" {
		from = "0000-00-00"
	}
	if to == "" {
		to = "9999-99-99"
	}
	var text string
	var args []any
	if q.ToReview {
		text, args = s.workScoped(withLimit(s.q.WorklogColumns+"\n"+s.q.WorklogListReview, q.Limit), a, q.Status, a.UserID, from, to)
	} else {
		text, args = s.workScoped(withLimit(s.q.WorklogColumns+"\n"+s.q.WorklogListAuthor, q.Limit), a, q.AuthorID, q.Status, q.Status, from, to)
	}
	out := []worklog.Entry{}
	if err := s.r.SelectContext(ctx, &out, text, args...); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		worklogUTC(&out[i])
	}
	return out, nil
}

// SaveWorkLog inserts or updates an entry's content and its customer links.
func (s *Store) SaveWorkLog(ctx context.Context, a guanxi.Actor, e *worklog.Entry, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		for _, id := range e.CustomerIDs {
			if _, err := s.liveInScope(ctx, tx, a, id); err != nil {
				return guanxi.Invalid(guanxi.Field("customer_ids", "validation.customer_scope"))
			}
		}
		now := s.nowUTC()
		action := audit.ActionCreate
		if e.ID == 0 {
			if err := tx.GetContext(ctx, &e.ID, s.q.WorklogInsert, e.Kind, e.AuthorID, e.WorkOn, e.Content, e.Minutes,
				e.Destination, e.PersonVisited, e.Contact, e.Purpose, e.Result, now, now); err != nil {
				return wrap(err)
			}
			e.Status, e.Version, e.CreatedAt = worklog.StatusDraft, 1, now
		} else {
			action = audit.ActionUpdate
			res, err := tx.ExecContext(ctx, s.q.WorklogUpdate, e.WorkOn, e.Content, e.Minutes, e.Destination,
				e.PersonVisited, e.Contact, e.Purpose, e.Result, now, e.ID, version)
			if err != nil {
				return wrap(err)
			}
			if err := s.staleOrMissing(ctx, tx, res, s.q.WorklogVersion, e.ID); err != nil {
				return err
			}
			e.Version = version + 1
			if _, err := tx.ExecContext(ctx, s.q.WorklogCustomersDelete, e.ID); err != nil {
				return wrap(err)
			}
		}
		for _, id := range e.CustomerIDs {
			if _, err := tx.ExecContext(ctx, s.q.WorklogCustomersInsert, e.ID, id); err != nil {
				return wrap(err)
			}
		}
		e.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, action, "work_log", e.ID,
			map[string]any{"kind": e.Kind, "work_on": e.WorkOn}))
	})
}

// SetWorkLogState moves an entry through submit and review at version.
func (s *Store) SetWorkLogState(ctx context.Context, a guanxi.Actor, e *worklog.Entry, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.WorklogState, e.Status, e.SubmittedAt, e.ReviewerID, e.ReviewedAt,
			e.ReviewComment, now, e.ID, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.WorklogVersion, e.ID); err != nil {
			return err
		}
		e.Version, e.UpdatedAt = version+1, now
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "work_log", e.ID,
			map[string]any{"status": e.Status}))
	})
}
