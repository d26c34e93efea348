package sqlstore

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/task"
)

type planRow struct {
	task.Plan
	GradesText string `db:"grades"`
}

func (r planRow) decode() task.Plan {
	p := r.Plan
	p.Grades = task.ParseGrades(r.GradesText)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p
}

func (s *Store) ListPlans(ctx context.Context) ([]task.Plan, error) {
	var rows []planRow
	if err := s.r.SelectContext(ctx, &rows, s.q.PlanList); err != nil {
		return nil, wrap(err)
	}
	out := make([]task.Plan, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.decode())
	}
	return out, nil
}

func (s *Store) GetPlan(ctx context.Context, id guanxi.ID) (task.Plan, error) {
	var r planRow
	if err := s.r.GetContext(ctx, &r, s.q.PlanGet, id); err != nil {
		return task.Plan{}, notFound(err, "error.not_found")
	}
	return r.decode(), nil
}

func (s *Store) UnitPath(ctx context.Context, id guanxi.ID) (string, error) {
	var p string
	return p, notFound(s.r.GetContext(ctx, &p, s.q.PlanUnitPath, id), "error.not_found")
}

// SavePlan inserts (ID 0) or updates a plan at version.
func (s *Store) SavePlan(ctx context.Context, a guanxi.Actor, p *task.Plan, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		grades := strings.Join(p.Grades, ",")
		action := audit.ActionCreate
		if p.ID == 0 {
			if a.UserID != 0 {
				by := a.UserID
				p.CreatedBy = &by
			}
			if err := tx.GetContext(ctx, &p.ID, s.q.PlanInsert, p.Name, p.Trigger, p.OffsetDays, grades, p.OrgUnitID,
				p.Title, b2i(p.Active), p.StartsOn, p.CreatedBy, now, now); err != nil {
				return wrap(err)
			}
			p.Version, p.CreatedAt = 1, now
		} else {
			action = audit.ActionUpdate
			res, err := tx.ExecContext(ctx, s.q.PlanUpdate, p.Name, p.Trigger, p.OffsetDays, grades, p.OrgUnitID,
				p.Title, b2i(p.Active), p.StartsOn, now, p.ID, version)
			if err != nil {
				return wrap(err)
			}
			if err := s.staleOrMissing(ctx, tx, res, s.q.PlanGet, p.ID); err != nil {
				return err
			}
			p.Version = version + 1
		}
		p.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, action, "follow_up_plan", p.ID,
			map[string]any{"name": p.Name, "trigger": p.Trigger, "active": p.Active}))
	})
}

// PlanEvents returns up to w.Limit trigger events of p that have no task
// yet, in id order. Complaint plans find nothing until the tickets table
// exists.
func (s *Store) PlanEvents(ctx context.Context, p task.Plan, w task.Window) ([]task.Event, error) {
	grades := ""
	if len(p.Grades) > 0 {
		grades = "," + strings.Join(p.Grades, ",") + ","
	}
	path := ""
	if p.OrgUnitID != nil {
		up, err := s.UnitPath(ctx, *p.OrgUnitID)
		if err != nil {
			return nil, err
		}
		path = up + "%"
	}
	now := s.nowUTC()
	out := []task.Event{}
	var err error
	switch p.Trigger {
	case task.TriggerVehicleDelivery:
		err = s.r.SelectContext(ctx, &out, withLimit(s.q.PlanEventsVehicle, w.Limit), w.From, w.To, grades, grades, path, path, p.ID)
	case task.TriggerService:
		err = s.r.SelectContext(ctx, &out, withLimit(s.q.PlanEventsService, w.Limit), w.FromAt, now, grades, grades, path, path, p.ID)
	case task.TriggerComplaintClosed:
		var n int
		if err := s.r.GetContext(ctx, &n, s.q.PlanTableExists, "tickets"); err != nil || n == 0 {
			return out, wrap(err)
		}
		err = s.r.SelectContext(ctx, &out, withLimit(s.q.PlanEventsComplaint, w.Limit), w.FromAt, now, grades, grades, path, path, p.ID)
	case task.TriggerPeriodicGrade:
		err = s.r.SelectContext(ctx, &out, withLimit(s.q.PlanEventsGrade, w.Limit), w.Occurrence, 0, grades, grades, path, path, p.ID, w.Occurrence)
	}
	for i := range out {
		if out[i].At != nil {
			t := out[i].At.UTC()
			out[i].At = &t
		}
	}
	return out, wrap(err)
}

// InsertPlanTasks inserts a plan's tasks in one transaction; the unique
// (plan, customer, occurrence) key drops the ones another run made first.
// One audit row records how many a run made.
func (s *Store) InsertPlanTasks(ctx context.Context, p task.Plan, ts []task.Task) (int, error) {
	made := 0
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		for _, t := range ts {
			res, err := tx.ExecContext(ctx, s.q.TaskInsertPlan, t.Title, t.CustomerID, t.OwnerID, t.DueOn, p.ID, t.Occurrence, now, now)
			if err != nil {
				return wrap(err)
			}
			n, _ := res.RowsAffected()
			made += int(n)
		}
		if made == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, audit.New(guanxi.SystemActor("follow_up_plans"), audit.ActionCreate, "task", 0,
			map[string]any{"plan_id": p.ID, "tasks": made}))
	})
	if err != nil {
		made = 0
	}
	return made, err
}
