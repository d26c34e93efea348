package web

import (
	"bufio"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// appointmentRoutes lists this module's pages and form actions.
func (h *Handler) appointmentRoutes() []route {
	return []route{
		{"GET", "/appointments", guanxi.PermCustomerRead, h.aptList},
		{"GET", "/appointments/new", guanxi.PermCustomerWrite, h.aptNew},
		{"POST", "/appointments", guanxi.PermCustomerWrite, h.aptCreate},
		{"GET", "/appointments/customers", guanxi.PermCustomerWrite, h.aptCustomerOptions},
		{"GET", "/appointments/slots", guanxi.PermSelf, h.aptSlots},
		{"GET", "/appointment-admin", guanxi.PermCareAdmin, h.aptAdmin},
		{"POST", "/appointment-admin/kinds", guanxi.PermCareAdmin, h.aptKindSave},
		{"POST", "/appointment-admin/resources", guanxi.PermCareAdmin, h.aptResourceSave},
		{"GET", "/appointments/{id}", guanxi.PermCustomerRead, h.aptShow},
		{"POST", "/appointments/{id}/reschedule", guanxi.PermCustomerWrite, h.aptReschedule},
		{"POST", "/appointments/{id}/confirm", guanxi.PermCustomerWrite, h.aptAct(appointment.ActionConfirm)},
		{"POST", "/appointments/{id}/arrive", guanxi.PermCustomerWrite, h.aptAct(appointment.ActionArrive)},
		{"POST", "/appointments/{id}/no-show", guanxi.PermCustomerWrite, h.aptAct(appointment.ActionNoShow)},
		{"POST", "/appointments/{id}/cancel", guanxi.PermCustomerWrite, h.aptAct(appointment.ActionCancel)},
		{"GET", "/reports/appointments", guanxi.PermCareReport, h.aptReport},
	}
}

// aptBase carries the kinds and resources every appointment page labels.
type aptBase struct {
	Base
	Kinds     []appointment.Kind
	Resources []appointment.Resource
	loc       *time.Location
}

// KindName labels a kind in the page language.
func (v *aptBase) KindName(ap appointment.Appointment) string { return ap.KindName(v.Lang) }

// LocalTime formats t in the slots' time zone.
func (v *aptBase) LocalTime(t time.Time) string { return t.In(v.loc).Format("2006-01-02 15:04") }

// Clock formats t's time of day in the slots' time zone.
func (v *aptBase) Clock(t time.Time) string { return t.In(v.loc).Format("15:04") }

// AptStatusClass is the badge style of a status.
func (v *aptBase) AptStatusClass(s string) string {
	switch s {
	case appointment.StatusArrived:
		return "ok"
	case appointment.StatusNoShow, appointment.StatusCancelled:
		return "bad"
	}
	return ""
}

// Statuses lists the appointment statuses for filters.
func (v *aptBase) Statuses() []string { return appointment.Statuses }

// ResourceKinds lists the resource kinds.
func (v *aptBase) ResourceKinds() []string { return appointment.ResourceKinds }

func (h *Handler) aptBase(r *http.Request, title, nav string) (aptBase, error) {
	as := h.app.Appointments
	v := aptBase{Base: h.base(r, title, nav), loc: as.Location()}
	var err error
	if v.Kinds, err = as.Kinds(r.Context(), actor(r)); err != nil {
		return v, err
	}
	v.Resources, err = as.Resources(r.Context(), actor(r))
	return v, err
}

// aptGridColumn is one resource's slots on the day grid.
type aptGridColumn struct {
	Resource appointment.Resource
	Slots    []aptGridSlot
}

type aptGridSlot struct {
	appointment.Slot
	Items []appointment.Appointment
}

// aptListView is the appointments page: the past ones still open, a
// day's grid and a page of the filtered list. Next carries the list's
// cursor and keeps the filters; PastOpenMore links to the whole past-open
// list when more are open than the card shows.
type aptListView struct {
	aptBase
	Q            appointment.ListQuery
	Items        []appointment.Appointment
	PastOpen     []appointment.Appointment
	PastOpenMore bool
	Day          string
	Grid         []aptGridColumn
	Export       string
	Next         string
	First        string
	Paged        bool
}

// aptPageSize is the list's page on the web page; the API pages by up to
// appointment.MaxLimit.
const aptPageSize = 50

func (h *Handler) aptQuery(r *http.Request) appointment.ListQuery {
	q := r.URL.Query()
	return appointment.ListQuery{From: q.Get("from"), To: q.Get("to"), ResourceID: formIDValue(q.Get("resource_id")),
		KindID: formIDValue(q.Get("kind_id")), Status: q.Get("status"), OwnerID: formIDValue(q.Get("owner_id")),
		PastOpen: q.Get("past_open") == "1", Cursor: q.Get("cursor"), Limit: aptPageSize}
}

func (h *Handler) aptList(w http.ResponseWriter, r *http.Request) error {
	as := h.app.Appointments
	base, err := h.aptBase(r, "web.apt.title", "appointments")
	if err != nil {
		return err
	}
	qs := r.URL.Query()
	v := &aptListView{aptBase: base, Q: h.aptQuery(r), Day: qs.Get("day")}
	if v.Q.From == "" && v.Q.To == "" && !v.Q.PastOpen {
		v.Q.From = as.Today()
		v.Q.To = time.Now().In(base.loc).AddDate(0, 0, 30).Format(time.DateOnly)
	}
	if qs.Get("format") == "csv" {
		// The export is the whole filtered window, whatever page is shown.
		v.Q.Cursor = ""
		return h.aptListCSV(w, r, v)
	}
	page, err := as.Page(r.Context(), actor(r), v.Q)
	if err != nil {
		return err
	}
	v.Items, v.Paged = page.Items, v.Q.Cursor != ""
	if page.NextCursor != "" {
		v.Next = withCursor(r, qs, page.NextCursor) + "#list"
	}
	v.First = withCursor(r, qs, "") + "#list"
	past, err := as.Page(r.Context(), actor(r), appointment.ListQuery{PastOpen: true, Limit: appointment.MaxLimit})
	if err != nil {
		return err
	}
	v.PastOpen, v.PastOpenMore = past.Items, past.NextCursor != ""
	if v.Day == "" {
		v.Day = as.Today()
	}
	day, err := as.List(r.Context(), actor(r), appointment.ListQuery{From: v.Day, To: v.Day, ResourceID: v.Q.ResourceID})
	if err != nil {
		return err
	}
	for _, res := range v.Resources {
		if !res.Active || (v.Q.ResourceID != 0 && res.ID != v.Q.ResourceID) {
			continue
		}
		_, slots, err := as.Availability(r.Context(), actor(r), res.ID, v.Day)
		if err != nil {
			return err
		}
		col := aptGridColumn{Resource: res}
		for _, s := range slots {
			gs := aptGridSlot{Slot: s}
			for _, ap := range day {
				if ap.ResourceID == res.ID && !ap.StartsAt.Before(s.Start) && ap.StartsAt.Before(s.End) {
					gs.Items = append(gs.Items, ap)
				}
			}
			col.Slots = append(col.Slots, gs)
		}
		v.Grid = append(v.Grid, col)
	}
	export := cloneValues(qs)
	export.Del("cursor")
	export.Set("format", "csv")
	v.Export = "/appointments?" + export.Encode()
	return h.render(w, r, http.StatusOK, "appointments", v)
}

// aptListCSV streams the whole filtered window page by page, however
// long; nothing is written before the first page is read, so a bad filter
// is still an error page.
func (h *Handler) aptListCSV(w http.ResponseWriter, r *http.Request, v *aptListView) error {
	var out *aptCSV
	start := func() {
		out = newAptCSV(w, "appointments.csv")
		out.row([]string{v.T("web.apt.number"), v.T("field.customer_id"), v.T("web.apt.kind"), v.T("web.apt.resource"),
			v.T("web.apt.starts_at"), v.T("field.status"), v.T("web.apt.staff"), v.T("web.apt.owner"), v.T("web.apt.gift")})
	}
	err := h.app.Appointments.Each(r.Context(), actor(r), v.Q, func(page []appointment.Appointment) error {
		if out == nil {
			start()
		}
		for _, ap := range page {
			gift := ""
			if ap.GiftGiven {
				gift = "1"
			}
			out.row([]string{ap.Number(), ap.CustomerName, ap.KindName(v.Lang), ap.ResourceName,
				v.LocalTime(ap.StartsAt), v.Enum("appointment_status", ap.Status), ap.StaffName, ap.OwnerName, gift})
		}
		return out.err()
	})
	if err != nil {
		return err
	}
	if out == nil {
		start()
	}
	return out.close()
}

// aptFormView is the booking form.
type aptFormView struct {
	aptBase
	A        appointment.Appointment
	TaskID   guanxi.ID
	TaskName string
	Start    string // datetime-local as typed
	Customer string // the picked customer's name
}

func (h *Handler) aptNew(w http.ResponseWriter, r *http.Request) error {
	base, err := h.aptBase(r, "web.apt.new", "appointments")
	if err != nil {
		return err
	}
	v := &aptFormView{aptBase: base, A: appointment.Appointment{Priority: true, CustomerID: formID(r, "customer_id")}}
	if tid := formID(r, "task"); tid != 0 {
		t, err := h.app.Tasks.Get(r.Context(), actor(r), tid)
		if err != nil {
			return err
		}
		v.TaskID, v.TaskName, v.A.CustomerID = t.ID, t.Title, t.CustomerID
		v.A.KindID = aptKindFor(v.Kinds, t.Title+" "+t.Notes)
	}
	if v.A.CustomerID != 0 {
		c, err := h.app.Customers.Get(r.Context(), actor(r), v.A.CustomerID)
		if err != nil {
			return err
		}
		v.Customer = c.Name
	}
	return h.render(w, r, http.StatusOK, "appointment_form", v)
}

// aptKindFor picks the kind a task's text names ("保养到期" → maintenance),
// the first kind otherwise.
func aptKindFor(kinds []appointment.Kind, text string) guanxi.ID {
	low := strings.ToLower(text)
	for _, k := range kinds {
		if k.Active && ((k.NameZh != "" && strings.Contains(text, k.NameZh)) || (k.NameEn != "" && strings.Contains(low, strings.ToLower(k.NameEn)))) {
			return k.ID
		}
	}
	for _, k := range kinds {
		if k.Active {
			return k.ID
		}
	}
	return 0
}

func (h *Handler) aptParseStart(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(s), h.app.Appointments.Location())
	return t, err == nil
}

func (h *Handler) aptCreate(w http.ResponseWriter, r *http.Request) error {
	cid := formID(r, "customer_id")
	if cid == 0 {
		cid = formID(r, "customer_pick") // chosen from the search results
	}
	ap := appointment.Appointment{CustomerID: cid, KindID: formID(r, "kind_id"),
		ResourceID: formID(r, "resource_id"), Note: r.PostFormValue("note"), Priority: r.PostFormValue("priority") != ""}
	if id := formID(r, "staff_id"); id != 0 {
		ap.StaffID = &id
	}
	taskID := formID(r, "task")
	start := r.PostFormValue("starts_at")
	var err error
	if t, ok := h.aptParseStart(start); ok {
		ap.StartsAt = t
		err = h.app.Appointments.Book(r.Context(), actor(r), &ap, taskID)
	} else {
		err = guanxi.Invalid(guanxi.Field("starts_at", "validation.required"))
	}
	if err != nil {
		base, berr := h.aptBase(r, "web.apt.new", "appointments")
		if berr != nil {
			return berr
		}
		v := &aptFormView{aptBase: base, A: ap, TaskID: taskID, Start: start, Customer: r.PostFormValue("customer_name")}
		return h.formError(w, r, err, "appointment_form", v)
	}
	h.flash(r.Context(), "web.flash.apt_booked")
	return redirect(w, r, "/appointments/"+strconv.FormatInt(ap.ID, 10))
}

// aptCustomerOptions is the customer picker: up to 20 customers in scope
// matching q, as <option>s for the form's datalist.
func (h *Handler) aptCustomerOptions(w http.ResponseWriter, r *http.Request) error {
	v := &aptPickView{Base: h.base(r, "web.apt.new", "appointments")}
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
		page, err := h.app.Customers.List(r.Context(), actor(r), customer.ListQuery{Q: q, Limit: 20})
		if err != nil {
			return err
		}
		v.Items = page.Items
	}
	return h.renderBlock(w, r, http.StatusOK, "appointment_form", "apt_customer_options", v)
}

type aptPickView struct {
	Base
	Items []customer.Customer
}

// aptSlotsView is the availability of a resource on a day.
type aptSlotsView struct {
	aptBase
	Resource appointment.Resource
	Day      string
	Slots    []appointment.Slot
}

func (h *Handler) aptSlots(w http.ResponseWriter, r *http.Request) error {
	base := aptBase{Base: h.base(r, "web.apt.availability", "appointments"), loc: h.app.Appointments.Location()}
	v := &aptSlotsView{aptBase: base, Day: r.URL.Query().Get("slot_date")}
	if v.Day == "" {
		v.Day = h.app.Appointments.Today()
	}
	if id := formIDValue(r.URL.Query().Get("resource_id")); id != 0 {
		var err error
		if v.Resource, v.Slots, err = h.app.Appointments.Availability(r.Context(), actor(r), id, v.Day); err != nil {
			return err
		}
	}
	return h.renderBlock(w, r, http.StatusOK, "appointment_form", "apt_slots", v)
}

type aptShowView struct {
	aptBase
	A      appointment.Appointment
	Start  string
	Reason string
}

// Open reports whether the appointment still changes.
func (v *aptShowView) Open() bool { return appointment.Open(v.A.Status) }

func (h *Handler) aptShowView(r *http.Request, id guanxi.ID) (*aptShowView, error) {
	base, err := h.aptBase(r, "web.apt.title", "appointments")
	if err != nil {
		return nil, err
	}
	ap, err := h.app.Appointments.Get(r.Context(), actor(r), id)
	if err != nil {
		return nil, err
	}
	return &aptShowView{aptBase: base, A: ap, Start: ap.StartsAt.In(base.loc).Format("2006-01-02T15:04")}, nil
}

func (h *Handler) aptShow(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := h.aptShowView(r, id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "appointment", v)
}

// aptAct is the form action of confirm, arrive, no-show or cancel.
func (h *Handler) aptAct(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		c := appointment.Change{Gift: r.PostFormValue("gift") != "", Note: r.PostFormValue("note"), Reason: r.PostFormValue("reason")}
		if _, err := h.app.Appointments.Act(r.Context(), actor(r), id, version, action, c); err != nil {
			v, gerr := h.aptShowView(r, id)
			if gerr != nil {
				return gerr
			}
			v.Reason = c.Reason
			return h.formError(w, r, err, "appointment", v)
		}
		h.flash(r.Context(), "web.flash.saved")
		return redirect(w, r, "/appointments/"+strconv.FormatInt(id, 10))
	}
}

func (h *Handler) aptReschedule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	start := r.PostFormValue("starts_at")
	t, ok := h.aptParseStart(start)
	if ok {
		_, err = h.app.Appointments.Reschedule(r.Context(), actor(r), id, version, t, formID(r, "resource_id"))
	} else {
		err = guanxi.Invalid(guanxi.Field("starts_at", "validation.required"))
	}
	if err != nil {
		v, gerr := h.aptShowView(r, id)
		if gerr != nil {
			return gerr
		}
		v.Start = start
		return h.formError(w, r, err, "appointment", v)
	}
	h.flash(r.Context(), "web.flash.apt_rescheduled")
	return redirect(w, r, "/appointments/"+strconv.FormatInt(id, 10))
}

// aptWriteCSV writes rows as one CSV file (see aptCSV).
func aptWriteCSV(w http.ResponseWriter, name string, rows [][]string) error {
	out := newAptCSV(w, name)
	for _, row := range rows {
		out.row(row)
	}
	return out.close()
}

// aptCSV writes a UTF-8 CSV with a BOM (Excel opens Chinese correctly)
// row by row; cells that start like formulas are quoted. A write error
// sticks and is returned by err and close.
type aptCSV struct{ b *bufio.Writer }

func newAptCSV(w http.ResponseWriter, name string) *aptCSV {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	out := &aptCSV{b: bufio.NewWriter(w)}
	out.b.WriteString("\ufeff")
	return out
}

func (c *aptCSV) row(cells []string) {
	for i, v := range cells {
		if i > 0 {
			c.b.WriteByte(',')
		}
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			v = "'" + v
		}
		if strings.ContainsAny(v, "\",\n\r") {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		c.b.WriteString(v)
	}
	c.b.WriteString("\r\n")
}

// err is the first write error, if any.
func (c *aptCSV) err() error {
	_, err := c.b.Write(nil)
	return err
}

func (c *aptCSV) close() error { return c.b.Flush() }
