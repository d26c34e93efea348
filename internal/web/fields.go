package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/response"
)

// fieldsView is the custom field administration page.
type fieldsView struct {
	Base
	Defs []customer.FieldDef
	New  customer.FieldDef
	Open int64 // id of the definition whose form failed (-1: the new one)
}

// OptionsText shows choice options one per line.
func (v *fieldsView) OptionsText(d customer.FieldDef) string { return strings.Join(d.Options, "\n") }

func (h *Handler) fieldsPage(w http.ResponseWriter, r *http.Request, status int, v *fieldsView) error {
	var err error
	if v.Defs, err = h.app.Customers.ListFieldDefs(r.Context(), actor(r)); err != nil {
		return err
	}
	return h.render(w, r, status, "fields", v)
}

func (h *Handler) fields(w http.ResponseWriter, r *http.Request) error {
	v := &fieldsView{Base: h.base(r, "web.fields.title", "fields"), New: customer.FieldDef{Type: customer.FieldText}}
	return h.fieldsPage(w, r, http.StatusOK, v)
}

func readFieldDef(r *http.Request, d *customer.FieldDef) {
	f := r.PostForm
	d.Key = strings.TrimSpace(f.Get("key"))
	d.LabelZh = strings.TrimSpace(f.Get("label_zh"))
	d.LabelEn = strings.TrimSpace(f.Get("label_en"))
	d.Type = customer.FieldType(f.Get("type"))
	d.Required = f.Get("required") != ""
	d.Position, _ = strconv.Atoi(strings.TrimSpace(f.Get("position")))
	d.Options = nil
	for _, o := range strings.Split(f.Get("options"), "\n") {
		if o = strings.TrimSpace(o); o != "" {
			d.Options = append(d.Options, o)
		}
	}
}

func (h *Handler) fieldSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return guanxi.InvalidKey("error.invalid", nil)
	}
	var d customer.FieldDef
	var version int64
	open := int64(-1)
	if s := r.PathValue("id"); s != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		d.ID, open = id, id
		version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	}
	readFieldDef(r, &d)
	if err := h.app.Customers.SaveFieldDef(r.Context(), actor(r), &d, version); err != nil {
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed:
		default:
			return err
		}
		v := &fieldsView{Base: h.base(r, "web.fields.title", "fields"), New: customer.FieldDef{Type: customer.FieldText}, Open: open}
		if d.ID == 0 {
			v.New = d
		}
		v.setError(e)
		return h.fieldsPage(w, r, response.Status(err), v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/admin/fields")
}
