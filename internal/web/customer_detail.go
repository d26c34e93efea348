package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/response"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// historyItem is one audit row of a customer's history, decoded for display.
type historyItem struct {
	audit.Entry
	Changes []customer.Change
	Reason  string
	Field   string
	From    string
	To      string
}

// customerView is the customer 360 page.
type customerView struct {
	Base
	C            customer.Customer // masked
	Defs         []customer.FieldDef
	Contacts     []customer.Contact
	Holdings     []customer.Holding
	Transactions []customer.Transaction
	Interactions []customer.Interaction
	Tasks        []task.Task // open tasks, shown with the interactions
	// Appointments of the customer: upcoming (open, start ahead) and past.
	Upcoming, PastAppointments []appointment.Appointment
	aptLoc                     *time.Location
	Transfers                  []customer.Transfer
	History                    []historyItem
	// Revealed holds values shown once after a reveal, by field (and
	// "account:<holding id>").
	Revealed map[string]string
	// Forms on the page keep what was typed when they fail.
	NewInteraction customer.Interaction
	NewContact     customer.Contact
	NewHolding     holdingForm
	NewTransaction transactionForm
	NewTask        task.Task
	OpenForm       string // which add form failed and stays open
}

type transactionForm struct {
	customer.Transaction
	Amount string
}

// CustomValue shows a custom field value.
func (v *customerView) CustomValue(key string) string { return customText(v.C.Custom[key]) }

func customText(x any) string {
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return t
	case []string:
		return strings.Join(t, "、")
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, "、")
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(x)
}

// ChangeLabel names a changed field in the page language.
func (v *customerView) ChangeLabel(field string) string {
	if key, ok := strings.CutPrefix(field, "custom."); ok {
		for _, d := range v.Defs {
			if d.Key == key {
				return d.Label(v.Lang)
			}
		}
	}
	return v.Label(field)
}

// ChangeValue shows a diff value; enumerations get their labels.
func (v *customerView) ChangeValue(field, value string) string {
	if value == "" {
		return "—"
	}
	switch field {
	case "stage", "market", "industry", "kind", "gender", "id_type":
		k := field
		if field == "id_type" {
			k = "id_type"
		}
		return v.Enum(k, value)
	case "lunar_birthday":
		if value == "true" {
			return v.T("web.yes")
		}
		return v.T("web.no")
	}
	if strings.HasPrefix(field, "consent.") {
		if value == "true" {
			return v.T("web.yes")
		}
		return v.T("web.no")
	}
	return value
}

// Reveal returns a revealed value or "".
func (v *customerView) Reveal(key string) string { return v.Revealed[key] }

// AccountKey is the Revealed key of a holding's account.
func (v *customerView) AccountKey(id guanxi.ID) string { return "account:" + strconv.FormatInt(id, 10) }

// MaskedHolding reports whether a holding's reference is masked.
func (v *customerView) MaskedHolding(k customer.HoldingKind) bool {
	return customer.MaskedHoldingKinds(k)
}

// NowLocal is the default time of a new interaction.
func (v *customerView) NowLocal() string { return time.Now().In(v.h.loc).Format("2006-01-02T15:04") }

// LocalInput formats t for a datetime-local input.
func (v *customerView) LocalInput(t time.Time) string {
	if t.IsZero() {
		return v.NowLocal()
	}
	return t.In(v.h.loc).Format("2006-01-02T15:04")
}

func (h *Handler) loadCustomerView(ctx context.Context, r *http.Request, id guanxi.ID) (*customerView, error) {
	a := actor(r)
	c, err := h.app.Customers.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := h.app.Access.Record(a, accesslog.WebView, c.ID); err != nil {
		return nil, err
	}
	v := &customerView{Base: h.base(r, "web.customer.title", "customers"), C: c.Mask(), Revealed: map[string]string{}}
	v.NewInteraction = customer.Interaction{Channel: "phone", Direction: "out"}
	v.NewHolding.Kind = "vehicle"
	v.NewHolding.Currency = "CNY"
	v.NewTransaction.Kind = "purchase"
	v.NewTransaction.Currency = "CNY"
	if v.Defs, err = h.fieldDefs(ctx); err != nil {
		return nil, err
	}
	if c.Kind == customer.Org {
		cts, err := h.app.Customers.Contacts(ctx, a, id)
		if err != nil {
			return nil, err
		}
		for _, ct := range cts {
			v.Contacts = append(v.Contacts, ct.Mask())
		}
	}
	hs, err := h.app.Customers.Holdings(ctx, a, id)
	if err != nil {
		return nil, err
	}
	for _, x := range hs {
		v.Holdings = append(v.Holdings, x.Mask())
	}
	if v.Transactions, err = h.app.Customers.Transactions(ctx, a, id, 50); err != nil {
		return nil, err
	}
	if v.Interactions, err = h.app.Customers.Interactions(ctx, a, id, 50); err != nil {
		return nil, err
	}
	if h.app.Tasks != nil {
		if v.Tasks, err = h.app.Tasks.List(ctx, a, task.ListQuery{CustomerID: id, Limit: 50}); err != nil {
			return nil, err
		}
	}
	if err := h.customerAppointments(r, v, id); err != nil {
		return nil, err
	}
	if v.Transfers, err = h.app.Customers.Transfers(ctx, a, id); err != nil {
		return nil, err
	}
	entries, err := h.app.Customers.History(ctx, a, id, 100)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		v.History = append(v.History, decodeHistory(e))
	}
	return v, nil
}

func decodeHistory(e audit.Entry) historyItem {
	it := historyItem{Entry: e}
	var d struct {
		Changes []customer.Change `json:"changes"`
		Reason  string            `json:"reason"`
		Field   string            `json:"field"`
		From    any               `json:"from"`
		To      any               `json:"to"`
	}
	if json.Unmarshal([]byte(e.Detail), &d) == nil {
		it.Changes, it.Reason, it.Field = d.Changes, d.Reason, d.Field
		if d.From != nil {
			it.From = fmt.Sprint(d.From)
		}
		if d.To != nil {
			it.To = fmt.Sprint(d.To)
		}
	}
	return it
}

func (h *Handler) customerShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.loadCustomerView(r.Context(), r, id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "customer", v)
}

// customerReveal shows one sensitive value once, after the service has
// audited who asked and why.
func (h *Handler) customerReveal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	field := customer.RevealField(r.FormValue("field"))
	sub := formID(r, "sub_id")
	value, err := h.app.Customers.Reveal(r.Context(), actor(r), id, field, sub, r.FormValue("reason"))
	key := string(field)
	if sub != 0 {
		key += ":" + strconv.FormatInt(sub, 10)
	}
	if isHTMX(r) {
		b := h.base(r, "", "")
		if err != nil {
			e := guanxi.AsError(err)
			msg := b.T(e.Key, e.Args)
			for _, fe := range e.Fields {
				msg = b.Label(fe.Field) + b.Colon() + b.T(fe.Key, fe.Args)
			}
			return writeFragment(w, response.Status(err), `<span class="reveal-error" role="alert">`+template.HTMLEscapeString(msg)+`</span>`)
		}
		return writeFragment(w, http.StatusOK, `<strong class="revealed">`+template.HTMLEscapeString(value)+`</strong>`)
	}
	v, lerr := h.loadCustomerView(r.Context(), r, id)
	if lerr != nil {
		return lerr
	}
	if err != nil {
		return h.formError(w, r, err, "customer", v)
	}
	v.Revealed[key] = value
	return h.render(w, r, http.StatusOK, "customer", v)
}

func writeFragment(w http.ResponseWriter, status int, html string) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write([]byte(html))
	return err
}

// parseLocal reads a datetime-local or date input in the deployment's zone.
func (h *Handler) parseLocal(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, h.loc); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func (h *Handler) interactionAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in := customer.Interaction{CustomerID: id, Channel: r.FormValue("channel"), Direction: r.FormValue("direction"),
		OccurredAt: h.parseLocal(r.FormValue("occurred_at")), Summary: r.FormValue("summary"),
		Outcome: strings.TrimSpace(r.FormValue("outcome")), NextAction: strings.TrimSpace(r.FormValue("next_action")),
		NextActionOn: strings.TrimSpace(r.FormValue("next_action_on")), Purpose: r.FormValue("purpose")}
	if err := h.app.Customers.AddInteraction(r.Context(), actor(r), &in); err != nil {
		v, lerr := h.loadCustomerView(r.Context(), r, id)
		if lerr != nil {
			return lerr
		}
		v.NewInteraction, v.OpenForm = in, "interaction"
		return h.formError(w, r, err, "customer", v)
	}
	h.flash(r.Context(), "web.flash.interaction_added")
	return redirect(w, r, fmt.Sprintf("/customers/%d#interactions", id))
}

// parseMinor reads "1,234.56" as 123456 minor units.
func parseMinor(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, true
	}
	units, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	u, err := strconv.ParseInt(units, 10, 64)
	if err != nil || u > 1e13 {
		return 0, false
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	if strings.HasPrefix(units, "-") {
		return u*100 - f, true
	}
	return u*100 + f, true
}

func (h *Handler) transactionAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := transactionForm{Transaction: customer.Transaction{CustomerID: id, Kind: r.FormValue("kind"),
		Currency: strings.ToUpper(strings.TrimSpace(r.FormValue("currency"))), OccurredAt: h.parseLocal(r.FormValue("occurred_at")),
		Description: strings.TrimSpace(r.FormValue("description"))}, Amount: r.FormValue("amount")}
	if hid := formID(r, "holding_id"); hid != 0 {
		f.HoldingID = &hid
	}
	var ok bool
	if f.AmountMinor, ok = parseMinor(f.Amount); !ok {
		err = guanxi.Invalid(guanxi.Field("amount_minor", "validation.number"))
	} else {
		err = h.app.Customers.AddTransaction(r.Context(), actor(r), &f.Transaction)
	}
	if err != nil {
		v, lerr := h.loadCustomerView(r.Context(), r, id)
		if lerr != nil {
			return lerr
		}
		v.NewTransaction, v.OpenForm = f, "transaction"
		return h.formError(w, r, err, "customer", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, fmt.Sprintf("/customers/%d#transactions", id))
}

// SelectedHolding reports whether the transaction form has holding id.
func (v *customerView) SelectedHolding(id guanxi.ID) bool {
	return v.NewTransaction.HoldingID != nil && *v.NewTransaction.HoldingID == id
}

// TransactionKinds lists transaction kinds for the form.
func (v *customerView) TransactionKinds() []string { return customer.TransactionKinds }

// customerAppointments fills the appointments block: the open ones still
// ahead and the last 20 others.
func (h *Handler) customerAppointments(r *http.Request, v *customerView, id guanxi.ID) error {
	as := h.app.Appointments
	if as == nil {
		return nil
	}
	v.aptLoc = as.Location()
	list, err := as.List(r.Context(), actor(r), appointment.ListQuery{CustomerID: id, Limit: 500})
	if err != nil {
		return err
	}
	now := time.Now()
	for _, ap := range list {
		if appointment.Open(ap.Status) && ap.StartsAt.After(now) {
			v.Upcoming = append(v.Upcoming, ap)
		}
	}
	for i := len(list) - 1; i >= 0 && len(v.PastAppointments) < 20; i-- {
		if ap := list[i]; !(appointment.Open(ap.Status) && ap.StartsAt.After(now)) {
			v.PastAppointments = append(v.PastAppointments, ap)
		}
	}
	return nil
}

// AptTime formats an appointment time in the slots' time zone.
func (v *customerView) AptTime(t time.Time) string {
	if v.aptLoc == nil {
		return v.Time(t)
	}
	return t.In(v.aptLoc).Format("2006-01-02 15:04")
}
