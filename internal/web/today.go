package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// todayView is the landing page of agents and managers: tasks due and
// overdue with quick done/skip/fail, the next 7 days, the team's day.
// Care, churn-risk and appointment tasks are tasks like the follow-ups;
// Care holds their rule details and Reasons the churn reason codes.
type todayView struct {
	Base
	Day task.Day
	// OpenID is the task whose close form failed; Outcome what was typed.
	OpenID  guanxi.ID
	Outcome string
	Care    map[guanxi.ID]care.TaskInfo
	Reasons []care.Reason
}

// KindClass is the badge class of a task kind.
func (v *todayView) KindClass(kind string) string {
	switch kind {
	case task.KindCare:
		return "ok"
	case task.KindChurn:
		return "bad"
	}
	return ""
}

// CareKind is the care rule kind of a care task ("" for other tasks).
func (v *todayView) CareKind(id guanxi.ID) string { return v.Care[id].RuleKind }

// IsChurn reports whether t is a churn-risk call (closed with a reason).
func (v *todayView) IsChurn(t task.Task) bool { return t.Kind == task.KindChurn }

// Overdue reports whether t is past its day.
func (v *todayView) Overdue(t task.Task) bool { return t.Overdue(v.Day.Date) }

// TaskKinds and TaskStatuses label the task enumerations.
func (b *Base) TaskKinds() []string    { return task.Kinds }
func (b *Base) TaskStatuses() []string { return task.Statuses }
func (b *Base) Purposes() []string     { return customer.Purposes }

func (h *Handler) todayPage(r *http.Request) (*todayView, error) {
	v := &todayView{Base: h.base(r, "web.today.title", "today")}
	v.Labels = careLabels(&v.Base)
	d, err := h.app.Tasks.Day(r.Context(), actor(r))
	v.Day = d
	if err != nil || h.app.Care == nil {
		return v, err
	}
	var ids []guanxi.ID
	churn := false
	for _, ts := range [][]task.Task{d.Due, d.Upcoming} {
		for _, t := range ts {
			if t.Kind == task.KindCare || t.Kind == task.KindChurn {
				ids = append(ids, t.ID)
				churn = churn || t.Kind == task.KindChurn
			}
		}
	}
	if v.Care, err = h.app.Care.TaskInfo(r.Context(), actor(r), ids); err != nil {
		return v, err
	}
	if churn {
		rs, err := h.app.Care.Reasons(r.Context())
		if err != nil {
			return v, err
		}
		for _, x := range rs {
			if x.Active {
				v.Reasons = append(v.Reasons, x)
			}
		}
	}
	return v, nil
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
	var err2 error
	if r.PostFormValue("churn") == "1" && h.app.Care != nil {
		// A churn-risk call ends with the reason (流失原因) and how the
		// vehicle is used now (CARE-06).
		err2 = h.app.Care.CloseChurn(r.Context(), actor(r), id, version, c, r.PostFormValue("churn_reason"),
			r.PostFormValue("usage_note"))
	} else {
		_, err2 = h.app.Tasks.Complete(r.Context(), actor(r), id, version, c, log)
	}
	if err := err2; err != nil {
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
