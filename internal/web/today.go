package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// todayView is the landing page of agents and managers: tasks due and
// overdue with quick done/skip/fail, the next 7 days, the team's day.
type todayView struct {
	Base
	Day task.Day
	// OpenID is the task whose close form failed; Outcome what was typed.
	OpenID  guanxi.ID
	Outcome string
}

// Overdue reports whether t is past its day.
func (v *todayView) Overdue(t task.Task) bool { return t.Overdue(v.Day.Date) }

// TaskKinds and TaskStatuses label the task enumerations.
func (b *Base) TaskKinds() []string    { return task.Kinds }
func (b *Base) TaskStatuses() []string { return task.Statuses }
func (b *Base) Purposes() []string     { return customer.Purposes }

func (h *Handler) todayPage(r *http.Request) (*todayView, error) {
	v := &todayView{Base: h.base(r, "web.today.title", "today")}
	d, err := h.app.Tasks.Day(r.Context(), actor(r))
	v.Day = d
	return v, err
}

func (h *Handler) today(w http.ResponseWriter, r *http.Request) error {
	v, err := h.todayPage(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "today", v)
}

// taskClose marks a task done, skipped or failed; a done task with a
// channel chosen also logs the follow-up interaction.
func (h *Handler) taskClose(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	c := task.Close{Status: r.PostFormValue("status"), Outcome: r.PostFormValue("outcome")}
	var log *customer.Interaction
	if ch := strings.TrimSpace(r.PostFormValue("channel")); ch != "" && c.Status == task.StatusDone {
		log = &customer.Interaction{Channel: ch, Direction: "out", Purpose: "follow_up"}
	}
	if _, err := h.app.Tasks.Complete(r.Context(), actor(r), id, version, c, log); err != nil {
		switch guanxi.KindOf(err) {
		case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed:
			v, lerr := h.todayPage(r)
			if lerr != nil {
				return lerr
			}
			v.OpenID, v.Outcome = id, c.Outcome
			return h.formError(w, r, err, "today", v)
		}
		return err
	}
	h.flash(r.Context(), "web.flash.task_closed")
	return redirect(w, r, localPath(r.PostFormValue("back"), "/today"))
}

// landing is the home page of a role: the today page for the staff who
// follow customers up, the customer list for everyone else.
func landing(a guanxi.Actor) string {
	if a.Role == guanxi.RoleAgent || a.Role == guanxi.RoleManager {
		return "/today"
	}
	return "/customers"
}

// Today is the current date in the deployment's time zone.
func (b *Base) Today() string { return time.Now().In(b.h.loc).Format(time.DateOnly) }
