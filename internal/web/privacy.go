package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/privacy"
)

// privacyRoutes are a customer's personal-data rights (PIPL 44–47): the copy
// of everything held, legal holds and erasure, plus the erasure records.
// The service checks privacy.admin and the customer scope again.
func (h *Handler) privacyRoutes() []route {
	perm := guanxi.PermPrivacyAdmin
	return []route{
		{"GET", "/customers/{id}/privacy", perm, h.privacyPage},
		{"POST", "/customers/{id}/privacy/export", perm, h.privacyExport},
		{"POST", "/customers/{id}/privacy/erase", perm, h.privacyErase},
		{"POST", "/customers/{id}/privacy/holds", perm, h.privacyHoldCreate},
		{"POST", "/customers/{id}/privacy/holds/{sub}/release", perm, h.privacyHoldRelease},
		{"GET", "/admin/erasures", perm, h.erasuresPage},
	}
}

// Which form of the privacy page an error belongs to, so a "reason" error
// of the hold form does not show under the erasure form.
const (
	privacyFormExport  = "export"
	privacyFormHold    = "hold"
	privacyFormRelease = "release"
	privacyFormErase   = "erase"
)

type privacyView struct {
	Base
	CustomerID guanxi.ID
	Number     string
	// Name is empty when the customer is in the recycle bin (erased
	// customers are too): the page still works there, by number.
	Name    string
	Holds   []privacy.Hold
	Held    bool
	Reasons []string
	Formats []string
	// Form names the form the shown errors belong to; the rest keep what
	// was typed into them.
	Form        string
	Format      string
	HoldReason  string
	EraseReason string
}

// FormErr returns field's error when it belongs to form.
func (v *privacyView) FormErr(form, field string) string {
	if v.Form != form {
		return ""
	}
	return v.Err(field)
}

func (h *Handler) privacyView(r *http.Request, id guanxi.ID, form string) (*privacyView, error) {
	a := actor(r)
	ctx := r.Context()
	number, err := h.app.Privacy.Number(ctx, a, id)
	if err != nil {
		return nil, err
	}
	holds, err := h.app.Privacy.Holds(ctx, a, id)
	if err != nil {
		return nil, err
	}
	v := &privacyView{Base: h.base(r, "privacy.title", "customers"), CustomerID: id, Number: number, Holds: holds,
		Reasons: privacy.Reasons, Formats: []string{privacy.FormatJSON, privacy.FormatCSV}, Form: form, Format: privacy.FormatJSON}
	// Customers.Get answers live customers only; a trashed one is shown by number.
	if c, err := h.app.Customers.Get(ctx, a, id); err == nil {
		v.Name = c.Name
	} else if guanxi.KindOf(err) != guanxi.KindNotFound {
		return nil, err
	}
	for _, x := range holds {
		if x.Active() {
			v.Held = true
		}
	}
	v.Labels = map[string]string{
		"confirm": v.T("privacy.confirm"),
		"format":  v.T("privacy.format"),
	}
	return v, nil
}

func (h *Handler) privacyPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.privacyView(r, id, "")
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "privacy_customer", v)
}

// privacyFormError re-renders the privacy page with err shown at form.
func (h *Handler) privacyFormError(w http.ResponseWriter, r *http.Request, id guanxi.ID, form string, err error, fill func(*privacyView)) error {
	v, verr := h.privacyView(r, id, form)
	if verr != nil {
		return verr
	}
	if fill != nil {
		fill(v)
	}
	return h.formError(w, r, err, "privacy_customer", v)
}

func privacyPath(id guanxi.ID) string { return "/customers/" + strconv.FormatInt(id, 10) + "/privacy" }

// privacyExport streams the copy of everything held about the customer,
// the same document as the API's privacy-export. It is a POST because the
// export is audited and unmasked.
func (h *Handler) privacyExport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	format := r.PostFormValue("format")
	doc, err := h.app.Privacy.Export(r.Context(), actor(r), id, format)
	if err != nil {
		return h.privacyFormError(w, r, id, privacyFormExport, err, nil)
	}
	name := "customer-" + strconv.FormatInt(id, 10)
	if format == privacy.FormatCSV {
		setDownload(w, name+".zip", "application/zip")
		err = doc.WriteCSVZip(w)
	} else {
		setDownload(w, name+".json", "application/json")
		err = doc.WriteJSON(w)
	}
	// The status is sent: a failure now can only be logged.
	if err != nil && h.app.Log != nil {
		h.app.Log.WarnContext(r.Context(), "privacy export", "customer", id, "err", err)
	}
	return nil
}

func (h *Handler) privacyErase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	reason := r.PostFormValue("reason")
	if err := h.app.Privacy.Erase(r.Context(), actor(r), id, reason, r.PostFormValue("confirm")); err != nil {
		// The typed number is not kept: a wrong record must be typed afresh.
		return h.privacyFormError(w, r, id, privacyFormErase, err, func(v *privacyView) { v.EraseReason = reason })
	}
	h.flash(r.Context(), "privacy.erase_done")
	// The customer is now a pseudonymous record in the recycle bin; the
	// erasure list is where it shows.
	return redirect(w, r, "/admin/erasures")
}

func (h *Handler) privacyHoldCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	reason := r.PostFormValue("reason")
	if _, err := h.app.Privacy.SetHold(r.Context(), actor(r), id, reason); err != nil {
		return h.privacyFormError(w, r, id, privacyFormHold, err, func(v *privacyView) { v.HoldReason = reason })
	}
	h.flash(r.Context(), "privacy.hold_set")
	return redirect(w, r, privacyPath(id))
}

func (h *Handler) privacyHoldRelease(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	hold, err := pathID(r, "sub")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err := h.app.Privacy.ReleaseHold(r.Context(), actor(r), id, hold, version); err != nil {
		return h.privacyFormError(w, r, id, privacyFormRelease, err, nil)
	}
	h.flash(r.Context(), "privacy.hold_released_done")
	return redirect(w, r, privacyPath(id))
}

// erasureRow is one erasure record with its per-table counts decoded.
type erasureRow struct {
	privacy.Erasure
	Counts map[string]int64
	Total  int64
}

// erasuresPageSize is how many erasure records the page shows at once.
const erasuresPageSize = 50

type erasuresView struct {
	Base
	Erasures []erasureRow
	// Next and First page the records (empty when there is no such page).
	Next, First string
}

func (h *Handler) erasuresPage(w http.ResponseWriter, r *http.Request) error {
	qs := r.URL.Query()
	page, err := h.app.Privacy.Erasures(r.Context(), actor(r), privacy.ErasureQuery{Limit: erasuresPageSize, Cursor: qs.Get("cursor")})
	if err != nil {
		return err
	}
	v := &erasuresView{Base: h.base(r, "privacy.erasures_title", "erasures")}
	v.Next, v.First = pageLinks(r, qs, page.NextCursor, "")
	for _, e := range page.Items {
		row := erasureRow{Erasure: e}
		// The counts are our own JSON; an unreadable one just shows none.
		_ = json.Unmarshal([]byte(e.Rows), &row.Counts)
		for _, n := range row.Counts {
			row.Total += n
		}
		v.Erasures = append(v.Erasures, row)
	}
	return h.render(w, r, http.StatusOK, "erasures_admin", v)
}
