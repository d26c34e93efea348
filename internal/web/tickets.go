package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// ticketRoutes are the complaint pages, their SLA settings and the
// notifications page.
func (h *Handler) ticketRoutes() []route {
	const (
		read   = guanxi.PermTicketRead
		write  = guanxi.PermTicketWrite
		manage = guanxi.PermTicketManage
	)
	return []route{
		{"GET", "/tickets", read, h.ticketBoard},
		{"GET", "/tickets/new", write, h.ticketNew},
		{"POST", "/tickets", write, h.ticketCreate},
		{"GET", "/tickets/sla", read, h.ticketSLA},
		{"POST", "/tickets/sla/policies", manage, h.ticketPolicySave},
		{"POST", "/tickets/sla/policies/delete", manage, h.ticketPolicyDelete},
		{"POST", "/tickets/sla/calendar", manage, h.ticketCalendarSave},
		{"POST", "/tickets/sla/hours", manage, h.ticketHoursSave},
		{"POST", "/tickets/sla/categories", manage, h.ticketCategorySave},
		{"GET", "/tickets/{id}", read, h.ticketShow},
		{"POST", "/tickets/{id}/steps", write, h.ticketStep},
		{"POST", "/tickets/{id}/notices", manage, h.ticketNoticeIssue},
		{"POST", "/tickets/{id}/notices/{sub}", write, h.ticketNoticeStep},
		{"GET", "/notifications", guanxi.PermSelf, h.notifications},
		{"POST", "/notifications/read-all", guanxi.PermSelf, h.notificationsReadAll},
		{"POST", "/notifications/{id}/read", guanxi.PermSelf, h.notificationRead},
	}
}

// ticketLists are the vocabularies a complaint page offers.
type ticketLists struct {
	Categories []ticket.Category
	Units      []ownerOption
	Users      []ownerOption
}

func (l ticketLists) TicketStatuses() []string   { return stringsOf(ticket.Statuses) }
func (l ticketLists) TicketChannels() []string   { return ticket.Channels }
func (l ticketLists) Severities() []string       { return stringsOf(ticket.Severities) }
func (l ticketLists) FeedbackChannels() []string { return ticket.FeedbackChannels }
func (l ticketLists) TargetUnits() []string      { return stringsOf(ticket.TargetUnits) }

// CategoryLabel is a category's name indented by depth, in lang.
func (l ticketLists) CategoryLabel(c ticket.Category, lang string) string {
	return strings.Repeat("　", c.Depth) + c.Name(lang)
}

// CategoryName names category id in lang ("" when unknown).
func (l ticketLists) CategoryName(id *guanxi.ID, lang string) string {
	if id == nil {
		return ""
	}
	for _, c := range l.Categories {
		if c.ID == *id {
			return c.Name(lang)
		}
	}
	return ""
}

func (h *Handler) ticketLists(ctx context.Context, a guanxi.Actor) (ticketLists, error) {
	var l ticketLists
	var err error
	if l.Categories, err = h.app.Tickets.Categories(ctx, a); err != nil {
		return l, err
	}
	if units, err := h.app.Staff.ListUnits(ctx, a); err == nil {
		for _, u := range units {
			l.Units = append(l.Units, ownerOption{ID: u.ID, Label: strings.Repeat("　", max(strings.Count(u.Path, "/")-2, 0)) + u.Name})
		}
	}
	l.Users = h.owners(ctx, a)
	return l, nil
}

// boardView is the complaint board.
type boardView struct {
	Base
	ticketLists
	Q     ticket.ListQuery
	Items []ticket.Ticket
	Next  string // URL of the next page
}

// DueClass marks a due time that has passed.
func (v *boardView) DueClass(t ticket.Ticket) string {
	if t.Overdue(time.Now()) {
		return "overdue"
	}
	return ""
}

// ticketQuery is the board's filter as typed in the query string.
func ticketQuery(q url.Values) ticket.ListQuery {
	return ticket.ListQuery{Status: ticket.Status(q.Get("status")), CategoryID: queryID(q, "category_id"),
		Severity: ticket.Severity(q.Get("severity")), OrgUnitID: queryID(q, "org_unit_id"),
		AssigneeID: queryID(q, "assignee_id"), CustomerID: queryID(q, "customer_id"),
		Overdue: q.Get("overdue") == "1", Open: q.Get("open") == "1", Cursor: q.Get("cursor"), Limit: 50}
}

// ExportURL is the board's export link in format f, with its filter (no
// cursor). A whole URL: html/template would escape a query spliced after "?".
func (v *boardView) ExportURL(f string) string {
	u, err := url.Parse(v.Here)
	if err != nil {
		return "/tickets/export." + f
	}
	q := u.Query()
	q.Del("cursor")
	return "/tickets/export." + f + "?" + q.Encode()
}

func (h *Handler) ticketBoard(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	q := r.URL.Query()
	lq := ticketQuery(q)
	v := &boardView{Base: h.base(r, "web.ticket.board", "tickets"), Q: lq}
	var err error
	if v.ticketLists, err = h.ticketLists(r.Context(), a); err != nil {
		return err
	}
	page, err := h.app.Tickets.List(r.Context(), a, lq)
	if err != nil {
		e := guanxi.AsError(err)
		if e.Kind != guanxi.KindInvalid {
			return err
		}
		v.setError(e)
		return h.render(w, r, http.StatusBadRequest, "tickets", v)
	}
	v.Items = page.Items
	if page.NextCursor != "" {
		nq := url.Values{}
		for k, vals := range q {
			if k != "cursor" {
				nq[k] = vals
			}
		}
		nq.Set("cursor", page.NextCursor)
		v.Next = "/tickets?" + nq.Encode()
	}
	return h.render(w, r, http.StatusOK, "tickets", v)
}

func queryID(q url.Values, k string) guanxi.ID {
	id, _ := strconv.ParseInt(strings.TrimSpace(q.Get(k)), 10, 64)
	return id
}

// ticketFormView is the registration form (《客户投诉处理表》).
type ticketFormView struct {
	Base
	ticketLists
	Tk           ticket.Ticket
	CustomerName string
	ReceivedAt   string
	// Holdings of the chosen customer (masked), to name the product complained about.
	Holdings []customer.Holding
}

// loadHoldings offers the customer's holdings on the form.
func (h *Handler) loadHoldings(r *http.Request, v *ticketFormView) {
	if v.Tk.CustomerID == nil {
		return
	}
	hs, err := h.app.Customers.Holdings(r.Context(), actor(r), *v.Tk.CustomerID)
	if err != nil {
		return
	}
	for _, x := range hs {
		v.Holdings = append(v.Holdings, x.Mask())
	}
}

func (h *Handler) ticketNew(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	v := &ticketFormView{Base: h.base(r, "web.ticket.new", "tickets"), Tk: ticket.Ticket{Channel: "phone", Severity: ticket.SeverityMedium}}
	var err error
	if v.ticketLists, err = h.ticketLists(r.Context(), a); err != nil {
		return err
	}
	if cid := queryID(r.URL.Query(), "customer_id"); cid != 0 {
		c, err := h.app.Customers.Get(r.Context(), a, cid)
		if err != nil {
			return err
		}
		c = c.Mask()
		v.Tk.CustomerID, v.CustomerName = &c.ID, c.Name+" · "+c.Number
		v.Tk.ContactName = c.Name
		h.loadHoldings(r, v)
	}
	return h.render(w, r, http.StatusOK, "ticket_form", v)
}

func optID(r *http.Request, name string) *guanxi.ID {
	if id := formID(r, name); id > 0 {
		return &id
	}
	return nil
}

func (h *Handler) ticketCreate(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	t := ticket.Ticket{Channel: r.FormValue("channel"), CategoryID: optID(r, "category_id"),
		Severity: ticket.Severity(r.FormValue("severity")), Subject: r.FormValue("subject"),
		Description: r.FormValue("description"), Demand: r.FormValue("demand"), ContactName: r.FormValue("contact_name"),
		ContactPhone: r.FormValue("contact_phone"), CustomerID: optID(r, "customer_id"), OrgUnitID: optID(r, "org_unit_id"),
		HoldingID:    optID(r, "holding_id"),
		FirstContact: r.FormValue("first_contact_resolution") == "1"}
	if s := strings.TrimSpace(r.FormValue("received_at")); s != "" {
		t.ReceivedAt = h.parseLocal(s)
		if t.ReceivedAt.IsZero() {
			return h.ticketFormError(w, r, a, t, guanxi.Invalid(guanxi.Field("received_at", "validation.date")))
		}
	}
	if err := h.app.Tickets.Register(r.Context(), a, &t); err != nil {
		return h.ticketFormError(w, r, a, t, err)
	}
	h.flash(r.Context(), "web.ticket.registered")
	return redirect(w, r, fmt.Sprintf("/tickets/%d", t.ID))
}

func (h *Handler) ticketFormError(w http.ResponseWriter, r *http.Request, a guanxi.Actor, t ticket.Ticket, err error) error {
	v := &ticketFormView{Base: h.base(r, "web.ticket.new", "tickets"), Tk: t, ReceivedAt: r.FormValue("received_at")}
	var lerr error
	if v.ticketLists, lerr = h.ticketLists(r.Context(), a); lerr != nil {
		return lerr
	}
	if t.CustomerID != nil {
		if c, cerr := h.app.Customers.Get(r.Context(), a, *t.CustomerID); cerr == nil {
			v.CustomerName = c.Name + " · " + c.Number
		}
		h.loadHoldings(r, v)
	}
	return h.formError(w, r, err, "ticket_form", v)
}

// TicketPhone masks a complainant's phone for display.
func (b *Base) TicketPhone(s string) string { return customer.MaskPhone(s) }
