package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// duplicateRoutes are the duplicate review (重复客户) and the merge page.
func (h *Handler) duplicateRoutes() []route {
	merge := guanxi.PermCustomerMerge
	return []route{
		{"GET", "/duplicates", merge, h.duplicateList},
		{"POST", "/duplicates/scan", merge, h.duplicateScan},
		{"POST", "/duplicates/{id}/dismiss", merge, h.duplicateDismiss},
		{"GET", "/duplicates/merge", merge, h.mergePage},
		{"POST", "/duplicates/merge", merge, h.mergeSubmit},
		{"GET", "/customers/{id}/duplicates", merge, h.duplicateCandidates},
	}
}

// duplicatesView is the review queue.
type duplicatesView struct {
	Base
	Pairs   []customer.DuplicatePair // masked
	Reason  string
	Status  string
	Next    string // URL of the next page, or ""
	Reasons []customer.DupReason
	// Scanned is the result of the scan just run, if any.
	Scanned *customer.ScanResult
}

// ReasonLabel names a duplicate reason.
func (v *duplicatesView) ReasonLabel(r customer.DupReason) string {
	return v.T("web.dup.reason." + string(r))
}

// Sides lists a pair's two customers for one table.
func (v *duplicatesView) Sides(p customer.DuplicatePair) []customer.PairSide {
	return []customer.PairSide{p.A, p.B}
}

func (h *Handler) duplicateList(w http.ResponseWriter, r *http.Request) error {
	v := &duplicatesView{Base: h.base(r, "web.dup.title", "duplicates"), Reasons: customer.DupReasons}
	return h.renderDuplicates(w, r, v, http.StatusOK)
}

func (h *Handler) renderDuplicates(w http.ResponseWriter, r *http.Request, v *duplicatesView, status int) error {
	q := r.URL.Query()
	v.Reason, v.Status = q.Get("reason"), q.Get("status")
	page, err := h.app.Customers.Duplicates(r.Context(), actor(r), customer.DuplicateQuery{
		Reason: customer.DupReason(v.Reason), Status: v.Status, Limit: 20, Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	ids := make([]guanxi.ID, 0, 2*len(page.Items))
	for _, p := range page.Items {
		ids = append(ids, p.A.ID, p.B.ID)
	}
	if err := h.app.Access.Record(actor(r), accesslog.List, ids...); err != nil {
		return err
	}
	for _, p := range page.Items {
		p.A, p.B = p.A.Mask(), p.B.Mask()
		v.Pairs = append(v.Pairs, p)
	}
	if page.NextCursor != "" {
		nq := url.Values{"cursor": {page.NextCursor}}
		if v.Reason != "" {
			nq.Set("reason", v.Reason)
		}
		if v.Status != "" {
			nq.Set("status", v.Status)
		}
		v.Next = "/duplicates?" + nq.Encode()
	}
	return h.render(w, r, status, "duplicates", v)
}

// duplicateScan runs the whole-archive scan now and shows what it found.
func (h *Handler) duplicateScan(w http.ResponseWriter, r *http.Request) error {
	res, err := h.app.Customers.ScanDuplicates(r.Context(), actor(r))
	if err != nil {
		return err
	}
	v := &duplicatesView{Base: h.base(r, "web.dup.title", "duplicates"), Reasons: customer.DupReasons, Scanned: &res}
	v.Flash = v.T("web.dup.scanned", "candidates", res.Candidates, "added", res.Added)
	r.URL.RawQuery = ""
	return h.renderDuplicates(w, r, v, http.StatusOK)
}

func (h *Handler) duplicateDismiss(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	if err := h.app.Customers.DismissDuplicate(r.Context(), actor(r), id, version); err != nil {
		return err
	}
	h.flash(r.Context(), "web.dup.dismissed")
	return redirect(w, r, localPath(r.FormValue("next"), "/duplicates"))
}

// candidatesView lists customers that look like one customer.
type candidatesView struct {
	Base
	C          customer.Customer // masked
	Candidates []customer.Candidate
}

// ReasonLabel names a duplicate reason.
func (v *candidatesView) ReasonLabel(r customer.DupReason) string {
	return v.T("web.dup.reason." + string(r))
}

func (h *Handler) duplicateCandidates(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	list, err := h.app.Customers.DuplicateCandidates(r.Context(), a, id)
	if err != nil {
		return err
	}
	c, err := h.app.Customers.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	ids := []guanxi.ID{c.ID}
	for _, x := range list {
		ids = append(ids, x.PairSide.ID)
	}
	if err := h.app.Access.Record(a, accesslog.List, ids...); err != nil {
		return err
	}
	v := &candidatesView{Base: h.base(r, "web.dup.candidates_title", "duplicates"), C: c.Mask()}
	for _, x := range list {
		x.PairSide = x.PairSide.Mask()
		v.Candidates = append(v.Candidates, x)
	}
	return h.render(w, r, http.StatusOK, "duplicate_candidates", v)
}

// mergeRow is one differing field on the merge page. Values are masked
// unless the viewer may reveal them; the radio buttons carry the side, never
// the value.
type mergeRow struct {
	Field            string
	Label            string
	Survivor, Merged string
	Choice           customer.Side
	Masked           bool
}

// mergeView is the merge page.
type mergeView struct {
	Base
	Survivor, Merged customer.Customer // masked as the viewer must see them
	Rows             []mergeRow
	Tags             []string // the union the survivor will have
	Consent          []string // channels agreed on either side
	// Back is where cancel goes.
	Back string
}

// SwitchURL shows the same pair with the other customer surviving.
func (v *mergeView) SwitchURL() string {
	return "/duplicates/merge?" + url.Values{"a": {id64(v.Survivor.ID)}, "b": {id64(v.Merged.ID)},
		"survivor": {id64(v.Merged.ID)}}.Encode()
}

func id64(id guanxi.ID) string { return strconv.FormatInt(id, 10) }

func (h *Handler) mergePage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v, err := h.loadMergeView(r, queryID(q, "a"), queryID(q, "b"), queryID(q, "survivor"), nil)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "merge", v)
}

// loadMergeView builds the page; chosen (from a failed post) overrides the
// defaults.
func (h *Handler) loadMergeView(r *http.Request, x, y, survivor guanxi.ID, chosen map[string]customer.Side) (*mergeView, error) {
	ctx := r.Context()
	a := actor(r)
	p, err := h.app.Customers.PreviewMerge(ctx, a, x, y, survivor)
	if err != nil {
		return nil, err
	}
	if err := h.app.Access.Record(a, accesslog.WebView, x, y); err != nil {
		return nil, err
	}
	defs, err := h.fieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	v := &mergeView{Base: h.base(r, "web.dup.merge_title", "duplicates"), Back: "/duplicates"}
	var revealed []string
	for _, d := range p.Diffs {
		row := mergeRow{Field: d.Field, Label: h.mergeLabel(&v.Base, d.Field, defs), Survivor: d.Survivor, Merged: d.Merged, Choice: d.Default}
		if c, ok := chosen[d.Field]; ok {
			row.Choice = c
		}
		if d.Sensitive != "" {
			if perm, _ := d.Sensitive.Permission(); a.Can(perm) {
				revealed = append(revealed, d.Field)
			} else {
				row.Masked = true
				mask := customer.MaskPhone
				if d.Field == "id_number" {
					mask = customer.MaskIDNumber
				}
				row.Survivor, row.Merged = mask(d.Survivor), mask(d.Merged)
			}
		} else {
			row.Survivor, row.Merged = mergeText(&v.Base, d.Field, d.Survivor), mergeText(&v.Base, d.Field, d.Merged)
		}
		v.Rows = append(v.Rows, row)
	}
	// Plaintext of sensitive fields is shown only to those who may reveal
	// it, and like any reveal it is audited (without the values).
	if err := h.app.Customers.AuditMergeView(ctx, a, p, revealed); err != nil {
		return nil, err
	}
	after, _ := customer.Merged(p.Survivor, p.Merged, nil)
	v.Tags = after.Tags
	for _, ch := range customer.ConsentChannels {
		if after.Consent[ch] {
			v.Consent = append(v.Consent, ch)
		}
	}
	v.Survivor, v.Merged = p.Survivor.Mask(), p.Merged.Mask()
	return v, nil
}

// mergeLabel names a merge field; custom fields carry their own labels.
func (h *Handler) mergeLabel(b *Base, field string, defs []customer.FieldDef) string {
	if key, ok := strings.CutPrefix(field, "custom."); ok {
		for _, d := range defs {
			if d.Key == key {
				return d.Label(b.Lang)
			}
		}
		return key
	}
	return b.Label(field)
}

// mergeText shows a value; enumerations get their labels.
func mergeText(b *Base, field, value string) string {
	if value == "" {
		return ""
	}
	switch field {
	case "kind", "gender", "market", "industry", "stage":
		return b.Enum(field, value)
	}
	return value
}

func (h *Handler) mergeSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return guanxi.InvalidKey("error.invalid", nil)
	}
	req := customer.MergeRequest{
		SurvivorID: formID(r, "survivor_id"), MergedID: formID(r, "other_id"),
		Chosen: map[string]customer.Side{},
	}
	req.SurvivorVersion, _ = strconv.ParseInt(r.PostForm.Get("survivor_version"), 10, 64)
	req.MergedVersion, _ = strconv.ParseInt(r.PostForm.Get("other_version"), 10, 64)
	for k, vals := range r.PostForm {
		if f, ok := strings.CutPrefix(k, "f."); ok && len(vals) > 0 {
			req.Chosen[f] = customer.Side(vals[0])
		}
	}
	c, err := h.app.Customers.Merge(r.Context(), actor(r), req)
	if err != nil {
		v, lerr := h.loadMergeView(r, req.SurvivorID, req.MergedID, req.SurvivorID, req.Chosen)
		if lerr != nil {
			return err // one of them is gone or out of scope: say why the merge failed
		}
		return h.formError(w, r, err, "merge", v)
	}
	h.flash(r.Context(), "web.dup.merged")
	return redirect(w, r, "/customers/"+id64(c.ID))
}
