package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/staff"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// planListView lists the follow-up plans (回访计划).
type planListView struct {
	Base
	Plans []task.Plan
}

// planFormView edits one plan; Grades is the list as typed.
type planFormView struct {
	Base
	P      task.Plan
	Grades string
	IsNew  bool
	Units  []staff.OrgUnit
}

// Triggers lists the plan triggers.
func (b *Base) Triggers() []string { return task.Triggers }

func (h *Handler) planList(w http.ResponseWriter, r *http.Request) error {
	v := &planListView{Base: h.base(r, "web.plans.title", "plans")}
	var err error
	if v.Plans, err = h.app.Tasks.Plans(r.Context(), actor(r)); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "plans", v)
}

func (h *Handler) planForm(r *http.Request, p task.Plan, isNew bool) (*planFormView, error) {
	title := "web.plans.edit"
	if isNew {
		title = "web.plans.new"
	}
	v := &planFormView{Base: h.base(r, title, "plans"), P: p, IsNew: isNew, Grades: strings.Join(p.Grades, ",")}
	units, err := h.app.Staff.ListUnits(r.Context(), actor(r))
	if err != nil {
		return nil, err
	}
	a := actor(r)
	for _, u := range units {
		if a.Scope() == guanxi.ScopeAll || strings.HasPrefix(u.Path, a.OrgPath) {
			v.Units = append(v.Units, u)
		}
	}
	return v, nil
}

func (h *Handler) planNew(w http.ResponseWriter, r *http.Request) error {
	p := task.Plan{Trigger: task.TriggerVehicleDelivery, OffsetDays: 3, Active: true, StartsOn: h.app.Tasks.Today()}
	if a := actor(r); a.Scope() != guanxi.ScopeAll {
		unit := a.OrgUnitID
		p.OrgUnitID = &unit
	}
	v, err := h.planForm(r, p, true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "plan_form", v)
}

func readPlanForm(r *http.Request, p *task.Plan) string {
	p.Name = r.PostFormValue("name")
	p.Trigger = r.PostFormValue("trigger")
	p.OffsetDays, _ = strconv.Atoi(strings.TrimSpace(r.PostFormValue("offset_days")))
	grades := r.PostFormValue("grades")
	p.Grades = task.ParseGrades(grades)
	p.OrgUnitID = nil
	if id := formID(r, "org_unit_id"); id != 0 {
		p.OrgUnitID = &id
	}
	p.Title = r.PostFormValue("title")
	p.Active = r.PostFormValue("active") == "1"
	p.StartsOn = strings.TrimSpace(r.PostFormValue("starts_on"))
	return grades
}

func (h *Handler) planCreate(w http.ResponseWriter, r *http.Request) error {
	var p task.Plan
	grades := readPlanForm(r, &p)
	if err := h.app.Tasks.SavePlan(r.Context(), actor(r), &p, 0); err != nil {
		v, verr := h.planForm(r, p, true)
		if verr != nil {
			return verr
		}
		v.Grades = grades
		return h.formError(w, r, err, "plan_form", v)
	}
	h.flash(r.Context(), "web.flash.created")
	return redirect(w, r, "/plans")
}

func (h *Handler) planEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := h.app.Tasks.Plan(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	v, err := h.planForm(r, p, false)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "plan_form", v)
}

func (h *Handler) planUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	cur, err := h.app.Tasks.Plan(r.Context(), a, id)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	p := cur
	grades := readPlanForm(r, &p)
	if err := h.app.Tasks.SavePlan(r.Context(), a, &p, version); err != nil {
		p.Version = version
		v, verr := h.planForm(r, p, false)
		if verr != nil {
			return verr
		}
		v.Grades = grades
		return h.formError(w, r, err, "plan_form", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/plans")
}

// planRun makes the owed tasks now instead of at the next periodic run.
func (h *Handler) planRun(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.app.Tasks.RunPlansNow(r.Context(), actor(r)); err != nil {
		return err
	}
	h.flash(r.Context(), "web.flash.plans_ran")
	return redirect(w, r, "/plans")
}
