package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// PlanIO is a follow-up plan: a trigger, an offset and the task it makes.
type PlanIO struct {
	ID          guanxi.ID  `json:"id,omitempty" readOnly:"true"`
	Name        string     `json:"name" maxLength:"100"`
	Trigger     string     `json:"trigger" enum:"vehicle_delivery,service,periodic_grade,complaint_closed"`
	OffsetDays  int        `json:"offset_days" minimum:"0" maximum:"366" doc:"Days after the event (periodic: after the 1st of the month)"`
	Grades      []string   `json:"grades,omitempty" doc:"Only customers of these grades (required for periodic_grade)"`
	OrgUnitID   *guanxi.ID `json:"org_unit_id,omitempty" doc:"Only customers owned in this org subtree (required for managers)"`
	OrgUnitName string     `json:"org_unit_name,omitempty" readOnly:"true"`
	Title       string     `json:"title" maxLength:"200" doc:"Task title; {customer} and {date} are filled in"`
	Active      bool       `json:"active"`
	StartsOn    string     `json:"starts_on,omitempty" doc:"YYYY-MM-DD; tasks fall due from this day (default today)"`
	Version     int64      `json:"version,omitempty" readOnly:"true"`
	UpdatedAt   time.Time  `json:"updated_at,omitzero" readOnly:"true"`
}

func planOut(p task.Plan) PlanIO {
	g := p.Grades
	if g == nil {
		g = []string{}
	}
	return PlanIO{ID: p.ID, Name: p.Name, Trigger: p.Trigger, OffsetDays: p.OffsetDays, Grades: g, OrgUnitID: p.OrgUnitID,
		OrgUnitName: p.OrgUnitName, Title: p.Title, Active: p.Active, StartsOn: p.StartsOn, Version: p.Version, UpdatedAt: p.UpdatedAt}
}

func (b PlanIO) plan(id guanxi.ID) task.Plan {
	return task.Plan{ID: id, Name: b.Name, Trigger: b.Trigger, OffsetDays: b.OffsetDays, Grades: b.Grades,
		OrgUnitID: b.OrgUnitID, Title: b.Title, Active: b.Active, StartsOn: b.StartsOn}
}

type planPath struct {
	ID guanxi.ID `path:"id" doc:"Plan id"`
}

type planPut struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
	Body    PlanIO
}

// PlanRunOut says how many tasks a run made.
type PlanRunOut struct {
	Tasks int `json:"tasks"`
}

func (h *Handler) planRoutes(api humaAPI) {
	ts := h.app.Tasks
	perm := guanxi.PermSurveyAdmin
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/follow-up-plans", ID: "list-plans", Perm: perm},
		"Follow-up plans you may see", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[PlanIO], error) {
			list, err := ts.Plans(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[PlanIO]{Body: []PlanIO{}}
			for _, p := range list {
				out.Body = append(out.Body, planOut(p))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/follow-up-plans", ID: "create-plan", Perm: perm},
		"Define a follow-up plan", func(ctx context.Context, a guanxi.Actor, in *struct{ Body PlanIO }) (*one[PlanIO], error) {
			p := in.Body.plan(0)
			if err := ts.SavePlan(ctx, a, &p, 0); err != nil {
				return nil, err
			}
			got, err := ts.Plan(ctx, a, p.ID)
			if err != nil {
				return nil, err
			}
			return &one[PlanIO]{ETag: etag(got.Version), Body: planOut(got)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/follow-up-plans/{id}", ID: "get-plan", Perm: perm},
		"One follow-up plan", func(ctx context.Context, a guanxi.Actor, in *planPath) (*one[PlanIO], error) {
			p, err := ts.Plan(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			return &one[PlanIO]{ETag: etag(p.Version), Body: planOut(p)}, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/follow-up-plans/{id}", ID: "update-plan", Perm: perm},
		"Replace a follow-up plan (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *planPut) (*one[PlanIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			p := in.Body.plan(in.ID)
			if err := ts.SavePlan(ctx, a, &p, v); err != nil {
				return nil, err
			}
			got, err := ts.Plan(ctx, a, p.ID)
			if err != nil {
				return nil, err
			}
			return &one[PlanIO]{ETag: etag(got.Version), Body: planOut(got)}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/follow-up-plans/run", ID: "run-plans", Perm: perm},
		"Run every active plan now (it also runs every 10 minutes)",
		func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*struct{ Body PlanRunOut }, error) {
			n, err := ts.RunPlansNow(ctx, a)
			if err != nil {
				return nil, err
			}
			return &struct{ Body PlanRunOut }{PlanRunOut{Tasks: n}}, nil
		})
}

// FollowUpLine is one row of the follow-up report.
type FollowUpLine struct {
	ID           guanxi.ID      `json:"id,omitempty"`
	Name         string         `json:"name"`
	Team         string         `json:"team,omitempty"`
	Due          int            `json:"due"`
	Done         int            `json:"done"`
	Overdue      int            `json:"overdue"`
	Rate         int            `json:"rate" doc:"Done as a percentage of due"`
	Interactions int            `json:"interactions"`
	ByChannel    map[string]int `json:"by_channel,omitempty"`
	ByPurpose    map[string]int `json:"by_purpose,omitempty"`
}

// FollowUpReport is the follow-up report (回访周报/月报) of the current
// week or month in your scope, with the trend of the last 8 periods.
type FollowUpReport struct {
	Period string         `json:"period" enum:"week,month"`
	From   string         `json:"from"`
	To     string         `json:"to"`
	Staff  []FollowUpLine `json:"staff"`
	Teams  []FollowUpLine `json:"teams"`
	Total  FollowUpLine   `json:"total"`
	Trend  []FollowUpLine `json:"trend" doc:"One line per period, oldest first; name is the first day"`
}

func reportLines(ls []task.Line) []FollowUpLine {
	out := make([]FollowUpLine, 0, len(ls))
	for _, l := range ls {
		out = append(out, reportLine(l))
	}
	return out
}

func reportLine(l task.Line) FollowUpLine {
	return FollowUpLine{ID: l.ID, Name: l.Name, Team: l.Team, Due: l.Due, Done: l.Done, Overdue: l.Overdue,
		Rate: l.Rate(), Interactions: l.Interactions, ByChannel: l.ByChannel, ByPurpose: l.ByPurpose}
}

func (h *Handler) followUpReportRoutes(api humaAPI) {
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/reports/followup", ID: "followup-report", Perm: guanxi.PermCustomerRead},
		"Follow-up report: tasks due/done/overdue and interactions per team and staff (survey.admin or audit.read)",
		func(ctx context.Context, a guanxi.Actor, in *struct {
			Period string `query:"period" enum:"week,month" doc:"Default week"`
		}) (*struct{ Body FollowUpReport }, error) {
			r, err := h.app.Tasks.Report(ctx, a, in.Period)
			if err != nil {
				return nil, err
			}
			out := FollowUpReport{Period: r.Kind, From: r.Current.From, To: r.Current.To, Staff: reportLines(r.Staff),
				Teams: reportLines(r.Teams), Total: reportLine(r.Total)}
			for _, l := range r.Trend {
				l.ByChannel, l.ByPurpose = nil, nil
				out.Trend = append(out.Trend, reportLine(l))
			}
			return &struct{ Body FollowUpReport }{out}, nil
		})
}
