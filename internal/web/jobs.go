package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/response"
)

// jobsView is the job queue admin page: counts per status, the filtered
// job list and the schedules.
type jobsView struct {
	Base
	Status, Kind string
	Counts       map[string]int
	Rows         []jobs.Row
	Kinds        []string
	Schedules    []jobs.ScheduleRow
	Next         string // URL of the next page, "" on the last
	Paged        bool
}

const jobsPage = 50

// JobStatuses lists the job statuses for the filter.
func (b *Base) JobStatuses() []string { return jobs.Statuses }

// JobStatusClass is the badge style of a job status.
func (b *Base) JobStatusClass(s string) string {
	switch s {
	case jobs.StatusDone:
		return "ok"
	case jobs.StatusFailed:
		return "stage-dormant"
	case jobs.StatusDead:
		return "bad"
	}
	return ""
}

// ZoneTime shows t in the IANA zone tz with the zone's abbreviation (a
// schedule's next fire time reads in the schedule's own zone).
func (b *Base) ZoneTime(v any, tz string) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return ""
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return b.Time(t)
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func (h *Handler) jobRoutes() []route {
	return []route{
		{"GET", "/admin/jobs", guanxi.PermJobsAdmin, h.jobsPage},
		{"POST", "/admin/jobs/{id}/retry", guanxi.PermJobsAdmin, h.jobRetry},
	}
}

func (h *Handler) jobsPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderJobs(w, r, http.StatusOK, &jobsView{Base: h.base(r, "jobs.title", "jobs")})
}

func (h *Handler) renderJobs(w http.ResponseWriter, r *http.Request, status int, v *jobsView) error {
	ctx, a, q := r.Context(), actor(r), r.URL.Query()
	v.Status, v.Kind = q.Get("status"), q.Get("kind")
	if !slices.Contains(jobs.Statuses, v.Status) {
		v.Status = ""
	}
	cursor, _ := strconv.ParseInt(q.Get("cursor"), 10, 64)
	v.Paged = cursor > 0
	var err error
	if v.Counts, err = h.app.Jobs.Counts(ctx, a); err != nil {
		return err
	}
	if v.Rows, err = h.app.Jobs.List(ctx, a, jobs.ListQuery{Status: v.Status, Kind: v.Kind, Limit: jobsPage, Cursor: cursor}); err != nil {
		return err
	}
	if len(v.Rows) == jobsPage {
		next := url.Values{"cursor": {strconv.FormatInt(v.Rows[len(v.Rows)-1].ID, 10)}}
		if v.Status != "" {
			next.Set("status", v.Status)
		}
		if v.Kind != "" {
			next.Set("kind", v.Kind)
		}
		v.Next = "/admin/jobs?" + next.Encode()
	}
	if v.Schedules, err = h.app.Jobs.Schedules(ctx, a); err != nil {
		return err
	}
	v.Kinds = h.app.Jobs.Kinds()
	for _, sc := range v.Schedules {
		if !slices.Contains(v.Kinds, sc.Kind) {
			v.Kinds = append(v.Kinds, sc.Kind)
		}
	}
	if v.Kind != "" && !slices.Contains(v.Kinds, v.Kind) {
		v.Kinds = append(v.Kinds, v.Kind)
	}
	slices.Sort(v.Kinds)
	return h.render(w, r, status, "jobs", v)
}

func (h *Handler) jobRetry(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	back := "/admin/jobs"
	if s := r.PostFormValue("status"); slices.Contains(jobs.Statuses, s) {
		back += "?status=" + url.QueryEscape(s)
	}
	if _, err := h.app.Jobs.Retry(r.Context(), actor(r), id, version); err != nil {
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindConflict, guanxi.KindPreconditionFailed:
			v := &jobsView{Base: h.base(r, "jobs.title", "jobs")}
			v.setError(e)
			return h.renderJobs(w, r, response.Status(err), v)
		}
		return err
	}
	h.flash(r.Context(), "jobs.flash.retried")
	return redirect(w, r, back)
}
