package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// worklogListView lists one's own work logs and visit forms and, for
// reviewers, those waiting for review.
type worklogListView struct {
	Base
	Mine     []worklog.Entry
	ToReview []worklog.Entry
}

// worklogView shows or edits one entry. Hours and Customers are the
// inputs as typed.
type worklogView struct {
	Base
	E         worklog.Entry
	IsNew     bool
	Hours     string
	Customers string
	Comment   string
}

// Own reports whether the signed-in user wrote the entry.
func (v *worklogView) Own() bool { return v.E.AuthorID == v.User.UserID }

// CanEdit reports whether the form is editable for the signed-in user.
func (v *worklogView) CanEdit() bool { return v.IsNew || (v.Own() && v.E.Editable()) }

// CanReview reports whether the signed-in user may review the entry now.
func (v *worklogView) CanReview() bool {
	return !v.IsNew && !v.Own() && v.E.Status == worklog.StatusSubmitted && v.Can(string(guanxi.PermWorkReview))
}

// Contact is the visit contact, masked for anyone but its author.
func (v *worklogView) Contact() string {
	if v.Own() || v.IsNew {
		return v.E.Contact
	}
	return maskContact(v.E.Contact)
}

func maskContact(s string) string {
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

// WorklogStatusClass is the badge style of a status.
func (b *Base) WorklogStatusClass(s string) string {
	switch s {
	case worklog.StatusApproved:
		return "ok"
	case worklog.StatusReturned:
		return "bad"
	}
	return ""
}

func (h *Handler) worklogList(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	v := &worklogListView{Base: h.base(r, "web.worklog.title", "worklogs")}
	var err error
	if v.Mine, err = h.app.WorkLogs.List(r.Context(), a, worklog.ListQuery{Limit: 100}); err != nil {
		return err
	}
	if a.Can(guanxi.PermWorkReview) {
		if v.ToReview, err = h.app.WorkLogs.List(r.Context(), a, worklog.ListQuery{ToReview: true, Limit: 200}); err != nil {
			return err
		}
	}
	return h.render(w, r, http.StatusOK, "worklogs", v)
}

func (h *Handler) worklogView(r *http.Request, e worklog.Entry, isNew bool) *worklogView {
	title := "web.worklog.log"
	if e.Kind == worklog.KindVisit {
		title = "web.worklog.visit"
	}
	v := &worklogView{Base: h.base(r, title, "worklogs"), E: e, IsNew: isNew, Hours: e.Hours()}
	var ids []string
	for _, id := range e.CustomerIDs {
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	v.Customers = strings.Join(ids, ",")
	return v
}

func (h *Handler) worklogNew(w http.ResponseWriter, r *http.Request) error {
	kind := r.URL.Query().Get("kind")
	if kind != worklog.KindVisit {
		kind = worklog.KindLog
	}
	e := worklog.Entry{Kind: kind, WorkOn: h.app.Tasks.Today(), Status: worklog.StatusDraft, AuthorID: actor(r).UserID}
	if id := formID(r, "customer_id"); id != 0 {
		e.CustomerIDs = []guanxi.ID{id}
	}
	return h.render(w, r, http.StatusOK, "worklog_form", h.worklogView(r, e, true))
}

// readWorklogForm fills e from the form; hours are typed as "1.5".
func readWorklogForm(r *http.Request, e *worklog.Entry) (hours, customers string, bad guanxi.Fields) {
	e.WorkOn = r.PostFormValue("work_on")
	e.Content = r.PostFormValue("content")
	e.Destination = r.PostFormValue("destination")
	e.PersonVisited = r.PostFormValue("person_visited")
	e.Contact = r.PostFormValue("contact")
	e.Purpose = r.PostFormValue("purpose")
	e.Result = r.PostFormValue("result")
	hours = strings.TrimSpace(r.PostFormValue("hours"))
	e.Minutes = 0
	if hours != "" {
		f, err := strconv.ParseFloat(hours, 64)
		if err != nil || f < 0 || f > 24 {
			bad.Add("hours", "validation.hours")
		} else {
			e.Minutes = int(f*60 + 0.5)
		}
	}
	customers = r.PostFormValue("customer_ids")
	e.CustomerIDs = nil
	for _, s := range strings.FieldsFunc(customers, func(r rune) bool { return r == ',' || r == ' ' || r == '，' }) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			bad.Add("customer_ids", "validation.number")
			continue
		}
		e.CustomerIDs = append(e.CustomerIDs, id)
	}
	return hours, customers, bad
}

func (h *Handler) worklogCreate(w http.ResponseWriter, r *http.Request) error {
	e := worklog.Entry{Kind: r.PostFormValue("kind")}
	hours, customers, bad := readWorklogForm(r, &e)
	err := bad.Err()
	if err == nil {
		err = h.app.WorkLogs.Create(r.Context(), actor(r), &e)
	}
	if err != nil {
		e.AuthorID = actor(r).UserID
		v := h.worklogView(r, e, true)
		v.Hours, v.Customers = hours, customers
		return h.formError(w, r, err, "worklog_form", v)
	}
	h.flash(r.Context(), "web.flash.created")
	return redirect(w, r, "/worklogs/"+strconv.FormatInt(e.ID, 10))
}

func (h *Handler) worklogShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := h.app.WorkLogs.Get(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "worklog_form", h.worklogView(r, e, false))
}

// worklogReload re-reads the entry for a form that failed, keeping input.
func (h *Handler) worklogReload(w http.ResponseWriter, r *http.Request, id guanxi.ID, err error, fill func(v *worklogView)) error {
	e, gerr := h.app.WorkLogs.Get(r.Context(), actor(r), id)
	if gerr != nil {
		return gerr
	}
	v := h.worklogView(r, e, false)
	fill(v)
	return h.formError(w, r, err, "worklog_form", v)
}

func (h *Handler) worklogUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	e := worklog.Entry{ID: id}
	hours, customers, bad := readWorklogForm(r, &e)
	err = bad.Err()
	if err == nil {
		err = h.app.WorkLogs.Update(r.Context(), actor(r), &e, version)
	}
	if err != nil {
		return h.worklogReload(w, r, id, err, func(v *worklogView) {
			kind, author, status := v.E.Kind, v.E.AuthorID, v.E.Status
			v.E = e
			v.E.Kind, v.E.AuthorID, v.E.Status, v.E.Version = kind, author, status, version
			v.Hours, v.Customers = hours, customers
		})
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/worklogs/"+strconv.FormatInt(id, 10))
}

func (h *Handler) worklogSubmit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if _, err := h.app.WorkLogs.Submit(r.Context(), actor(r), id, version); err != nil {
		return h.worklogReload(w, r, id, err, func(*worklogView) {})
	}
	h.flash(r.Context(), "web.flash.worklog_submitted")
	return redirect(w, r, "/worklogs/"+strconv.FormatInt(id, 10))
}

func (h *Handler) worklogReview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	comment := r.PostFormValue("comment")
	if _, err := h.app.WorkLogs.Review(r.Context(), actor(r), id, version, r.PostFormValue("decision"), comment); err != nil {
		return h.worklogReload(w, r, id, err, func(v *worklogView) { v.Comment = comment })
	}
	h.flash(r.Context(), "web.flash.worklog_reviewed")
	return redirect(w, r, "/worklogs")
}

// WorklogKinds and WorklogStatuses label the work-log enumerations.
func (b *Base) WorklogKinds() []string    { return worklog.Kinds }
func (b *Base) WorklogStatuses() []string { return worklog.Statuses }
