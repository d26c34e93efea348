package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// childView is the edit page of one contact or holding of a customer.
// Masked values (account numbers, phones) are never put into inputs: an
// empty input keeps the stored value, as on the customer form.
type childView struct {
	Base
	C       customer.Customer // masked
	Kind    string            // "contact" or "holding"
	Contact customer.Contact
	Masked  customer.Contact // masked phones shown as placeholders
	Holding holdingForm
	// MaskedRef is the masked account number of a holding whose reference
	// is sensitive; it is the placeholder of an empty input.
	MaskedRef string
	Version   int64
}

type holdingForm struct {
	customer.Holding
	Amount, Balance, Attrs string
}

// HoldingStatuses lists the offered statuses plus the current one when it
// is not in the vocabulary (imported data keeps its own words).
func (b *Base) HoldingStatuses(current string) []string {
	out := slices.Clone(customer.HoldingStatuses)
	if current != "" && !slices.Contains(out, current) {
		out = append(out, current)
	}
	return out
}

// HoldingStatus labels a status from the vocabulary and shows any other
// status as it was stored.
func (b *Base) HoldingStatus(s string) string {
	if s == "" || !slices.Contains(customer.HoldingStatuses, s) {
		return s
	}
	return b.Enum("holding_status", s)
}

// AttrLabel names a holding attribute: known keys have labels, keys an
// admin or an import made up are shown as they are.
func (b *Base) AttrLabel(key string) string {
	if b.h != nil && b.h.app.I18n != nil && b.h.app.I18n.Has(b.Lang, "attr."+key) {
		return b.T("attr." + key)
	}
	return key
}

// Attrs lists a holding's attributes in key order for display.
func (b *Base) Attrs(m map[string]any) []attrPair {
	out := make([]attrPair, 0, len(m))
	for k, v := range m {
		out = append(out, attrPair{Key: k, Value: customText(v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

type attrPair struct{ Key, Value string }

// formatAttrs writes attributes as "key: value" lines for the textarea.
func formatAttrs(m map[string]any) string {
	var b strings.Builder
	var bb Base
	for _, p := range bb.Attrs(m) {
		fmt.Fprintf(&b, "%s: %s\n", p.Key, p.Value)
	}
	return b.String()
}

// parseAttrs reads "key: value" (or "key=value", full-width colon too)
// lines. A value written the way Go writes a number stays a number (so
// "4.2" and "36" compare as numbers, while "0049" keeps its zeros).
func parseAttrs(s string) (map[string]any, error) {
	out := map[string]any{}
	for i, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := cutAny(line, ":", "：", "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, guanxi.Invalid(guanxi.FieldError{Field: "attrs", Key: "validation.attr_line", Args: map[string]any{"line": i + 1}})
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == v && len(v) < 16 {
			out[k] = f
		} else {
			out[k] = v
		}
	}
	return out, nil
}

// cutAny cuts s around the first of seps that occurs in it.
func cutAny(s string, seps ...string) (before, after string, found bool) {
	at, sep := -1, ""
	for _, x := range seps {
		if i := strings.Index(s, x); i >= 0 && (at < 0 || i < at) {
			at, sep = i, x
		}
	}
	if at < 0 {
		return s, "", false
	}
	return s[:at], s[at+len(sep):], true
}

// readHolding copies the posted holding form onto f. On edit an empty
// reference of a masked kind keeps the stored value unless cleared.
func readHolding(r *http.Request, f *holdingForm, stored *customer.Holding) error {
	g := func(k string) string { return strings.TrimSpace(r.FormValue(k)) }
	f.Kind = customer.HoldingKind(g("kind"))
	f.Name, f.Model, f.Status = g("name"), g("model"), g("status")
	f.Currency = strings.ToUpper(g("currency"))
	f.OpenedOn, f.DueOn = g("opened_on"), g("due_on")
	f.Amount, f.Balance, f.Attrs = g("amount"), g("balance"), r.FormValue("attrs")
	f.Reference = g("reference")
	if stored != nil && f.Reference == "" && r.FormValue("reference_clear") == "" && customer.MaskedHoldingKinds(stored.Kind) {
		f.Reference = stored.Reference
	}
	var fields guanxi.Fields
	var ok bool
	if f.AmountMinor, ok = parseMinor(f.Amount); !ok {
		fields.Add("amount_minor", "validation.number")
	}
	if f.BalanceMinor, ok = parseMinor(f.Balance); !ok {
		fields.Add("balance_minor", "validation.number")
	}
	if err := fields.Err(); err != nil {
		return err
	}
	attrs, err := parseAttrs(f.Attrs)
	if err != nil {
		return err
	}
	f.Holding.Attrs = attrs
	return nil
}

// readContact copies the posted contact form onto ct. On edit an empty
// phone keeps the stored value unless cleared.
func readContact(r *http.Request, ct *customer.Contact, stored *customer.Contact) {
	g := func(k string) string { return strings.TrimSpace(r.FormValue(k)) }
	ct.Name, ct.Title, ct.Email, ct.WeChat, ct.Notes = g("name"), g("title"), g("email"), g("wechat"), g("notes")
	ct.IsPrimary = r.FormValue("is_primary") != ""
	ct.Mobile, ct.Phone = g("mobile"), g("phone")
	if stored == nil {
		return
	}
	if ct.Mobile == "" && r.FormValue("mobile_clear") == "" {
		ct.Mobile = stored.Mobile
	}
	if ct.Phone == "" && r.FormValue("phone_clear") == "" {
		ct.Phone = stored.Phone
	}
}

func (h *Handler) contactAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ct := customer.Contact{CustomerID: id}
	readContact(r, &ct, nil)
	if err := h.app.Customers.SaveContact(r.Context(), actor(r), &ct, 0); err != nil {
		v, lerr := h.loadCustomerView(r.Context(), r, id)
		if lerr != nil {
			return lerr
		}
		v.NewContact, v.OpenForm = ct, "contact"
		return h.formError(w, r, err, "customer", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, fmt.Sprintf("/customers/%d#contacts", id))
}

func (h *Handler) holdingAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := holdingForm{Holding: customer.Holding{CustomerID: id}}
	err = readHolding(r, &f, nil)
	if err == nil {
		err = h.app.Customers.SaveHolding(r.Context(), actor(r), &f.Holding, 0)
	}
	if err != nil {
		v, lerr := h.loadCustomerView(r.Context(), r, id)
		if lerr != nil {
			return lerr
		}
		v.NewHolding, v.OpenForm = f, "holding"
		return h.formError(w, r, err, "customer", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, fmt.Sprintf("/customers/%d#holdings", id))
}

// childPage reads the customer and child ids of a sub-resource route and
// loads the customer through the caller's scope, so an out-of-scope
// customer answers 404 before anything else is read.
func (h *Handler) childPage(r *http.Request, kind string) (*childView, guanxi.ID, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, 0, err
	}
	sub, err := pathID(r, "sub")
	if err != nil {
		return nil, 0, err
	}
	c, err := h.app.Customers.Get(r.Context(), actor(r), id)
	if err != nil {
		return nil, 0, err
	}
	title := "web.child.edit_contact"
	if kind == "holding" {
		title = "web.child.edit_holding"
	}
	return &childView{Base: h.base(r, title, "customers"), C: c.Mask(), Kind: kind}, sub, nil
}

// storedContact finds one contact of the customer in the caller's scope.
func (h *Handler) storedContact(r *http.Request, customerID, id guanxi.ID) (customer.Contact, error) {
	cts, err := h.app.Customers.Contacts(r.Context(), actor(r), customerID)
	if err != nil {
		return customer.Contact{}, err
	}
	for _, ct := range cts {
		if ct.ID == id {
			return ct, nil
		}
	}
	return customer.Contact{}, guanxi.NotFound("error.not_found")
}

func (h *Handler) contactEdit(w http.ResponseWriter, r *http.Request) error {
	v, sub, err := h.childPage(r, "contact")
	if err != nil {
		return err
	}
	ct, err := h.storedContact(r, v.C.ID, sub)
	if err != nil {
		return err
	}
	v.Masked, v.Version = ct.Mask(), ct.Version
	v.Contact = v.Masked
	v.Contact.Mobile, v.Contact.Phone = "", ""
	return h.render(w, r, http.StatusOK, "child_form", v)
}

func (h *Handler) contactUpdate(w http.ResponseWriter, r *http.Request) error {
	v, sub, err := h.childPage(r, "contact")
	if err != nil {
		return err
	}
	stored, err := h.storedContact(r, v.C.ID, sub)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	ct := customer.Contact{ID: sub, CustomerID: v.C.ID}
	readContact(r, &ct, &stored)
	if err := h.app.Customers.SaveContact(r.Context(), actor(r), &ct, version); err != nil {
		v.Masked, v.Version, v.Contact = stored.Mask(), version, ct
		// Show only what the user typed in the sensitive inputs.
		v.Contact.Mobile, v.Contact.Phone = r.FormValue("mobile"), r.FormValue("phone")
		return h.formError(w, r, err, "child_form", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, fmt.Sprintf("/customers/%d#contacts", v.C.ID))
}

func (h *Handler) contactDelete(w http.ResponseWriter, r *http.Request) error {
	return h.childDelete(w, r, "contacts", h.app.Customers.DeleteContact)
}

// childDelete removes one contact or holding at the posted version and
// returns to its section of the customer page.
func (h *Handler) childDelete(w http.ResponseWriter, r *http.Request, section string,
	del func(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID, version int64) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sub, err := pathID(r, "sub")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	if err := del(r.Context(), actor(r), id, sub, version); err != nil {
		return err
	}
	h.flash(r.Context(), "web.flash.child_deleted")
	return redirect(w, r, fmt.Sprintf("/customers/%d#%s", id, section))
}

func (h *Handler) holdingEdit(w http.ResponseWriter, r *http.Request) error {
	v, sub, err := h.childPage(r, "holding")
	if err != nil {
		return err
	}
	stored, err := h.app.Customers.Holding(r.Context(), actor(r), v.C.ID, sub)
	if err != nil {
		return err
	}
	m := stored.Mask()
	v.Version = stored.Version
	v.Holding = holdingForm{Holding: m, Amount: minorText(m.AmountMinor), Balance: minorText(m.BalanceMinor), Attrs: formatAttrs(m.Attrs)}
	if customer.MaskedHoldingKinds(m.Kind) && m.Reference != "" {
		v.MaskedRef, v.Holding.Reference = m.Reference, ""
	}
	return h.render(w, r, http.StatusOK, "child_form", v)
}

func (h *Handler) holdingUpdate(w http.ResponseWriter, r *http.Request) error {
	v, sub, err := h.childPage(r, "holding")
	if err != nil {
		return err
	}
	stored, err := h.app.Customers.Holding(r.Context(), actor(r), v.C.ID, sub)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.FormValue("version"), 10, 64)
	f := holdingForm{Holding: customer.Holding{ID: sub, CustomerID: v.C.ID}}
	err = readHolding(r, &f, &stored)
	if err == nil {
		err = h.app.Customers.SaveHolding(r.Context(), actor(r), &f.Holding, version)
	}
	if err != nil {
		v.Version, v.Holding = version, f
		if customer.MaskedHoldingKinds(stored.Kind) && stored.Reference != "" {
			v.MaskedRef, v.Holding.Reference = stored.Mask().Reference, r.FormValue("reference")
		}
		return h.formError(w, r, err, "child_form", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, fmt.Sprintf("/customers/%d#holdings", v.C.ID))
}

func (h *Handler) holdingDelete(w http.ResponseWriter, r *http.Request) error {
	return h.childDelete(w, r, "holdings", h.app.Customers.DeleteHolding)
}

// minorText writes minor units as "1234.56" for an input.
func minorText(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}
