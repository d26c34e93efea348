package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/response"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// complaintRoutes are the public complaint form and status page (no
// sign-in) and the staff step that links such a complaint to a customer.
func (h *Handler) complaintRoutes() []route {
	return []route{
		{"GET", "/complaint", "", h.complaintForm},
		{"POST", "/complaint", "", h.complaintSubmit},
		{"GET", "/complaint/status/{token}", "", h.complaintStatus},
		{"GET", "/tickets/{id}/customer", guanxi.PermTicketWrite, h.ticketCustomerPage},
		{"POST", "/tickets/{id}/customer", guanxi.PermTicketWrite, h.ticketCustomerLink},
	}
}

// complaintPublicView is the customer's bare page: the form, the receipt
// after it, the status of a complaint, or a message (limits, bad links).
type complaintPublicView struct {
	Base
	Form       ticket.PublicForm
	Categories []ticket.Category
	Stamp      string
	Receipt    *ticket.Receipt
	StatusLink string
	Status     *ticket.PublicStatus
	Message    string
}

// ContactTimes lists the callback choices.
func (v *complaintPublicView) ContactTimes() []string { return ticket.ContactTimes }

// Selected reports whether category id is the one chosen.
func (v *complaintPublicView) Selected(id guanxi.ID) bool { return v.Form.CategoryID == id }

func (h *Handler) complaintView(r *http.Request, title string) *complaintPublicView {
	v := &complaintPublicView{Base: h.base(r, title, "")}
	// The language switch returns to the form, never to the staff home.
	if r.Method != http.MethodGet {
		v.Here = "/complaint"
	}
	v.Labels = map[string]string{}
	for f, key := range complaintLabels {
		v.Labels[f] = v.T(key)
	}
	return v
}

// complaintLabels name the form's fields in error lists.
var complaintLabels = map[string]string{
	"name": "web.public.f.name", "phone": "web.public.f.phone", "hint": "web.public.f.hint",
	"category_id": "web.public.f.category_id", "description": "web.public.f.description",
	"demand": "web.public.f.demand", "contact_time": "web.public.f.contact_time", "consent": "web.public.f.consent",
}

// loadForm fills the category list and a fresh signed timestamp.
func (h *Handler) loadForm(r *http.Request, v *complaintPublicView) error {
	var err error
	if v.Categories, err = h.app.PublicComplaints.Categories(r.Context()); err != nil {
		return err
	}
	v.Stamp, err = h.app.PublicComplaints.Stamp(r.Context())
	return err
}

func (h *Handler) complaintPage(w http.ResponseWriter, r *http.Request, status int, v *complaintPublicView) error {
	// Search engines have no business indexing a form or a status page.
	w.Header().Set("X-Robots-Tag", "noindex")
	return h.renderBlock(w, r, status, "complaint_public", "public", v)
}

func (h *Handler) complaintForm(w http.ResponseWriter, r *http.Request) error {
	v := h.complaintView(r, "web.public.title")
	v.Form.ContactTime = "any"
	if err := h.loadForm(r, v); err != nil {
		return err
	}
	return h.complaintPage(w, r, http.StatusOK, v)
}

func readComplaint(r *http.Request) ticket.PublicForm {
	return ticket.PublicForm{
		Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), Hint: r.PostFormValue("hint"),
		CategoryID: formID(r, "category_id"), Description: r.PostFormValue("description"),
		Demand: r.PostFormValue("demand"), ContactTime: r.PostFormValue("contact_time"),
		Consent: r.PostFormValue("consent") == "1",
	}
}

func (h *Handler) complaintSubmit(w http.ResponseWriter, r *http.Request) error {
	v := h.complaintView(r, "web.public.title")
	v.Form = readComplaint(r)
	rec, err := h.app.PublicComplaints.Submit(r.Context(), ticket.Submission{Form: v.Form,
		Stamp: r.PostFormValue("ts"), Honeypot: r.PostFormValue("website"), Addr: remoteHost(r)})
	if err == nil {
		v.Title, v.Receipt = "web.public.received_title", &rec
		v.StatusLink = absoluteURL(r, "/complaint/status/"+rec.Token)
		return h.complaintPage(w, r, http.StatusOK, v)
	}
	e := guanxi.AsError(err)
	switch e.Kind {
	case guanxi.KindTooMany:
		return h.complaintTooMany(w, r, v, e)
	case guanxi.KindInvalid:
		// Mistakes are shown next to their fields with what was typed; a
		// form posted too late gets a fresh stamp and the same message.
		if lerr := h.loadForm(r, v); lerr != nil {
			return lerr
		}
		v.setError(e)
		return h.complaintPage(w, r, response.Status(err), v)
	}
	return err
}

// complaintTooMany is the 429 page, on the bare layout, with Retry-After.
func (h *Handler) complaintTooMany(w http.ResponseWriter, r *http.Request, v *complaintPublicView, e *guanxi.Error) error {
	secs, _ := e.Args["seconds"].(int)
	if secs <= 0 {
		secs = 60
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	v.Title = "web.public.too_many_title"
	v.Message = v.T(e.Key, e.Args)
	return h.complaintPage(w, r, http.StatusTooManyRequests, v)
}

func (h *Handler) complaintStatus(w http.ResponseWriter, r *http.Request) error {
	v := h.complaintView(r, "web.public.status_title")
	st, err := h.app.PublicComplaints.Status(r.Context(), r.PathValue("token"), remoteHost(r))
	if err != nil {
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindTooMany:
			return h.complaintTooMany(w, r, v, e)
		case guanxi.KindNotFound:
			v.Message = v.T(e.Key)
			return h.complaintPage(w, r, http.StatusNotFound, v)
		}
		return err
	}
	v.Status = &st
	return h.complaintPage(w, r, http.StatusOK, v)
}

// absoluteURL is path on this server as the customer reached it.
func absoluteURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// ticketCustomerView links a complaint that came without a customer: the
// customers in the user's scope found by the complainant's phone or a
// search.
type ticketCustomerView struct {
	Base
	Tk      ticket.Ticket
	Q       string
	Matches []customerRow
}

func customerListQuery(q string) customer.ListQuery { return customer.ListQuery{Q: q, Limit: 20} }

// customerRow is a search result, masked.
type customerRow struct {
	ID     guanxi.ID
	Number string
	Name   string
	Mobile string
}

func (h *Handler) loadTicketCustomer(r *http.Request, q string) (*ticketCustomerView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	ctx, a := r.Context(), actor(r)
	tk, err := h.app.Tickets.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	v := &ticketCustomerView{Base: h.base(r, "web.public.link_title", "tickets"), Tk: tk, Q: strings.TrimSpace(q)}
	// Without a typed query the complainant's phone is searched, but never
	// written into the page: the search box stays empty (the phone is
	// shown masked above it).
	search := v.Q
	if search == "" {
		search = tk.ContactPhone
	}
	if search != "" && tk.CustomerID == nil {
		page, err := h.app.Customers.List(ctx, a, customerListQuery(search))
		if err != nil {
			return nil, err
		}
		for _, c := range page.Items {
			m := c.Mask()
			v.Matches = append(v.Matches, customerRow{ID: c.ID, Number: c.Number, Name: c.Name, Mobile: m.Mobile})
		}
	}
	return v, nil
}

func (h *Handler) ticketCustomerPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadTicketCustomer(r, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "complaint_public_link", v)
}

func (h *Handler) ticketCustomerLink(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadTicketCustomer(r, r.PostFormValue("q"))
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err = h.app.PublicComplaints.LinkCustomer(r.Context(), actor(r), v.Tk.ID, version, formID(r, "customer_id"))
	if err != nil {
		return h.formError(w, r, err, "complaint_public_link", v)
	}
	h.flash(r.Context(), "web.public.linked")
	return redirect(w, r, "/tickets/"+strconv.FormatInt(v.Tk.ID, 10))
}
