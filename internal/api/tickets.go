package api

import (
	"context"
	"net/http"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

type ticketListIn struct {
	Status     string    `query:"status" doc:"registered, confirmed, routed, handled, fed_back, closed, merged"`
	Open       bool      `query:"open" doc:"Only open tickets"`
	CategoryID guanxi.ID `query:"category_id" doc:"The category or its children"`
	Severity   string    `query:"severity"`
	OrgUnitID  guanxi.ID `query:"org_unit_id"`
	AssigneeID guanxi.ID `query:"assignee_id"`
	CustomerID guanxi.ID `query:"customer_id"`
	Overdue    bool      `query:"overdue" doc:"Open tickets past their resolution due time"`
	Limit      int       `query:"limit" minimum:"0" maximum:"200"`
	Cursor     string    `query:"cursor"`
}

// ticketOne answers with the ticket; Status lets a step (a POST that
// changes, not creates) answer 200.
type ticketOne struct {
	Status int
	ETag   string `header:"ETag"`
	Body   TicketOut
}

type noticeOne struct {
	Status int
	ETag   string `header:"ETag"`
	Body   NoticeOut
}

type ticketIDPath struct {
	ID guanxi.ID `path:"id" doc:"Ticket id"`
}

type ticketStepIn struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match" doc:"The ETag of the ticket version you acted on"`
	Body    StepIn
}

type noticeIn struct {
	ID   guanxi.ID `path:"id"`
	Body struct {
		OrgUnitID   guanxi.ID `json:"org_unit_id"`
		Problem     string    `json:"problem" maxLength:"4000"`
		Requirement string    `json:"requirement,omitempty" maxLength:"4000"`
		Deadline    string    `json:"deadline" doc:"YYYY-MM-DD"`
	}
}

type noticeStepIn struct {
	ID      guanxi.ID `path:"id"`
	SubID   guanxi.ID `path:"sub" doc:"Notice id"`
	IfMatch string    `header:"If-Match"`
	Body    struct {
		Step string `json:"step" enum:"respond,verify,reject"`
		Text string `json:"text,omitempty" maxLength:"4000"`
	}
}

func (h *Handler) ticketOne(ctx context.Context, a guanxi.Actor, id guanxi.ID) (*ticketOne, error) {
	t, err := h.app.Tickets.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return &ticketOne{Status: http.StatusOK, ETag: etag(t.Version), Body: ticketOut(t, a)}, nil
}

// ticketRoutes registers complaints, their settings and notifications.
func (h *Handler) ticketRoutes(api humaAPI) {
	h.ticketCaseRoutes(api)
	h.ticketAdminRoutes(api)
	h.notificationRoutes(api)
}

func (h *Handler) ticketCaseRoutes(api humaAPI) {
	ts := h.app.Tickets
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/tickets", ID: "list-tickets", Perm: guanxi.PermTicketRead},
		"The complaint board: filtered, newest first, cursor paging", func(ctx context.Context, a guanxi.Actor, in *ticketListIn) (*struct{ Body Page[TicketOut] }, error) {
			page, err := ts.List(ctx, a, ticket.ListQuery{Status: ticket.Status(in.Status), Open: in.Open, CategoryID: in.CategoryID,
				Severity: ticket.Severity(in.Severity), OrgUnitID: in.OrgUnitID, AssigneeID: in.AssigneeID,
				CustomerID: in.CustomerID, Overdue: in.Overdue, Limit: in.Limit, Cursor: in.Cursor})
			if err != nil {
				return nil, relocate(err, "query")
			}
			out := &struct{ Body Page[TicketOut] }{Body: Page[TicketOut]{Items: make([]TicketOut, 0, len(page.Items)), NextCursor: page.NextCursor}}
			for _, t := range page.Items {
				out.Body.Items = append(out.Body.Items, ticketOut(t, a))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/tickets", ID: "create-ticket", Perm: guanxi.PermTicketWrite},
		"Register a complaint (《客户投诉处理表》)", func(ctx context.Context, a guanxi.Actor, in *struct{ Body TicketIn }) (*ticketOne, error) {
			t := in.Body.ticket()
			if err := ts.Register(ctx, a, &t); err != nil {
				return nil, err
			}
			out, err := h.ticketOne(ctx, a, t.ID)
			if err == nil {
				out.Status = http.StatusCreated
			}
			return out, err
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/tickets/{id}", ID: "get-ticket", Perm: guanxi.PermTicketRead},
		"Get a complaint", func(ctx context.Context, a guanxi.Actor, in *ticketIDPath) (*ticketOne, error) {
			return h.ticketOne(ctx, a, in.ID)
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/tickets/{id}/steps", ID: "ticket-step", Perm: guanxi.PermTicketWrite},
		"Take a process step: confirm, route, handle, feedback, opinion, close, reopen, merge, note (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *ticketStepIn) (*ticketOne, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			t, err := ts.Act(ctx, a, in.ID, v, in.Body.action())
			if err != nil {
				return nil, err
			}
			return &ticketOne{Status: http.StatusOK, ETag: etag(t.Version), Body: ticketOut(t, a)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/tickets/{id}/events", ID: "ticket-events", Perm: guanxi.PermTicketRead},
		"A complaint's history: every step with who and when", func(ctx context.Context, a guanxi.Actor, in *ticketIDPath) (*many[TicketEventOut], error) {
			evs, err := ts.Events(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			out := &many[TicketEventOut]{Body: []TicketEventOut{}}
			for _, e := range evs {
				out.Body = append(out.Body, TicketEventOut{At: e.At, ActorID: e.ActorID, ActorName: e.ActorName,
					Action: e.Action, FromStatus: e.FromStatus, ToStatus: e.ToStatus, Note: e.Note})
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/tickets/{id}/notices", ID: "list-ticket-notices", Perm: guanxi.PermTicketRead},
		"Rectification notices of a complaint", func(ctx context.Context, a guanxi.Actor, in *ticketIDPath) (*many[NoticeOut], error) {
			ns, err := ts.Notices(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			out := &many[NoticeOut]{Body: []NoticeOut{}}
			for _, n := range ns {
				out.Body = append(out.Body, noticeOut(n))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/tickets/{id}/notices", ID: "create-ticket-notice", Perm: guanxi.PermTicketManage},
		"Issue a rectification notice (整改通知单) to a unit with a deadline", func(ctx context.Context, a guanxi.Actor, in *noticeIn) (*one[NoticeOut], error) {
			n := ticket.Notice{TicketID: in.ID, OrgUnitID: in.Body.OrgUnitID, Problem: in.Body.Problem,
				Requirement: in.Body.Requirement, Deadline: in.Body.Deadline}
			if err := ts.IssueNotice(ctx, a, &n); err != nil {
				return nil, err
			}
			return &one[NoticeOut]{ETag: etag(n.Version), Body: noticeOut(n)}, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/tickets/{id}/notices/{sub}/steps", ID: "ticket-notice-step", Perm: guanxi.PermTicketWrite},
		"Respond to (the unit), verify or reject (a manager) a rectification notice (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *noticeStepIn) (*noticeOne, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			n, err := ts.NoticeStep(ctx, a, in.ID, in.SubID, v, ticket.NoticeAction{Step: in.Body.Step, Text: in.Body.Text})
			if err != nil {
				return nil, err
			}
			return &noticeOne{Status: http.StatusOK, ETag: etag(n.Version), Body: noticeOut(n)}, nil
		})
}
