package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// workRoutes are the today page, tasks, follow-up plans, work logs and the
// follow-up report.
func (h *Handler) workRoutes() []route {
	const (
		read   = guanxi.PermCustomerRead
		write  = guanxi.PermCustomerWrite
		plans  = guanxi.PermSurveyAdmin
		self   = guanxi.PermSelf
		review = guanxi.PermWorkReview
	)
	return []route{
		{"GET", "/today", read, h.today},
		{"GET", "/tasks", read, h.taskList},
		{"POST", "/tasks/{id}/close", write, h.taskClose},
		{"POST", "/customers/{id}/tasks", write, h.taskAdd},
		{"GET", "/plans", plans, h.planList},
		{"GET", "/plans/new", plans, h.planNew},
		{"POST", "/plans", plans, h.planCreate},
		{"POST", "/plans/run", plans, h.planRun},
		{"GET", "/plans/{id}", plans, h.planEdit},
		{"POST", "/plans/{id}", plans, h.planUpdate},
		{"GET", "/worklogs", self, h.worklogList},
		{"GET", "/worklogs/new", write, h.worklogNew},
		{"POST", "/worklogs", write, h.worklogCreate},
		{"GET", "/worklogs/{id}", self, h.worklogShow},
		{"POST", "/worklogs/{id}", write, h.worklogUpdate},
		{"POST", "/worklogs/{id}/submit", write, h.worklogSubmit},
		{"POST", "/worklogs/{id}/review", review, h.worklogReview},
		{"GET", "/reports/followup", read, h.followupReport},
		{"GET", "/reports/followup.csv", read, h.followupReportCSV},
	}
}

// taskAdd adds a task by hand from the customer page; the owner is the
// customer's owner.
func (h *Handler) taskAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t := task.Task{Kind: task.KindFollowUp, CustomerID: id, Title: r.PostFormValue("title"), DueOn: strings.TrimSpace(r.PostFormValue("due_on"))}
	if err := h.app.Tasks.Create(r.Context(), actor(r), &t); err != nil {
		v, lerr := h.loadCustomerView(r.Context(), r, id)
		if lerr != nil {
			return lerr
		}
		v.NewTask, v.OpenForm = t, "task"
		return h.formError(w, r, err, "customer", v)
	}
	h.flash(r.Context(), "web.flash.task_added")
	return redirect(w, r, fmt.Sprintf("/customers/%d#interactions", id))
}

// taskListView is the paged task list: one owner's (the caller's unless
// another is chosen) or one customer's tasks of a status in a due range,
// by due day. Next carries the cursor and keeps the filters.
type taskListView struct {
	Base
	Q      task.ListQuery
	Items  []task.Task
	Owners []ownerOption
	Next   string
	First  string
	Paged  bool
}

// Overdue reports whether t is past its day.
func (v *taskListView) Overdue(t task.Task) bool { return t.Overdue(v.Today()) }

// taskList shows a page of tasks; a bad filter or cursor re-renders the
// page with the error.
func (h *Handler) taskList(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	qs := r.URL.Query()
	v := &taskListView{Base: h.base(r, "web.tasks.title", "tasks"), Q: task.ListQuery{
		OwnerID: formIDValue(qs.Get("owner_id")), CustomerID: formIDValue(qs.Get("customer_id")),
		Status: qs.Get("status"), DueFrom: strings.TrimSpace(qs.Get("due_from")), DueTo: strings.TrimSpace(qs.Get("due_to")),
		Cursor: qs.Get("cursor"), Limit: 50}}
	if v.Q.Status == "" {
		v.Q.Status = task.StatusOpen
	}
	if owners := h.listOwners(r.Context(), a); len(owners) > 1 {
		v.Owners = owners
	}
	page, err := h.app.Tasks.Page(r.Context(), a, v.Q)
	if err != nil {
		return h.formError(w, r, err, "tasks", v)
	}
	v.Items, v.Paged = page.Items, v.Q.Cursor != ""
	if page.NextCursor != "" {
		v.Next = withCursor(r, qs, page.NextCursor)
	}
	v.First = withCursor(r, qs, "")
	return h.render(w, r, http.StatusOK, "tasks", v)
}

// withCursor is the request's list with the cursor c ("" = the first page)
// and every other filter kept.
func withCursor(r *http.Request, qs url.Values, c string) string {
	next := cloneValues(qs)
	next.Del("cursor")
	if c != "" {
		next.Set("cursor", c)
	}
	return r.URL.Path + "?" + next.Encode()
}
