package task

import (
	"context"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Plans lists the follow-up plans the actor may see: all for admins, the
// global ones and those of its org subtree for managers.
func (s *Service) Plans(ctx context.Context, a guanxi.Actor) ([]Plan, error) {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		return nil, err
	}
	all, err := s.Store.ListPlans(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Plan, 0, len(all))
	for _, p := range all {
		if ok, err := s.planVisible(ctx, a, p); err != nil {
			return nil, err
		} else if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// Plan returns one plan the actor may see.
func (s *Service) Plan(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Plan, error) {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		return Plan{}, err
	}
	p, err := s.Store.GetPlan(ctx, id)
	if err != nil {
		return Plan{}, err
	}
	if ok, err := s.planVisible(ctx, a, p); err != nil {
		return Plan{}, err
	} else if !ok {
		return Plan{}, guanxi.NotFound("error.not_found")
	}
	return p, nil
}

// planVisible: global plans and plans of the actor's subtree.
func (s *Service) planVisible(ctx context.Context, a guanxi.Actor, p Plan) (bool, error) {
	if a.Scope() == guanxi.ScopeAll || p.OrgUnitID == nil {
		return true, nil
	}
	return s.inSubtree(ctx, a, *p.OrgUnitID)
}

func (s *Service) inSubtree(ctx context.Context, a guanxi.Actor, unit guanxi.ID) (bool, error) {
	path, err := s.Store.UnitPath(ctx, unit)
	if err != nil {
		if guanxi.KindOf(err) == guanxi.KindNotFound {
			return false, nil
		}
		return false, err
	}
	return a.OrgPath != "" && strings.HasPrefix(path, a.OrgPath), nil
}

// SavePlan creates (ID 0) or updates a plan at version. A manager's plans
// are for an org unit of its subtree; only admins make global plans.
func (s *Service) SavePlan(ctx context.Context, a guanxi.Actor, p *Plan, version int64) error {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		return err
	}
	if p.ID != 0 {
		cur, err := s.Plan(ctx, a, p.ID)
		if err != nil {
			return err
		}
		if cur.OrgUnitID == nil && a.Scope() != guanxi.ScopeAll {
			return guanxi.Forbidden("error.forbidden")
		}
		if p.StartsOn == "" {
			p.StartsOn = cur.StartsOn
		}
	}
	if p.StartsOn == "" {
		p.StartsOn = s.Today()
	}
	if err := ValidatePlan(p); err != nil {
		return err
	}
	if a.Scope() != guanxi.ScopeAll {
		if p.OrgUnitID == nil {
			return guanxi.Invalid(guanxi.Field("org_unit_id", "validation.required"))
		}
		if ok, err := s.inSubtree(ctx, a, *p.OrgUnitID); err != nil {
			return err
		} else if !ok {
			return guanxi.Invalid(guanxi.Field("org_unit_id", "validation.org_unit_scope"))
		}
	} else if p.OrgUnitID != nil {
		if _, err := s.Store.UnitPath(ctx, *p.OrgUnitID); err != nil {
			return guanxi.Invalid(guanxi.Field("org_unit_id", "validation.org_unit_scope"))
		}
	}
	return s.Store.SavePlan(ctx, a, p, version)
}

// RunPlans makes the tasks every active plan owes at now. It is safe to run
// twice or on several servers at once: the store inserts each (plan,
// customer, occurrence) once.
func (s *Service) RunPlans(ctx context.Context, now time.Time) (int, error) {
	plans, err := s.Store.ListPlans(ctx)
	if err != nil {
		return 0, err
	}
	today := now.In(s.loc()).Format(time.DateOnly)
	total := 0
	for _, p := range plans {
		w, ok := WindowFor(p, today, s.loc())
		if !ok {
			continue
		}
		// Events already made into tasks drop out of the next read, so
		// this ends; the bound guards against a store that misbehaves.
		for range 1000 {
			evs, err := s.Store.PlanEvents(ctx, p, w)
			if err != nil {
				return total, err
			}
			if len(evs) == 0 {
				break
			}
			ts := make([]Task, 0, len(evs))
			for _, e := range evs {
				ts = append(ts, TaskFor(p, e, today, s.loc()))
			}
			n, err := s.Store.InsertPlanTasks(ctx, p, ts)
			if err != nil {
				return total, err
			}
			total += n
			if len(evs) < w.Limit {
				break
			}
		}
	}
	return total, nil
}

// RunPlansNow runs the plans for an admin or manager who does not want to
// wait for the next periodic run.
func (s *Service) RunPlansNow(ctx context.Context, a guanxi.Actor) (int, error) {
	if err := need(a, guanxi.PermSurveyAdmin); err != nil {
		return 0, err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	return s.RunPlans(ctx, now)
}

// Job is RunPlans in the shape of a periodic job.
func (s *Service) Job(ctx context.Context, now time.Time) error {
	_, err := s.RunPlans(ctx, now)
	return err
}

// ChinaTime is the business time zone: Asia/Shanghai, or UTC+8 (China keeps
// no daylight saving) where the zone database is missing.
func ChinaTime() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}
