package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	return redirect(w, r, landing(actor(r)))
}

// listFilter is the filter panel of the customer list, as typed.
type listFilter struct {
	Stage, Market, Industry, Province, City, Owner, Tag string
	HoldingKind, HoldingModel, HoldingStatus            string
	CreatedFrom, CreatedTo                              string
	UpdatedFrom, UpdatedTo                              string
	ContactFrom, ContactTo                              string
}

func (f listFilter) Active() bool { return f != listFilter{} }

func readFilter(v url.Values) listFilter {
	g := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return listFilter{Stage: g("stage"), Market: g("market"), Industry: g("industry"),
		Province: g("province"), City: g("city"), Owner: g("owner"), Tag: g("tag"),
		HoldingKind: g("holding_kind"), HoldingModel: g("holding_model"), HoldingStatus: g("holding_status"),
		CreatedFrom: g("created_from"), CreatedTo: g("created_to"),
		UpdatedFrom: g("updated_from"), UpdatedTo: g("updated_to"),
		ContactFrom: g("contact_from"), ContactTo: g("contact_to")}
}

// node turns the panel into the JSON filter language; the store compiles it
// to bound parameters after segment validation.
func (f listFilter) node() *segment.Node {
	var and []*segment.Node
	eq := func(field string, v any) { and = append(and, &segment.Node{Field: field, Op: "eq", Value: v}) }
	rng := func(field, from, to string) {
		if from != "" {
			and = append(and, &segment.Node{Field: field, Op: "gte", Value: from})
		}
		if to != "" {
			and = append(and, &segment.Node{Field: field, Op: "lte", Value: to})
		}
	}
	if f.Stage != "" {
		eq("stage", f.Stage)
	}
	if f.Market != "" {
		eq("market", f.Market)
	}
	if f.Industry != "" {
		eq("industry", f.Industry)
	}
	if f.Province != "" {
		eq("province", f.Province)
	}
	if f.City != "" {
		eq("city", f.City)
	}
	if f.HoldingKind != "" {
		eq("holding.kind", f.HoldingKind)
	}
	if f.HoldingModel != "" {
		and = append(and, &segment.Node{Field: "holding.model", Op: "contains", Value: f.HoldingModel})
	}
	if f.HoldingStatus != "" {
		eq("holding.status", f.HoldingStatus)
	}
	if id, err := strconv.ParseInt(f.Owner, 10, 64); err == nil && id > 0 {
		eq("owner_id", id)
	}
	if f.Tag != "" {
		and = append(and, &segment.Node{Field: "tags", Op: "has_any", Value: []string{f.Tag}})
	}
	rng("created_at", f.CreatedFrom, f.CreatedTo)
	rng("updated_at", f.UpdatedFrom, f.UpdatedTo)
	rng("last_contact_at", f.ContactFrom, f.ContactTo)
	if len(and) == 0 {
		return nil
	}
	return &segment.Node{And: and}
}

type listView struct {
	Base
	Q      string
	Sort   string
	F      listFilter
	Items  []listRow
	Next   string
	First  string
	Paged  bool
	Trash  bool
	Owners []ownerOption
	Saved  []bulk.SavedFilter // the saved filters menu (exports.go)
}

// listRow is one masked customer of the list as the rows show it, with
// its labels resolved in Go. Calling Enum and Time from the template for
// every row, and looking fields up through an embedded Customer (reflect's
// slow path), was most of the rows' rendering time.
type listRow struct {
	ID                                 guanxi.ID
	Number, Name, Stage, Mobile, Owner string
	Tags                               []string
	KindLabel                          string // only for organisations, as the list tags them
	StageLabel, MarketLabel            string
	When                               string // deleted in the trash, else updated
}

func (v *listView) row(c customer.Customer) listRow {
	c = c.Mask()
	r := listRow{ID: c.ID, Number: c.Number, Name: c.Name, Stage: string(c.Stage), Mobile: c.Mobile, Owner: c.OwnerName,
		Tags: c.Tags, StageLabel: v.Enum("stage", c.Stage), MarketLabel: v.Enum("market", c.Market)}
	if c.Kind == customer.Org {
		r.KindLabel = v.Enum("kind", c.Kind)
	}
	if v.Trash {
		r.When = v.Time(c.DeletedAt)
	} else {
		r.When = v.Time(c.UpdatedAt)
	}
	return r
}

// OwnerFilterOptions are the <option>s of the filter panel's owner select,
// the current filter's owner selected; OwnerOptions those of the transfer
// form. With a hundred or more staff, ranging over them in the template
// twice was the largest part of rendering the page, so they are written
// here with html/template's own escaping (writeHTMLText).
func (v *listView) OwnerFilterOptions() template.HTML {
	return v.ownerOptions(v.F.Owner, true)
}

func (v *listView) OwnerOptions() template.HTML { return v.ownerOptions("", false) }

func (v *listView) ownerOptions(selected string, filter bool) template.HTML {
	var b strings.Builder
	b.Grow(64 * len(v.Owners))
	for _, o := range v.Owners {
		id := strconv.FormatInt(o.ID, 10)
		b.WriteString(`<option value="`)
		b.WriteString(id)
		if filter {
			// The template wrote `" {{if …}}selected{{end}}>`.
			b.WriteString(`" `)
			if id == selected {
				b.WriteString("selected")
			}
			b.WriteString(`>`)
		} else {
			b.WriteString(`">`)
		}
		writeHTMLText(&b, o.Label)
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}

// writeHTMLText escapes s as html/template does in text and quoted
// attribute values (its htmlReplacementTable: NUL, quotes, &, +, <, >; any
// other byte, valid UTF-8 or not, is kept).
// TestWriteHTMLTextMatchesTemplate checks it against html/template.
func writeHTMLText(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// SortOptions are the sort choices of the list.
func (v *listView) SortOptions() []string {
	return []string{"-updated_at", "-created_at", "created_at", "name", "-name", "number", "-number"}
}

func (h *Handler) customerList(w http.ResponseWriter, r *http.Request) error {
	return h.listPage(w, r, false)
}

func (h *Handler) trash(w http.ResponseWriter, r *http.Request) error {
	return h.listPage(w, r, true)
}

func (h *Handler) listPage(w http.ResponseWriter, r *http.Request, deleted bool) error {
	a := actor(r)
	qs := r.URL.Query()
	v := &listView{Base: h.base(r, "web.customers.title", "customers"), Q: strings.TrimSpace(qs.Get("q")),
		Sort: qs.Get("sort"), F: readFilter(qs), Trash: deleted}
	if deleted {
		v.Title, v.Nav = "web.trash.title", "trash"
	}
	q := customer.ListQuery{Q: v.Q, Filter: v.F.node(), Sort: v.Sort, Cursor: qs.Get("cursor"), Deleted: deleted, Limit: 20}
	if err := h.applySavedFilter(r, &q); err != nil {
		return err
	}
	page, err := h.app.Customers.List(r.Context(), a, q)
	partial := isHTMX(r) && r.Header.Get("HX-Target") == "results"
	if !partial {
		// Only the filter panel and the bulk form list the owners.
		v.Owners = h.listOwners(r.Context(), a)
	}
	v.Saved = h.savedFilters(r)
	if err != nil {
		e := guanxi.AsError(err)
		if e.Kind != guanxi.KindInvalid {
			return err
		}
		v.setError(e)
		status := http.StatusBadRequest
		if partial {
			return h.renderBlock(w, r, status, "customers", "results", v)
		}
		return h.render(w, r, status, "customers", v)
	}
	ids := make([]guanxi.ID, len(page.Items))
	for i, c := range page.Items {
		ids[i] = c.ID
	}
	if err := h.app.Access.Record(a, accesslog.ListVia(q.Q != "" || q.Filter != nil), ids...); err != nil {
		return err
	}
	v.Items = make([]listRow, 0, len(page.Items))
	for _, c := range page.Items {
		v.Items = append(v.Items, v.row(c))
	}
	v.Paged = q.Cursor != ""
	if page.NextCursor != "" {
		next := cloneValues(qs)
		next.Set("cursor", page.NextCursor)
		v.Next = r.URL.Path + "?" + next.Encode()
	}
	first := cloneValues(qs)
	first.Del("cursor")
	v.First = r.URL.Path + "?" + first.Encode()
	if partial {
		return h.renderBlock(w, r, http.StatusOK, "customers", "results", v)
	}
	return h.render(w, r, http.StatusOK, "customers", v)
}

// listOwners is owners (admin.go) through the slim owner menu query: the
// full user rows were 30 % of the list page's CPU. Labels are the same.
func (h *Handler) listOwners(ctx context.Context, a guanxi.Actor) []ownerOption {
	if a.UserID == 0 || h.app.Staff == nil {
		return nil
	}
	users, err := h.app.Staff.OwnerOptions(ctx, a)
	if err != nil {
		return nil
	}
	out := make([]ownerOption, 0, len(users))
	for _, u := range users {
		out = append(out, ownerOption{ID: u.ID, Label: ownerLabel(u.Name, u.Username, u.OrgUnitName)})
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if len(vs) > 0 && vs[0] != "" {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}

func pathID(r *http.Request, name string) (guanxi.ID, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, guanxi.NotFound("error.not_found")
	}
	return id, nil
}

func formID(r *http.Request, name string) guanxi.ID {
	id, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue(name)), 10, 64)
	return id
}

func (h *Handler) customerDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	if err := h.app.Customers.Delete(r.Context(), actor(r), id, version); err != nil {
		return err
	}
	h.flash(r.Context(), "web.flash.deleted")
	return redirect(w, r, "/customers")
}

func (h *Handler) customerRestore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.app.Customers.Restore(r.Context(), actor(r), id); err != nil {
		return err
	}
	h.flash(r.Context(), "web.flash.restored")
	return redirect(w, r, "/customers/"+strconv.FormatInt(id, 10))
}

// transferView is the transfer form for one customer or a selection.
type transferView struct {
	Base
	C      *customer.Customer
	IDs    []guanxi.ID
	Owners []ownerOption
	To     guanxi.ID
	Reason string
}

func (h *Handler) customerTransferPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	c, err := h.app.Customers.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	c = c.Mask()
	v := &transferView{Base: h.base(r, "web.transfer.title", "customers"), C: &c, IDs: []guanxi.ID{id},
		Owners: h.owners(r.Context(), a)}
	return h.render(w, r, http.StatusOK, "transfer", v)
}

func (h *Handler) customerTransfer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.doTransfer(w, r, []guanxi.ID{id}, "/customers/"+strconv.FormatInt(id, 10))
}

func (h *Handler) customerBulkTransfer(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return guanxi.InvalidKey("error.invalid", nil)
	}
	var ids []guanxi.ID
	for _, s := range r.PostForm["id"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return h.doTransfer(w, r, ids, "/customers")
}

func (h *Handler) doTransfer(w http.ResponseWriter, r *http.Request, ids []guanxi.ID, back string) error {
	a := actor(r)
	to := formID(r, "to_owner_id")
	reason := r.FormValue("reason")
	n, err := h.app.Customers.Transfer(r.Context(), a, ids, to, reason)
	if err != nil {
		v := &transferView{Base: h.base(r, "web.transfer.title", "customers"), IDs: ids, To: to, Reason: reason,
			Owners: h.owners(r.Context(), a)}
		if len(ids) == 1 {
			if c, gerr := h.app.Customers.Get(r.Context(), a, ids[0]); gerr == nil {
				c = c.Mask()
				v.C = &c
			}
		}
		return h.formError(w, r, err, "transfer", v)
	}
	if n == 1 {
		h.flash(r.Context(), "web.flash.transferred_one")
	} else {
		h.flash(r.Context(), "web.flash.transferred")
	}
	return redirect(w, r, back)
}
