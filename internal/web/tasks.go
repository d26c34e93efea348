package web

import (
	"fmt"
	"net/http"
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
