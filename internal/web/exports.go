package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// exportRoutes are the customer export (streamed when small, a background
// job when large), the list of the caller's exports with their downloads,
// and saved list filters.
func (h *Handler) exportRoutes() []route {
	exp := guanxi.PermExport
	read := guanxi.PermCustomerRead
	rs := []route{
		{"POST", "/customers/export", exp, h.customerExport},
		{"GET", "/exports", exp, h.exportList},
		{"GET", "/exports/{id}/file", exp, h.exportFile},
		{"GET", "/saved-filters", read, h.savedFilterList},
		{"POST", "/saved-filters", read, h.savedFilterCreate},
		{"GET", "/saved-filters/{id}", read, h.savedFilterApply},
		{"POST", "/saved-filters/{id}", read, h.savedFilterUpdate},
		{"POST", "/saved-filters/{id}/delete", read, h.savedFilterDelete},
	}
	return append(rs, h.reportExportRoutes()...)
}

// listParams are the list page's own parameters (search, sort, filter
// panel, trash, saved filter) as a query, without the page cursor.
func listParams(v url.Values) url.Values {
	out := url.Values{}
	keys := []string{"q", "sort", "stage", "market", "industry", "province", "city", "owner", "tag",
		"holding_kind", "holding_model", "holding_status", "created_from", "created_to", "updated_from", "updated_to",
		"contact_from", "contact_to", "saved"}
	for _, k := range keys {
		if s := strings.TrimSpace(v.Get(k)); s != "" {
			out.Set(k, s)
		}
	}
	return out
}

// ListParams are the hidden inputs that carry the list's current query into
// the export and save-filter forms.
func (v *listView) ListParams() []struct{ Name, Value string } {
	var out []struct{ Name, Value string }
	u, err := url.Parse(v.First)
	if err != nil {
		return nil
	}
	p := listParams(u.Query())
	for _, k := range sortedKeys(p) {
		out = append(out, struct{ Name, Value string }{k, p.Get(k)})
	}
	return out
}

// SavedParam is the saved filter the page applies, kept by the search form.
func (v *listView) SavedParam() string {
	u, err := url.Parse(v.Here)
	if err != nil {
		return ""
	}
	return u.Query().Get("saved")
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// exportRequest builds the export of the list the form describes: exactly
// the page's customer.ListQuery (search box, filter panel, sort, trash,
// saved filter).
func (h *Handler) exportRequest(r *http.Request, form url.Values, lang string) (bulk.ExportRequest, error) {
	req := bulk.ExportRequest{Kind: bulk.ExportCustomers, Format: bulk.Format(form.Get("format")),
		Q: strings.TrimSpace(form.Get("q")), Sort: form.Get("sort"), Deleted: form.Get("trash") == "1",
		Unmasked: form.Get("unmasked") == "1", Reason: form.Get("reason"), Lang: lang}
	if req.Format == bulk.FormatXLSX && !req.Deleted {
		// Children sheets exist only in .xlsx; a CSV ignores the boxes.
		req.Include = form["include"]
	}
	if n := readFilter(form).node(); n != nil {
		b, err := json.Marshal(n)
		if err != nil {
			return req, guanxi.Internal(err)
		}
		req.Filter = b
	}
	if s := form.Get("saved"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return req, guanxi.Invalid(guanxi.Field("saved", "validation.number"))
		}
		req.SavedFilterID = id
	}
	return req, nil
}

func (h *Handler) customerExport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return guanxi.InvalidKey("error.invalid", nil)
	}
	a := actor(r)
	req, err := h.exportRequest(r, r.PostForm, h.lang(r))
	if err != nil {
		return err
	}
	back := "/customers"
	if req.Deleted {
		back = "/trash"
	}
	if p := listParams(r.PostForm); len(p) > 0 {
		back += "?" + p.Encode()
	}
	job, err := h.app.Exports.Export(r.Context(), a, req, func(name, contentType string) (io.Writer, error) {
		setDownload(w, name, contentType)
		return w, nil
	})
	if err != nil {
		e := guanxi.AsError(err)
		if e.Kind == guanxi.KindInvalid || e.Kind == guanxi.KindForbidden {
			// Back to the list with the reason (a missing reason, no
			// reveal permission); the panel keeps its values.
			h.flash(r.Context(), exportErrorKey(e))
			return redirect(w, r, back)
		}
		return err
	}
	if job != nil {
		h.flash(r.Context(), "web.export.queued")
		return redirect(w, r, "/exports")
	}
	return nil
}

// exportErrorKey picks the message for a refused export.
func exportErrorKey(e *guanxi.Error) string {
	if e.Kind == guanxi.KindForbidden {
		return "web.export.forbidden"
	}
	for _, f := range e.Fields {
		if f.Field == "reason" {
			return "web.export.reason_required"
		}
	}
	return "web.export.invalid"
}

// setDownload starts an attachment response; the name is ASCII (we make it).
func setDownload(w http.ResponseWriter, name, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, strings.ReplaceAll(name, `"`, "")))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

// exportsView lists the caller's exports (all of them for admins).
type exportsView struct {
	Base
	Jobs    []bulk.ExportJob
	Pending bool // a job is queued or running: the page refreshes itself
}

// ExportChildren lists the child sheets an .xlsx export may add.
func (b *Base) ExportChildren() []string { return bulk.ExportChildren }

// ExportStatus labels a job status.
func (b *Base) ExportStatus(s string) string { return b.T("web.export.status." + s) }

// ExportStatusClass is the badge class of a job status.
func (b *Base) ExportStatusClass(s string) string {
	switch s {
	case bulk.ExportDone:
		return "ok"
	case bulk.ExportFailed:
		return "bad"
	}
	return "warn"
}

// Size renders a byte count.
func (v *exportsView) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return strconv.FormatInt(n, 10) + " B"
}

// Downloadable reports whether a job's file can be downloaded now.
func (v *exportsView) Downloadable(j bulk.ExportJob) bool {
	now := time.Now()
	if v.h != nil && v.h.app.Clock != nil {
		now = v.h.app.Clock()
	}
	return j.Status == bulk.ExportDone && (j.ExpiresAt == nil || j.ExpiresAt.After(now))
}

func (h *Handler) exportList(w http.ResponseWriter, r *http.Request) error {
	v := &exportsView{Base: h.base(r, "web.export.title", "exports")}
	var err error
	if v.Jobs, err = h.app.Exports.Jobs(r.Context(), actor(r), 100); err != nil {
		return err
	}
	for _, j := range v.Jobs {
		if j.Status == bulk.ExportQueued || j.Status == bulk.ExportRunning {
			v.Pending = true
		}
	}
	if isHTMX(r) && r.Header.Get("HX-Target") == "export-jobs" {
		return h.renderBlock(w, r, http.StatusOK, "exports", "export_jobs", v)
	}
	return h.render(w, r, http.StatusOK, "exports", v)
}

func (h *Handler) exportFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	started := false
	err = h.app.Exports.Download(r.Context(), actor(r), id, func(j bulk.ExportJob) (io.Writer, error) {
		setDownload(w, j.FileName, j.ContentType())
		if j.Size > 0 {
			w.Header().Set("Content-Length", strconv.FormatInt(j.Size, 10))
		}
		started = true
		return w, nil
	})
	if err != nil && started {
		// The headers are gone: the client sees a cut-off download.
		h.app.Log.WarnContext(r.Context(), "export download", "id", id, "err", err)
		return nil
	}
	return err
}

// savedFiltersView lists the caller's saved filters and those shared with
// its unit.
type savedFiltersView struct {
	Base
	Items []bulk.SavedFilter
}

// ApplyURL opens the customer list with a saved filter.
func (b *Base) ApplyURL(f bulk.SavedFilter) string {
	if f.Query != "" {
		return "/customers?" + f.Query
	}
	return "/customers?saved=" + strconv.FormatInt(f.ID, 10)
}

func (h *Handler) savedFilterList(w http.ResponseWriter, r *http.Request) error {
	v := &savedFiltersView{Base: h.base(r, "web.export.saved.title", "customers")}
	var err error
	if v.Items, err = h.app.Exports.SavedFilters(r.Context(), actor(r)); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "saved_filters", v)
}

// savedFilters lists the filters the customer page offers (nil on error:
// a menu is not worth failing the list).
func (h *Handler) savedFilters(r *http.Request) []bulk.SavedFilter {
	if h.app.Exports == nil {
		return nil // a test wiring without exports
	}
	list, _ := h.app.Exports.SavedFilters(r.Context(), actor(r))
	return list
}

// applySavedFilter narrows the list query by the saved filter the page
// names (?saved=ID), the way an export of it does.
func (h *Handler) applySavedFilter(r *http.Request, q *customer.ListQuery) error {
	s := r.URL.Query().Get("saved")
	if s == "" || h.app.Exports == nil {
		return nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return guanxi.NotFound("error.not_found")
	}
	f, err := h.app.Exports.SavedFilter(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	return f.Apply(q)
}

func (h *Handler) savedFilterCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return guanxi.InvalidKey("error.invalid", nil)
	}
	params := listParams(r.PostForm)
	f := bulk.SavedFilter{Name: r.PostForm.Get("name"), Q: params.Get("q"), Sort: params.Get("sort")}
	if n := readFilter(params).node(); n != nil {
		b, _ := json.Marshal(n)
		f.Filter = string(b)
	}
	if s := params.Get("saved"); s != "" {
		// Saved on top of another saved filter: keep the combination.
		id, _ := strconv.ParseInt(s, 10, 64)
		base, err := h.app.Exports.SavedFilter(r.Context(), actor(r), id)
		if err != nil {
			return err
		}
		q := customer.ListQuery{Q: f.Q, Sort: f.Sort}
		if f.Filter != "" {
			q.Filter = readFilter(params).node()
		}
		if err := base.Apply(&q); err != nil {
			return err
		}
		f.Q, f.Sort, f.Filter = q.Q, q.Sort, ""
		if q.Filter != nil {
			b, _ := json.Marshal(q.Filter)
			f.Filter = string(b)
		}
	} else {
		f.Query = params.Encode()
	}
	if err := h.app.Exports.CreateSavedFilter(r.Context(), actor(r), &f, r.PostForm.Get("shared") == "1"); err != nil {
		e := guanxi.AsError(err)
		if e.Kind == guanxi.KindInvalid {
			h.flash(r.Context(), "web.export.saved.name_required")
			return redirect(w, r, "/customers?"+params.Encode())
		}
		return err
	}
	h.flash(r.Context(), "web.export.saved.created")
	return redirect(w, r, h.applyTarget(f))
}

func (h *Handler) applyTarget(f bulk.SavedFilter) string {
	var b Base
	return b.ApplyURL(f)
}

func (h *Handler) savedFilterApply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := h.app.Exports.SavedFilter(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	return redirect(w, r, h.applyTarget(f))
}

func (h *Handler) savedFilterUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	name, shared := r.FormValue("name"), r.FormValue("shared") == "1"
	_, err = h.app.Exports.UpdateSavedFilter(r.Context(), actor(r), id, version, func(f *bulk.SavedFilter, sh *bool) error {
		f.Name, *sh = name, shared
		return nil
	})
	if err != nil {
		return h.savedFilterError(w, r, err)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/saved-filters")
}

func (h *Handler) savedFilterDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	if err := h.app.Exports.DeleteSavedFilter(r.Context(), actor(r), id, version); err != nil {
		return h.savedFilterError(w, r, err)
	}
	h.flash(r.Context(), "web.export.saved.deleted")
	return redirect(w, r, "/saved-filters")
}

func (h *Handler) savedFilterError(w http.ResponseWriter, r *http.Request, err error) error {
	v := &savedFiltersView{Base: h.base(r, "web.export.saved.title", "customers")}
	v.Items, _ = h.app.Exports.SavedFilters(r.Context(), actor(r))
	return h.formError(w, r, err, "saved_filters", v)
}
