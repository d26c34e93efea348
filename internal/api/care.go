package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// CareRuleIO is a care rule (关怀规则).
type CareRuleIO struct {
	ID            guanxi.ID      `json:"id,omitempty" readOnly:"true"`
	Name          string         `json:"name" maxLength:"100"`
	Kind          string         `json:"kind" enum:"birthday,festival,anniversary,service_due,expiry,loan_due,dormancy"`
	Festivals     []string       `json:"festivals,omitempty" doc:"festival: festival keys (spring_festival, mid_autumn, …)"`
	HoldingKinds  []string       `json:"holding_kinds,omitempty" doc:"anniversary, expiry: holding kinds"`
	Months        int            `json:"months,omitempty" minimum:"0" maximum:"60" doc:"service_due: every N months"`
	KM            int            `json:"km,omitempty" minimum:"0" maximum:"200000" doc:"service_due: every M km"`
	KMPerMonth    int            `json:"km_per_month,omitempty" minimum:"0" maximum:"50000" doc:"service_due: average km a month when the vehicle has none"`
	Offsets       []int          `json:"offsets,omitempty" doc:"expiry, loan_due: days before due_on (default 30, 7, 1)"`
	DormantMonths int            `json:"dormant_months,omitempty" minimum:"0" maximum:"60" doc:"dormancy: months without activity (default 6)"`
	Activity      string         `json:"activity,omitempty" enum:"visit,any" doc:"dormancy: what counts as activity"`
	Audience      map[string]any `json:"audience,omitempty" doc:"A filter of the customer list's filter language; none = everyone"`
	Channel       string         `json:"channel" enum:"sms,email,none"`
	Template      string         `json:"template,omitempty" maxLength:"100" doc:"Outbox template; default care.<kind>"`
	CreateTask    bool           `json:"create_task" doc:"Make a task for the customer's owner"`
	TaskTitle     string         `json:"task_title,omitempty" maxLength:"200" doc:"{customer} and {date} are filled in"`
	LeadDays      int            `json:"lead_days,omitempty" minimum:"0" maximum:"60"`
	QuietStart    string         `json:"quiet_start,omitempty" doc:"HH:MM, Asia/Shanghai"`
	QuietEnd      string         `json:"quiet_end,omitempty" doc:"HH:MM"`
	CapCount      int            `json:"cap_count,omitempty" minimum:"0" maximum:"100" doc:"At most this many care messages per customer…"`
	CapDays       int            `json:"cap_days,omitempty" minimum:"0" maximum:"366" doc:"…in this many days, across rules"`
	Enabled       bool           `json:"enabled"`
	LastRunAt     *time.Time     `json:"last_run_at,omitempty" readOnly:"true"`
	Version       int64          `json:"version,omitempty" readOnly:"true"`
}

func careRuleOut(r care.Rule) CareRuleIO {
	out := CareRuleIO{ID: r.ID, Name: r.Name, Kind: r.Kind, Festivals: r.Params.Festivals, HoldingKinds: r.Params.HoldingKinds,
		Months: r.Params.Months, KM: r.Params.KM, KMPerMonth: r.Params.KMPerMonth, Offsets: r.Params.Offsets,
		DormantMonths: r.Params.DormantMonths, Activity: r.Params.Activity, Channel: r.Channel, Template: r.Template,
		CreateTask: r.CreateTask, TaskTitle: r.TaskTitle, LeadDays: r.LeadDays, QuietStart: r.QuietStart,
		QuietEnd: r.QuietEnd, CapCount: r.CapCount, CapDays: r.CapDays, Enabled: r.Enabled, LastRunAt: r.LastRunAt,
		Version: r.Version}
	if r.Audience != "" {
		_ = json.Unmarshal([]byte(r.Audience), &out.Audience)
	}
	return out
}

func (b CareRuleIO) rule(id guanxi.ID) care.Rule {
	r := care.Rule{ID: id, Name: b.Name, Kind: b.Kind, Channel: b.Channel, Template: b.Template, CreateTask: b.CreateTask,
		TaskTitle: b.TaskTitle, LeadDays: b.LeadDays, QuietStart: b.QuietStart, QuietEnd: b.QuietEnd,
		CapCount: b.CapCount, CapDays: b.CapDays, Enabled: b.Enabled,
		Params: care.Params{Festivals: b.Festivals, HoldingKinds: b.HoldingKinds, Months: b.Months, KM: b.KM,
			KMPerMonth: b.KMPerMonth, Offsets: b.Offsets, DormantMonths: b.DormantMonths, Activity: b.Activity}}
	if len(b.Audience) > 0 {
		raw, _ := json.Marshal(b.Audience)
		r.Audience = string(raw)
	}
	return r
}

// CareEventIO is one (rule, customer, occurrence) a run handled.
type CareEventIO struct {
	ID           guanxi.ID  `json:"id"`
	RuleID       guanxi.ID  `json:"rule_id"`
	RuleName     string     `json:"rule_name"`
	Kind         string     `json:"kind"`
	CustomerID   guanxi.ID  `json:"customer_id"`
	CustomerName string     `json:"customer_name"`
	Occurrence   string     `json:"occurrence"`
	EventOn      string     `json:"event_on"`
	Status       string     `json:"status" enum:"fired,suppressed,capped"`
	Reason       string     `json:"reason,omitempty"`
	Channel      string     `json:"channel"`
	TaskID       *guanxi.ID `json:"task_id,omitempty"`
	ChurnReason  string     `json:"churn_reason,omitempty"`
	UsageNote    string     `json:"usage_note,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// CareRunOut counts a run.
type CareRunOut struct {
	Body care.Result
}

// ChurnCloseIn closes a churn-risk task with the reason (流失原因).
type ChurnCloseIn struct {
	Status      string `json:"status" enum:"done,skipped,failed"`
	Outcome     string `json:"outcome,omitempty" maxLength:"500"`
	ChurnReason string `json:"churn_reason,omitempty" doc:"A reason code; required when done"`
	UsageNote   string `json:"usage_note,omitempty" maxLength:"500" doc:"How the customer uses the vehicle now"`
}

// CareReportOut is the care report of a period.
type CareReportOut struct {
	From    string            `json:"from"`
	To      string            `json:"to"`
	Churned int               `json:"churned" doc:"Churn calls closed with a reason"`
	Dormant int               `json:"dormant" doc:"Customers that turned dormant in the period"`
	Base    int               `json:"base" doc:"Customers at the start of the period"`
	Rate    float64           `json:"churn_rate" doc:"KPI-18: dormant ÷ base, percent"`
	Reasons []CareReasonShare `json:"reasons"`
	Staff   []CareLine        `json:"staff"`
	Teams   []CareLine        `json:"teams"`
	Total   CareLine          `json:"total"`
}

// CareReasonShare is one churn reason's count and share (shares sum to 100).
type CareReasonShare struct {
	Code string `json:"code"`
	N    int    `json:"n"`
	Pct  int    `json:"pct"`
}

// CareLine is the care completion of a staff member, a team or everyone.
type CareLine struct {
	ID      guanxi.ID `json:"id,omitempty"`
	Name    string    `json:"name,omitempty"`
	Team    string    `json:"team,omitempty"`
	Open    int       `json:"open"`
	Done    int       `json:"done"`
	Skipped int       `json:"skipped"`
	Failed  int       `json:"failed"`
	Overdue int       `json:"overdue"`
	Rate    int       `json:"rate" doc:"done of all, percent"`
}

func careLine(l care.Line) CareLine {
	return CareLine{ID: l.ID, Name: l.Name, Team: l.Team, Open: l.Open, Done: l.Done, Skipped: l.Skipped,
		Failed: l.Failed, Overdue: l.Overdue, Rate: l.Rate()}
}

type careRulePath struct {
	ID guanxi.ID `path:"id" doc:"Care rule id"`
}

type careRulePut struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
	Body    CareRuleIO
}

type careRuleDelete struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
}

type careEventParams struct {
	RuleID     guanxi.ID `query:"rule_id"`
	CustomerID guanxi.ID `query:"customer_id"`
	Status     string    `query:"status" enum:"fired,suppressed,capped"`
	Limit      int       `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50, at most 200"`
	Cursor     string    `query:"cursor" doc:"next_cursor of the page before"`
}

type careReportParams struct {
	From string `query:"from" doc:"YYYY-MM-DD; default 30 days before to"`
	To   string `query:"to" doc:"YYYY-MM-DD; default today"`
}

type churnClose struct {
	ID      guanxi.ID `path:"id" doc:"Task id"`
	IfMatch string    `header:"If-Match"`
	Body    ChurnCloseIn
}

// careRoutes registers this module's operations.
func (h *Handler) careRoutes(api humaAPI) {
	cs := func() *care.Service { return h.app.Care }
	one1 := func(ctx context.Context, a guanxi.Actor, id guanxi.ID) (*one[CareRuleIO], error) {
		r, err := cs().Rule(ctx, a, id)
		if err != nil {
			return nil, err
		}
		return &one[CareRuleIO]{ETag: etag(r.Version), Body: careRuleOut(r)}, nil
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/care-rules", ID: "list-care-rules", Perm: guanxi.PermCareAdmin},
		"Care rules", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[CareRuleIO], error) {
			rs, err := cs().Rules(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[CareRuleIO]{Body: []CareRuleIO{}}
			for _, r := range rs {
				out.Body = append(out.Body, careRuleOut(r))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/care-rules", ID: "create-care-rule", Perm: guanxi.PermCareAdmin},
		"Create a care rule", func(ctx context.Context, a guanxi.Actor, in *struct{ Body CareRuleIO }) (*one[CareRuleIO], error) {
			r := in.Body.rule(0)
			if err := cs().Save(ctx, a, &r, 0); err != nil {
				return nil, err
			}
			return one1(ctx, a, r.ID)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/care-rules/{id}", ID: "get-care-rule", Perm: guanxi.PermCareAdmin},
		"One care rule", func(ctx context.Context, a guanxi.Actor, in *careRulePath) (*one[CareRuleIO], error) {
			return one1(ctx, a, in.ID)
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/care-rules/{id}", ID: "update-care-rule", Perm: guanxi.PermCareAdmin},
		"Replace a care rule (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *careRulePut) (*one[CareRuleIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			r := in.Body.rule(in.ID)
			if err := cs().Save(ctx, a, &r, v); err != nil {
				return nil, err
			}
			return one1(ctx, a, r.ID)
		})
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/care-rules/{id}", ID: "delete-care-rule", Perm: guanxi.PermCareAdmin},
		"Delete a care rule; its events stay for the reports (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *careRuleDelete) (*noContent, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &noContent{}, cs().Delete(ctx, a, in.ID, v)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/care-rules/{id}/run", ID: "run-care-rule", Perm: guanxi.PermCareAdmin},
		"Run a care rule now (each occurrence still fires once)", func(ctx context.Context, a guanxi.Actor, in *careRulePath) (*CareRunOut, error) {
			res, err := cs().RunNow(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			return &CareRunOut{Body: res}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/care-events", ID: "list-care-events", Perm: guanxi.PermCustomerRead},
		"Care events of the customers in your scope, newest first, cursor paging", func(ctx context.Context, a guanxi.Actor, in *careEventParams) (*struct{ Body Page[CareEventIO] }, error) {
			page, err := cs().Events(ctx, a, care.EventQuery{RuleID: in.RuleID, CustomerID: in.CustomerID, Status: in.Status,
				Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, relocate(err, "query")
			}
			out := &struct{ Body Page[CareEventIO] }{Body: Page[CareEventIO]{Items: make([]CareEventIO, 0, len(page.Items)), NextCursor: page.NextCursor}}
			for _, e := range page.Items {
				out.Body.Items = append(out.Body.Items, CareEventIO{ID: e.ID, RuleID: e.RuleID, RuleName: e.RuleName, Kind: e.Kind,
					CustomerID: e.CustomerID, CustomerName: e.CustomerName, Occurrence: e.Occurrence, EventOn: e.EventOn,
					Status: e.Status, Reason: e.Reason, Channel: e.Channel, TaskID: e.TaskID, ChurnReason: e.ChurnReason,
					UsageNote: e.UsageNote, CreatedAt: e.CreatedAt})
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/care-churn-reasons", ID: "list-churn-reasons", Perm: guanxi.PermCustomerRead},
		"Churn reason codes (流失原因)", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[care.Reason], error) {
			rs, err := cs().Reasons(ctx)
			if err != nil {
				return nil, err
			}
			return &many[care.Reason]{Body: rs}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/care-churn-tasks/{id}/close", ID: "close-churn-task", Perm: guanxi.PermCustomerWrite},
		"Close a churn-risk task with the reason and vehicle-usage note (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *churnClose) (*noContent, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &noContent{}, cs().CloseChurn(ctx, a, in.ID, v, task.Close{Status: in.Body.Status, Outcome: in.Body.Outcome},
				in.Body.ChurnReason, in.Body.UsageNote)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/care-report", ID: "care-report", Perm: guanxi.PermCareReport},
		"Churn reasons and care completion per owner and team for a period", func(ctx context.Context, a guanxi.Actor, in *careReportParams) (*struct{ Body CareReportOut }, error) {
			r, err := cs().Report(ctx, a, in.From, in.To)
			if err != nil {
				return nil, err
			}
			out := CareReportOut{From: r.From, To: r.To, Churned: r.Churned, Dormant: r.Dormant, Base: r.Base, Rate: r.ChurnRate(), Reasons: []CareReasonShare{},
				Staff: []CareLine{}, Teams: []CareLine{}, Total: careLine(r.Total)}
			for _, x := range r.Reasons {
				out.Reasons = append(out.Reasons, CareReasonShare{Code: x.Code, N: x.N, Pct: x.Pct})
			}
			for _, l := range r.Staff {
				out.Staff = append(out.Staff, careLine(l))
			}
			for _, l := range r.Teams {
				out.Teams = append(out.Teams, careLine(l))
			}
			return &struct{ Body CareReportOut }{Body: out}, nil
		})
}
