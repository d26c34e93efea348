package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// ticketView is a complaint's page: the form, SLA clocks, the steps the
// user may take now, history and rectification notices.
type ticketView struct {
	Base
	ticketLists
	Tk      ticket.Ticket
	Steps   []string
	Events  []ticket.Event
	Notices []ticket.Notice
	// Remaining is the working time left to the resolution due time on the
	// unit's business clock (negative when overdue); HasDue says it applies.
	Remaining time.Duration
	HasDue    bool
	// OpenStep is the step whose form failed and stays open, with what was typed.
	OpenStep string
	Form     map[string]string
}

// Can reports whether step s is offered to the user now.
func (v *ticketView) CanStep(s string) bool { return slices.Contains(v.Steps, s) }

// Typed returns what was typed in field k of the failed form.
func (v *ticketView) Typed(k string) string { return v.Form[k] }

// Hours formats a duration as business hours, e.g. "12.5".
func (v *ticketView) Hours(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	return strconv.FormatFloat(d.Hours(), 'f', 1, 64)
}

// Overdue reports whether the resolution target has passed.
func (v *ticketView) Overdue() bool { return v.HasDue && v.Remaining < 0 }

func (h *Handler) loadTicketView(r *http.Request, id guanxi.ID) (*ticketView, error) {
	a := actor(r)
	ctx := r.Context()
	t, err := h.app.Tickets.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	v := &ticketView{Base: h.base(r, "web.ticket.title", "tickets"), Tk: t, Form: map[string]string{}}
	v.Title = "web.ticket.title"
	if v.ticketLists, err = h.ticketLists(ctx, a); err != nil {
		return nil, err
	}
	for _, s := range ticket.Allowed(t, a) {
		if !slices.Contains(v.Steps, string(s)) {
			v.Steps = append(v.Steps, string(s))
		}
	}
	if v.Events, err = h.app.Tickets.Events(ctx, a, id); err != nil {
		return nil, err
	}
	if v.Notices, err = h.app.Tickets.Notices(ctx, a, id); err != nil {
		return nil, err
	}
	v.Remaining, v.HasDue = h.app.Tickets.DueIn(ctx, t, time.Now())
	return v, nil
}

func (h *Handler) ticketShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.loadTicketView(r, id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "ticket", v)
}

func (h *Handler) ticketStep(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	act := ticket.Action{Step: ticket.Step(r.FormValue("step")), Note: r.FormValue("note"),
		CategoryID: optID(r, "category_id"), Severity: ticket.Severity(r.FormValue("severity")),
		OrgUnitID: optID(r, "org_unit_id"), AssigneeID: optID(r, "assignee_id"),
		Resolution: r.FormValue("resolution"), RootCause: r.FormValue("root_cause"),
		Feedback: r.FormValue("feedback"), FeedbackChannel: r.FormValue("feedback_channel"),
		Opinion: r.FormValue("opinion"), Override: r.FormValue("override") == "1", MergeInto: formID(r, "merge_into")}
	if s := strings.TrimSpace(r.FormValue("satisfaction")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			n = -1
		}
		act.Satisfaction = &n
	}
	if _, err := h.app.Tickets.Act(r.Context(), actor(r), id, version, act); err != nil {
		return h.ticketPageError(w, r, id, string(act.Step), err)
	}
	h.flash(r.Context(), "web.ticket.step_done")
	if _, err := h.app.Tickets.Get(r.Context(), actor(r), id); err != nil {
		return redirect(w, r, "/tickets") // routed out of the user's scope
	}
	return redirect(w, r, fmt.Sprintf("/tickets/%d", id))
}

// ticketPageError shows the ticket page again with the failed form open,
// what was typed and the error; a stale version says the ticket changed.
func (h *Handler) ticketPageError(w http.ResponseWriter, r *http.Request, id guanxi.ID, step string, err error) error {
	e := guanxi.AsError(err)
	switch e.Kind {
	case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed, guanxi.KindForbidden:
	default:
		return err
	}
	v, lerr := h.loadTicketView(r, id)
	if lerr != nil {
		return lerr
	}
	v.OpenStep = step
	for k, vals := range r.PostForm {
		if len(vals) > 0 && k != "version" {
			v.Form[k] = vals[0]
		}
	}
	if e.Kind == guanxi.KindForbidden {
		v.Alert = v.T(e.Key, e.Args)
		return h.render(w, r, http.StatusForbidden, "ticket", v)
	}
	return h.formError(w, r, err, "ticket", v)
}

func (h *Handler) ticketNoticeIssue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n := ticket.Notice{TicketID: id, OrgUnitID: formID(r, "org_unit_id"), Problem: r.FormValue("problem"),
		Requirement: r.FormValue("requirement"), Deadline: strings.TrimSpace(r.FormValue("deadline"))}
	if err := h.app.Tickets.IssueNotice(r.Context(), actor(r), &n); err != nil {
		return h.ticketPageError(w, r, id, "notice", err)
	}
	h.flash(r.Context(), "web.ticket.notice_issued")
	return redirect(w, r, fmt.Sprintf("/tickets/%d#notices", id))
}

func (h *Handler) ticketNoticeStep(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sub, err := pathID(r, "sub")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	act := ticket.NoticeAction{Step: r.FormValue("step"), Text: r.FormValue("text")}
	if _, err := h.app.Tickets.NoticeStep(r.Context(), actor(r), id, sub, version, act); err != nil {
		return h.ticketPageError(w, r, id, fmt.Sprintf("notice-%d", sub), err)
	}
	h.flash(r.Context(), "web.ticket.step_done")
	return redirect(w, r, fmt.Sprintf("/tickets/%d#notices", id))
}

// Scores are the satisfaction choices.
func (v *ticketView) Scores() []int { return []int{5, 4, 3, 2, 1} }

// ticketEvents are the history actions the page labels ("enum.ticket_event.*").
var ticketEvents = []string{"register", "confirm", "route", "handle", "feedback", "opinion", "close",
	"close_override", "reopen", "merge", "note", "merged_from", "escalate", "notice_issue", "notice_respond",
	"notice_verify", "notice_reject", "first_response_breach", "resolution_breach", "ombudsman"}
