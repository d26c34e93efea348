package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// TaskOut is one task.
type TaskOut struct {
	ID            guanxi.ID  `json:"id"`
	Kind          string     `json:"kind" enum:"follow_up,next_action,plan,manual"`
	Title         string     `json:"title"`
	Notes         string     `json:"notes,omitempty"`
	CustomerID    guanxi.ID  `json:"customer_id"`
	CustomerName  string     `json:"customer_name"`
	OwnerID       guanxi.ID  `json:"owner_id"`
	OwnerName     string     `json:"owner_name"`
	DueOn         string     `json:"due_on" format:"date"`
	Overdue       bool       `json:"overdue"`
	Status        string     `json:"status" enum:"open,done,skipped,failed"`
	Outcome       string     `json:"outcome,omitempty"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	PlanID        *guanxi.ID `json:"plan_id,omitempty"`
	InteractionID *guanxi.ID `json:"interaction_id,omitempty" doc:"The follow-up interaction logged when the task was done"`
	Version       int64      `json:"version"`
	CreatedAt     time.Time  `json:"created_at"`
}

// TaskIn creates a task by hand.
type TaskIn struct {
	CustomerID guanxi.ID `json:"customer_id" minimum:"1"`
	Title      string    `json:"title" maxLength:"200"`
	Notes      string    `json:"notes,omitempty" maxLength:"2000"`
	DueOn      string    `json:"due_on" doc:"YYYY-MM-DD"`
	OwnerID    guanxi.ID `json:"owner_id,omitempty" doc:"Default: the customer's owner"`
	Kind       string    `json:"kind,omitempty" enum:"follow_up,manual" doc:"Default manual"`
}

// TaskCloseIn ends an open task; log records the follow-up interaction.
type TaskCloseIn struct {
	Status  string     `json:"status" enum:"done,skipped,failed"`
	Outcome string     `json:"outcome,omitempty" maxLength:"500" doc:"Required for skipped and failed"`
	Log     *TaskLogIn `json:"log,omitempty" doc:"Log the follow-up contact (done only)"`
}

// TaskLogIn is the interaction logged with a done task.
type TaskLogIn struct {
	Channel    string    `json:"channel" enum:"phone,sms,email,wechat,visit,store_visit,letter,other"`
	Direction  string    `json:"direction,omitempty" enum:"in,out"`
	Purpose    string    `json:"purpose,omitempty" enum:"follow_up,care,sales,service,collection"`
	Summary    string    `json:"summary,omitempty" maxLength:"2000" doc:"Default: the task title and outcome"`
	OccurredAt time.Time `json:"occurred_at,omitzero"`
}

// StaffCompletionOut is one staff member's day.
type StaffCompletionOut struct {
	OwnerID   guanxi.ID `json:"owner_id"`
	OwnerName string    `json:"owner_name"`
	Due       int       `json:"due"`
	Done      int       `json:"done"`
	Overdue   int       `json:"overdue"`
	Rate      int       `json:"rate" doc:"Done as a percentage of due"`
}

// TodayOut is the caller's today page.
type TodayOut struct {
	Date         string               `json:"date" format:"date"`
	Due          []TaskOut            `json:"due" doc:"Open tasks due today or overdue, overdue first"`
	DueMore      bool                 `json:"due_more,omitempty" doc:"More tasks are due than listed: page through GET /api/v1/tasks?due_to={date}"`
	Upcoming     []TaskOut            `json:"upcoming" doc:"Open tasks of the next 7 days"`
	UpcomingMore bool                 `json:"upcoming_more,omitempty" doc:"More tasks fall in the next 7 days than listed"`
	Team         []StaffCompletionOut `json:"team,omitempty" doc:"Per-staff completion of today, for reviewers"`
}

func taskOut(t task.Task, today string) TaskOut {
	return TaskOut{ID: t.ID, Kind: t.Kind, Title: t.Title, Notes: t.Notes, CustomerID: t.CustomerID,
		CustomerName: t.CustomerName, OwnerID: t.OwnerID, OwnerName: t.OwnerName, DueOn: t.DueOn,
		Overdue: t.Overdue(today), Status: t.Status, Outcome: t.Outcome, ClosedAt: t.ClosedAt, PlanID: t.PlanID,
		InteractionID: t.InteractionID, Version: t.Version, CreatedAt: t.CreatedAt}
}

func tasksOut(ts []task.Task, today string) []TaskOut {
	out := make([]TaskOut, 0, len(ts))
	for _, t := range ts {
		out = append(out, taskOut(t, today))
	}
	return out
}

type taskPath struct {
	ID guanxi.ID `path:"id" doc:"Task id"`
}

type taskListParams struct {
	OwnerID guanxi.ID `query:"owner_id" doc:"Default: yourself"`
	Status  string    `query:"status" enum:"open,done,skipped,failed" doc:"Default open"`
	DueFrom string    `query:"due_from" doc:"YYYY-MM-DD"`
	DueTo   string    `query:"due_to" doc:"YYYY-MM-DD"`
	Limit   int       `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 100, at most 200"`
	Cursor  string    `query:"cursor" doc:"next_cursor of the page before"`
}

type customerTaskParams struct {
	ID     guanxi.ID `path:"id" doc:"Customer id"`
	Status string    `query:"status" enum:"open,done,skipped,failed" doc:"Default open"`
	Limit  int       `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 100, at most 200"`
	Cursor string    `query:"cursor" doc:"next_cursor of the page before"`
}

type taskClose struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match" doc:"The ETag of the task"`
	Body    TaskCloseIn
}

func (h *Handler) taskRoutes(api humaAPI) {
	ts := h.app.Tasks
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/tasks/today", ID: "tasks-today", Perm: guanxi.PermCustomerRead},
		"Your today page: tasks due and overdue, the next 7 days, and your team's completion",
		func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*struct{ Body TodayOut }, error) {
			d, err := ts.Day(ctx, a)
			if err != nil {
				return nil, err
			}
			out := TodayOut{Date: d.Date, Due: tasksOut(d.Due, d.Date), DueMore: d.DueMore, Upcoming: tasksOut(d.Upcoming, d.Date),
				UpcomingMore: d.UpcomingMore}
			for _, c := range d.Team {
				out.Team = append(out.Team, StaffCompletionOut{OwnerID: c.OwnerID, OwnerName: c.OwnerName, Due: c.Due,
					Done: c.Done, Overdue: c.Overdue, Rate: c.Rate()})
			}
			return &struct{ Body TodayOut }{out}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/tasks", ID: "list-tasks", Perm: guanxi.PermCustomerRead},
		"Tasks of an owner (default yourself) by status and due range, in your customer scope: by due day, cursor paging",
		func(ctx context.Context, a guanxi.Actor, in *taskListParams) (*taskPage, error) {
			return taskPageOut(ctx, a, ts, task.ListQuery{OwnerID: in.OwnerID, Status: in.Status, DueFrom: in.DueFrom,
				DueTo: in.DueTo, Limit: in.Limit, Cursor: in.Cursor})
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/tasks", ID: "create-task", Perm: guanxi.PermCustomerWrite},
		"Add a task for a customer", func(ctx context.Context, a guanxi.Actor, in *struct{ Body TaskIn }) (*one[TaskOut], error) {
			b := in.Body
			t := task.Task{Kind: b.Kind, Title: b.Title, Notes: b.Notes, CustomerID: b.CustomerID, DueOn: b.DueOn, OwnerID: b.OwnerID}
			if err := ts.Create(ctx, a, &t); err != nil {
				return nil, err
			}
			got, err := ts.Get(ctx, a, t.ID)
			if err != nil {
				return nil, err
			}
			return &one[TaskOut]{ETag: etag(got.Version), Body: taskOut(got, ts.Today())}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/tasks/{id}", ID: "get-task", Perm: guanxi.PermCustomerRead},
		"One task", func(ctx context.Context, a guanxi.Actor, in *taskPath) (*one[TaskOut], error) {
			t, err := ts.Get(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			return &one[TaskOut]{ETag: etag(t.Version), Body: taskOut(t, ts.Today())}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/tasks/{id}/close", ID: "close-task", Perm: guanxi.PermCustomerWrite},
		"Mark a task done, skipped or failed (If-Match required); done can log the follow-up interaction",
		func(ctx context.Context, a guanxi.Actor, in *taskClose) (*one[TaskOut], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			var log *customer.Interaction
			if l := in.Body.Log; l != nil {
				log = &customer.Interaction{Channel: l.Channel, Direction: l.Direction, Purpose: l.Purpose,
					Summary: l.Summary, OccurredAt: l.OccurredAt}
			}
			t, err := ts.Complete(ctx, a, in.ID, v, task.Close{Status: in.Body.Status, Outcome: in.Body.Outcome}, log)
			if err != nil {
				return nil, err
			}
			return &one[TaskOut]{ETag: etag(t.Version), Body: taskOut(t, ts.Today())}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/customers/{id}/tasks", ID: "list-customer-tasks", Perm: guanxi.PermCustomerRead},
		"Tasks of a customer by due day, cursor paging", func(ctx context.Context, a guanxi.Actor, in *customerTaskParams) (*taskPage, error) {
			return taskPageOut(ctx, a, ts, task.ListQuery{CustomerID: in.ID, Status: in.Status, Limit: in.Limit, Cursor: in.Cursor})
		})
}

type taskPage struct{ Body Page[TaskOut] }

// taskPageOut answers a page of tasks; a bad filter or cursor names its
// query parameter.
func taskPageOut(ctx context.Context, a guanxi.Actor, ts *task.Service, q task.ListQuery) (*taskPage, error) {
	p, err := ts.Page(ctx, a, q)
	if err != nil {
		return nil, relocate(err, "query")
	}
	return &taskPage{Body: Page[TaskOut]{Items: tasksOut(p.Items, ts.Today()), NextCursor: p.NextCursor}}, nil
}

// workRoutes are tasks, follow-up plans, work logs and the follow-up report.
func (h *Handler) workRoutes(api humaAPI) {
	h.taskRoutes(api)
	h.planRoutes(api)
	h.workLogRoutes(api)
	h.followUpReportRoutes(api)
}
