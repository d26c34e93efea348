package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// customerFormView is the create and edit form for person and org customers.
// Sensitive fields are never filled with plaintext: on edit an empty input
// keeps the stored value and the masked value is the placeholder.
type customerFormView struct {
	Base
	C       customer.Customer
	Masked  customer.Customer
	IsNew   bool
	Defs    []customer.FieldDef
	Tags    string
	Owners  []ownerOption
	Version int64
}

// Custom returns the typed text of custom field key.
func (v *customerFormView) Custom(key string) string { return customText(v.C.Custom[key]) }

// CustomHas reports whether multi-choice field key includes opt.
func (v *customerFormView) CustomHas(key, opt string) bool {
	switch x := v.C.Custom[key].(type) {
	case []string:
		return slices.Contains(x, opt)
	case []any:
		for _, e := range x {
			if e == opt {
				return true
			}
		}
	case string:
		return x == opt
	}
	return false
}

// DefLabel is the label of a custom field in the page language.
func (v *customerFormView) DefLabel(d customer.FieldDef) string { return d.Label(v.Lang) }

// Action is where the form posts.
func (v *customerFormView) Action() string {
	if v.IsNew {
		return "/customers"
	}
	return "/customers/" + strconv.FormatInt(v.C.ID, 10)
}

func (h *Handler) fieldDefs(ctx context.Context) ([]customer.FieldDef, error) {
	a, _ := guanxi.ActorFrom(ctx)
	return h.app.Customers.ListFieldDefs(ctx, a)
}

func (h *Handler) newFormView(r *http.Request, c customer.Customer, isNew bool) (*customerFormView, error) {
	title := "web.customer.edit_title"
	if isNew {
		title = "web.customer.new_title"
	}
	v := &customerFormView{Base: h.base(r, title, "customers"), C: c, Masked: c.Mask(), IsNew: isNew,
		Tags: strings.Join(c.Tags, ", "), Version: c.Version}
	defs, err := h.fieldDefs(r.Context())
	if err != nil {
		return nil, err
	}
	v.Defs = defs
	v.Labels = map[string]string{}
	for _, d := range defs {
		v.Labels["custom."+d.Key] = d.Label(v.Lang)
	}
	if isNew {
		v.Owners = h.owners(r.Context(), actor(r))
	}
	return v, nil
}

func (h *Handler) customerNew(w http.ResponseWriter, r *http.Request) error {
	kind := customer.Kind(r.URL.Query().Get("kind"))
	if kind != customer.Org {
		kind = customer.Person
	}
	v, err := h.newFormView(r, customer.Customer{Kind: kind, Stage: customer.StageProspect}, true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "customer_form", v)
}

func (h *Handler) customerCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return guanxi.InvalidKey("error.invalid", nil)
	}
	defs, err := h.fieldDefs(r.Context())
	if err != nil {
		return err
	}
	c := customer.Customer{Kind: customer.Kind(r.PostFormValue("kind"))}
	applyCustomerForm(r, &c, defs, true)
	c.OwnerID = formID(r, "owner_id")
	if err := h.app.Customers.Create(r.Context(), actor(r), &c); err != nil {
		v, verr := h.newFormView(r, c, true)
		if verr != nil {
			return verr
		}
		return h.formError(w, r, err, "customer_form", v)
	}
	h.flash(r.Context(), "web.flash.created")
	return redirect(w, r, "/customers/"+strconv.FormatInt(c.ID, 10))
}

func (h *Handler) customerEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := h.app.Customers.Get(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	if err := h.app.Access.Record(actor(r), accesslog.WebView, c.ID); err != nil {
		return err
	}
	v, err := h.newFormView(r, blankSensitive(c), false)
	if err != nil {
		return err
	}
	v.Masked = c.Mask()
	return h.render(w, r, http.StatusOK, "customer_form", v)
}

func blankSensitive(c customer.Customer) customer.Customer {
	c.IDNumber, c.Mobile, c.Phone = "", "", ""
	return c
}

func (h *Handler) customerUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return guanxi.InvalidKey("error.invalid", nil)
	}
	a := actor(r)
	defs, err := h.fieldDefs(r.Context())
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	var typed customer.Customer
	_, err = h.app.Customers.Update(r.Context(), a, id, version, func(c *customer.Customer) error {
		applyCustomerForm(r, c, defs, false)
		typed = *c
		return nil
	})
	if err != nil {
		cur, gerr := h.app.Customers.Get(r.Context(), a, id)
		if gerr != nil {
			return gerr
		}
		if typed.ID == 0 {
			// The edit never ran (stale version): show what was typed on top
			// of the current record.
			typed = cur
			applyCustomerForm(r, &typed, defs, false)
		}
		v, verr := h.newFormView(r, blankSensitive(typed), false)
		if verr != nil {
			return verr
		}
		v.Masked = cur.Mask()
		v.C.ID, v.Version = id, version
		// Keep what the user typed in sensitive fields so a correction does
		// not need retyping; these are the user's own input, not stored data.
		v.C.IDNumber, v.C.Mobile, v.C.Phone = r.PostFormValue("id_number"), r.PostFormValue("mobile"), r.PostFormValue("phone")
		return h.formError(w, r, err, "customer_form", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/customers/"+strconv.FormatInt(id, 10))
}

// applyCustomerForm copies the posted form onto c. On edit an empty
// sensitive input keeps the stored value.
func applyCustomerForm(r *http.Request, c *customer.Customer, defs []customer.FieldDef, isNew bool) {
	f := r.PostForm
	g := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	if k := customer.Kind(g("kind")); k == customer.Person || k == customer.Org {
		c.Kind = k
	}
	c.Name = g("name")
	c.Gender = g("gender")
	c.Birthday = g("birthday")
	c.LunarBirthday = g("lunar_birthday") != ""
	c.IDType = customer.IDType(g("id_type"))
	for _, s := range []struct {
		name string
		p    *string
	}{{"id_number", &c.IDNumber}, {"mobile", &c.Mobile}, {"phone", &c.Phone}} {
		if v := g(s.name); v != "" || isNew {
			*s.p = v
		} else if f.Get(s.name+"_clear") != "" {
			*s.p = ""
		}
	}
	if c.IDType == customer.IDNone {
		c.IDNumber = ""
	}
	c.Email = g("email")
	c.WeChat = g("wechat")
	c.Province, c.City, c.District, c.Address = g("province"), g("city"), g("district"), g("address")
	c.Market = customer.Market(g("market"))
	c.Industry = g("industry")
	c.Source = g("source")
	if s := customer.Stage(g("stage")); s != "" {
		c.Stage = s
	}
	c.Grade = g("grade")
	c.Notes = g("notes")
	c.Tags = splitTags(f.Get("tags"))
	if c.Consent == nil {
		c.Consent = map[string]bool{}
	}
	for _, ch := range customer.ConsentChannels {
		c.Consent[ch] = f.Get("consent."+ch) != ""
	}
	if c.Custom == nil {
		c.Custom = map[string]any{}
	}
	for _, d := range defs {
		name := "custom." + d.Key
		if d.Type == customer.FieldMulti {
			var vals []string
			for _, v := range f[name] {
				if v = strings.TrimSpace(v); v != "" {
					vals = append(vals, v)
				}
			}
			if len(vals) == 0 {
				delete(c.Custom, d.Key)
			} else {
				c.Custom[d.Key] = vals
			}
			continue
		}
		if v := g(name); v != "" {
			c.Custom[d.Key] = v
		} else {
			delete(c.Custom, d.Key)
		}
	}
}

// splitTags splits on ASCII and Chinese commas and semicolons.
func splitTags(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == '；' || r == '、'
	})
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
