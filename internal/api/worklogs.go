package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// WorkLogIO is a work log (kind log) or a visit form (kind visit).
type WorkLogIO struct {
	ID            guanxi.ID         `json:"id,omitempty" readOnly:"true"`
	Kind          string            `json:"kind" enum:"log,visit"`
	AuthorID      guanxi.ID         `json:"author_id,omitempty" readOnly:"true"`
	AuthorName    string            `json:"author_name,omitempty" readOnly:"true"`
	WorkOn        string            `json:"work_on" doc:"YYYY-MM-DD"`
	Content       string            `json:"content,omitempty" maxLength:"4000" doc:"Log: what was done"`
	Minutes       int               `json:"minutes,omitempty" minimum:"0" maximum:"1440" doc:"Log: time spent"`
	Destination   string            `json:"destination,omitempty" maxLength:"200" doc:"Visit: where"`
	PersonVisited string            `json:"person_visited,omitempty" maxLength:"100" doc:"Visit: whom"`
	Contact       string            `json:"contact,omitempty" maxLength:"100" doc:"Visit: how to reach them (masked for others when a phone)"`
	Purpose       string            `json:"purpose,omitempty" maxLength:"500"`
	Result        string            `json:"result,omitempty" maxLength:"2000"`
	CustomerIDs   []guanxi.ID       `json:"customer_ids,omitempty" doc:"Customers touched (a visit: at most one)"`
	Customers     []WorkLogCustomer `json:"customers,omitempty" readOnly:"true"`
	Status        string            `json:"status,omitempty" readOnly:"true" enum:"draft,submitted,approved,returned"`
	SubmittedAt   *time.Time        `json:"submitted_at,omitempty" readOnly:"true"`
	ReviewerName  string            `json:"reviewer_name,omitempty" readOnly:"true"`
	ReviewedAt    *time.Time        `json:"reviewed_at,omitempty" readOnly:"true"`
	ReviewComment string            `json:"review_comment,omitempty" readOnly:"true"`
	Version       int64             `json:"version,omitempty" readOnly:"true"`
}

// WorkLogCustomer is a customer a work log touched.
type WorkLogCustomer struct {
	ID   guanxi.ID `json:"id"`
	Name string    `json:"name"`
}

// ReviewIn approves or returns a submitted entry.
type ReviewIn struct {
	Decision string `json:"decision" enum:"approve,return"`
	Comment  string `json:"comment,omitempty" maxLength:"1000" doc:"Required to return"`
}

func workLogOut(e worklog.Entry, a guanxi.Actor) WorkLogIO {
	out := WorkLogIO{ID: e.ID, Kind: e.Kind, AuthorID: e.AuthorID, AuthorName: e.AuthorName, WorkOn: e.WorkOn,
		Content: e.Content, Minutes: e.Minutes, Destination: e.Destination, PersonVisited: e.PersonVisited,
		Contact: MaskContact(e.Contact, e.AuthorID == a.UserID), Purpose: e.Purpose, Result: e.Result,
		CustomerIDs: e.CustomerIDs, Status: e.Status, SubmittedAt: e.SubmittedAt, ReviewerName: e.ReviewerName,
		ReviewedAt: e.ReviewedAt, ReviewComment: e.ReviewComment, Version: e.Version}
	for _, c := range e.Customers {
		out.Customers = append(out.Customers, WorkLogCustomer{ID: c.ID, Name: c.Name})
	}
	return out
}

// MaskContact masks a visit's contact for anyone but its author when it
// holds a phone number (11+ digits or a landline).
func MaskContact(s string, own bool) string {
	if own {
		return s
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if digits >= 7 {
		return customer.MaskPhone(s)
	}
	return s
}

func (b WorkLogIO) entry(id guanxi.ID) worklog.Entry {
	return worklog.Entry{ID: id, Kind: b.Kind, WorkOn: b.WorkOn, Content: b.Content, Minutes: b.Minutes,
		Destination: b.Destination, PersonVisited: b.PersonVisited, Contact: b.Contact, Purpose: b.Purpose,
		Result: b.Result, CustomerIDs: b.CustomerIDs}
}

type workLogPath struct {
	ID guanxi.ID `path:"id" doc:"Work log id"`
}

type workLogListParams struct {
	ToReview bool      `query:"to_review" doc:"Submitted entries waiting for your review"`
	AuthorID guanxi.ID `query:"author_id" doc:"Default: yourself"`
	Status   string    `query:"status" enum:"draft,submitted,approved,returned"`
	From     string    `query:"from" doc:"YYYY-MM-DD"`
	To       string    `query:"to" doc:"YYYY-MM-DD"`
	Limit    int       `query:"limit" minimum:"0" maximum:"200"`
}

type workLogPut struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
	Body    WorkLogIO
}

type workLogAction struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
}

type workLogReview struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
	Body    ReviewIn
}

func (h *Handler) workLogRoutes(api humaAPI) {
	ws := h.app.WorkLogs
	one1 := func(ctx context.Context, a guanxi.Actor, e worklog.Entry) (*one[WorkLogIO], error) {
		got, err := ws.Get(ctx, a, e.ID)
		if err != nil {
			return nil, err
		}
		return &one[WorkLogIO]{ETag: etag(got.Version), Body: workLogOut(got, a)}, nil
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/work-logs", ID: "list-work-logs", Perm: guanxi.PermSelf},
		"Your work logs and visit forms, or those waiting for your review",
		func(ctx context.Context, a guanxi.Actor, in *workLogListParams) (*many[WorkLogIO], error) {
			list, err := ws.List(ctx, a, worklog.ListQuery{ToReview: in.ToReview, AuthorID: in.AuthorID, Status: in.Status,
				From: in.From, To: in.To, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			out := &many[WorkLogIO]{Body: []WorkLogIO{}}
			for _, e := range list {
				out.Body = append(out.Body, workLogOut(e, a))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/work-logs", ID: "create-work-log", Perm: guanxi.PermCustomerWrite},
		"Write a work log or visit form (a draft)", func(ctx context.Context, a guanxi.Actor, in *struct{ Body WorkLogIO }) (*one[WorkLogIO], error) {
			e := in.Body.entry(0)
			if err := ws.Create(ctx, a, &e); err != nil {
				return nil, err
			}
			return one1(ctx, a, e)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/work-logs/{id}", ID: "get-work-log", Perm: guanxi.PermSelf},
		"One work log or visit form", func(ctx context.Context, a guanxi.Actor, in *workLogPath) (*one[WorkLogIO], error) {
			return one1(ctx, a, worklog.Entry{ID: in.ID})
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/work-logs/{id}", ID: "update-work-log", Perm: guanxi.PermCustomerWrite},
		"Replace a draft or returned entry of your own (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *workLogPut) (*one[WorkLogIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			e := in.Body.entry(in.ID)
			if err := ws.Update(ctx, a, &e, v); err != nil {
				return nil, err
			}
			return one1(ctx, a, e)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/work-logs/{id}/submit", ID: "submit-work-log", Perm: guanxi.PermCustomerWrite},
		"Submit an entry for review (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *workLogAction) (*one[WorkLogIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			e, err := ws.Submit(ctx, a, in.ID, v)
			if err != nil {
				return nil, err
			}
			return one1(ctx, a, e)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/work-logs/{id}/review", ID: "review-work-log", Perm: guanxi.PermWorkReview},
		"Approve or return a submitted entry of your org subtree (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *workLogReview) (*one[WorkLogIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			e, err := ws.Review(ctx, a, in.ID, v, in.Body.Decision, in.Body.Comment)
			if err != nil {
				return nil, err
			}
			return one1(ctx, a, e)
		})
}
