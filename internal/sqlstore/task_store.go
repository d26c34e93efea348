package sqlstore

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/task"
)

type taskQueries struct {
	TaskCustomerOwner   string `q:"task-customer-owner"`
	TaskInsert          string `q:"task-insert"`
	TaskLinkInteraction string `q:"task-link-interaction"`
	TaskColumns         string `q:"task-columns"`
	TaskGet             string `q:"task-get"`
	TaskListOwner       string `q:"task-list-owner"`
	TaskListCustomer    string `q:"task-list-customer"`
	TaskClose           string `q:"task-close"`
	TaskTeam            string `q:"task-team"`
	TaskInsertPlan      string `q:"task-insert-plan"`
	PlanList            string `q:"plan-list"`
	PlanGet             string `q:"plan-get"`
	PlanInsert          string `q:"plan-insert"`
	PlanUpdate          string `q:"plan-update"`
	PlanUnitPath        string `q:"plan-unit-path"`
	PlanEventsVehicle   string `q:"plan-events-vehicle"`
	PlanEventsService   string `q:"plan-events-service"`
	PlanEventsComplaint string `q:"plan-events-complaint"`
	PlanEventsGrade     string `q:"plan-events-grade"`
	PlanTableExists     string `q:"plan-table-exists"`
	ReportTasks         string `q:"report-tasks"`
	ReportInteractions  string `q:"report-interactions"`
}

var dollarParam = regexp.MustCompile(`\$[0-9]+`)

// scoped puts the actor's customer-scope predicate (alias c) at the query's
// /*scope*/ marker. The marker is the first placeholder-bearing part of
// every such query, so the scope arguments go first.
func (s *Store) scoped(q string, a guanxi.Actor, args ...any) (string, []any) {
	pred, sargs := scopeSQL(a, "c")
	if s.dialect == Postgres {
		q = dollarParam.ReplaceAllString(q, "?")
	}
	q = strings.Replace(q, "/*scope*/", pred, 1)
	return s.rebind(q), append(sargs, args...)
}

// insertNextActionTask makes the task of an interaction's dated next action
// for the customer's owner and links it to the interaction.
func (s *Store) insertNextActionTask(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, in *customer.Interaction) (guanxi.ID, error) {
	t := task.Task{Kind: task.KindNextAction, Title: in.NextAction, CustomerID: in.CustomerID, DueOn: in.NextActionOn}
	if err := s.insertTask(ctx, tx, a, &t); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, s.q.TaskLinkInteraction, t.ID, in.ID); err != nil {
		return 0, wrap(err)
	}
	return t.ID, nil
}

// insertTask writes a task for a customer the caller has proved in scope;
// the owner defaults to the customer's owner.
func (s *Store) insertTask(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, t *task.Task) error {
	if t.OwnerID == 0 {
		if err := tx.GetContext(ctx, &t.OwnerID, s.q.TaskCustomerOwner, t.CustomerID); err != nil {
			return notFound(err, "error.not_found")
		}
	}
	now := s.nowUTC()
	if a.UserID != 0 {
		by := a.UserID
		t.CreatedBy = &by
	}
	if err := tx.GetContext(ctx, &t.ID, s.q.TaskInsert, t.Kind, t.Title, t.Notes, t.CustomerID, t.OwnerID, t.DueOn,
		t.CreatedBy, now, now); err != nil {
		return wrap(err)
	}
	t.Status, t.Version, t.CreatedAt, t.UpdatedAt = task.StatusOpen, 1, now, now
	return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "task", t.ID,
		map[string]any{"kind": t.Kind, "owner_id": t.OwnerID, "due_on": t.DueOn}).ForCustomer(t.CustomerID))
}

// CreateTask adds a task for a customer in scope. A named owner must be one
// the actor may assign customers to.
func (s *Store) CreateTask(ctx context.Context, a guanxi.Actor, t *task.Task) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, t.CustomerID); err != nil {
			return err
		}
		if t.OwnerID != 0 {
			if err := s.checkOwner(ctx, tx, a, t.OwnerID); err != nil {
				return err
			}
		}
		return s.insertTask(ctx, tx, a, t)
	})
}

func taskUTC(t *task.Task) {
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	utcPtr(t.ClosedAt)
}

func (s *Store) GetTask(ctx context.Context, a guanxi.Actor, id guanxi.ID) (task.Task, error) {
	return s.getTask(ctx, s.r, a, id)
}

func (s *Store) getTask(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) (task.Task, error) {
	var t task.Task
	text, args := s.scoped(s.q.TaskColumns+"\n"+s.q.TaskGet, a, id)
	if err := sqlx.GetContext(ctx, q, &t, text, args...); err != nil {
		return t, s.scopeMiss(ctx, q, taskExists, id, err)
	}
	taskUTC(&t)
	return t, nil
}

// ListTasks returns the first page of TaskPage's rows, for callers that
// want no cursor.
func (s *Store) ListTasks(ctx context.Context, a guanxi.Actor, q task.ListQuery) ([]task.Task, error) {
	p, err := s.TaskPage(ctx, a, q)
	return p.Items, err
}

// CloseTask ends an open task at version and, with log, records the
// follow-up interaction it was; both or neither are stored.
func (s *Store) CloseTask(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, c task.Close, log *customer.Interaction) (task.Task, error) {
	var out task.Task
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.getTask(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return guanxi.Stale(cur.Version)
		}
		if cur.Status != task.StatusOpen {
			return guanxi.Conflict("error.task_closed", nil)
		}
		var linked *guanxi.ID
		if log != nil {
			log.CustomerID = cur.CustomerID
			log.NextAction, log.NextActionOn = "", ""
			if err := s.insertInteraction(ctx, tx, a, log); err != nil {
				return err
			}
			linked = &log.ID
		}
		now := s.nowUTC()
		var by *guanxi.ID
		if a.UserID != 0 {
			u := a.UserID
			by = &u
		}
		res, err := tx.ExecContext(ctx, s.q.TaskClose, c.Status, c.Outcome, now, by, linked, now, id, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(cur.Version)
		}
		out = cur
		out.Status, out.Outcome, out.ClosedAt, out.ClosedBy, out.InteractionID = c.Status, c.Outcome, &now, by, linked
		out.Version, out.UpdatedAt = version+1, now
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "task", id,
			map[string]any{"status": c.Status}).ForCustomer(cur.CustomerID))
	})
	return out, err
}

// TeamCompletion counts, per owner, today's tasks, the done ones and the
// overdue open ones among the customers in the actor's scope.
func (s *Store) TeamCompletion(ctx context.Context, a guanxi.Actor, today string) ([]task.StaffCompletion, error) {
	text, args := s.scoped(s.q.TaskTeam, a, today, today, today, today, today)
	out := []task.StaffCompletion{}
	return out, wrap(s.r.SelectContext(ctx, &out, text, args...))
}

// FollowUpCounts returns task counts per owner and due day, and interaction
// counts per staff, local day, channel and purpose, for the dates from..to
// among the customers in the actor's scope.
func (s *Store) FollowUpCounts(ctx context.Context, a guanxi.Actor, from, to string) (task.Counts, error) {
	c := task.Counts{Tasks: []task.TaskCount{}, Interactions: []task.InteractionCount{}}
	text, args := s.scoped(s.q.ReportTasks, a, from, to)
	if err := s.r.SelectContext(ctx, &c.Tasks, text, args...); err != nil {
		return c, wrap(err)
	}
	// Local (UTC+8) days as UTC instants.
	start, err1 := time.Parse(time.DateOnly, from)
	end, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return c, guanxi.Invalid(guanxi.Field("period", "validation.date"))
	}
	start, end = start.Add(-8*time.Hour), end.AddDate(0, 0, 1).Add(-8*time.Hour)
	text, args = s.scoped(s.q.ReportInteractions, a, start, end)
	return c, wrap(s.r.SelectContext(ctx, &c.Interactions, text, args...))
}
