package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/calendar"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// slaView is the SLA settings page: policies, the business calendar's
// admin-entered years, working hours per unit and the category tree.
type slaView struct {
	Base
	ticketLists
	Policies  []ticket.Policy
	Notices   []ticket.CalendarNotice
	Hours     []ticket.UnitHours
	Years     []int
	NewPolicy ticket.Policy
	Calendar  ticket.CalendarNotice
	UnitHours ticket.UnitHours
	Category  ticket.Category
	OpenForm  string
}

// Default is the built-in policy of a severity, shown for reference.
func (v *slaView) Default(sev string) ticket.Policy {
	return ticket.DefaultPolicy(ticket.Severity(sev))
}

func (h *Handler) loadSLAView(r *http.Request) (*slaView, error) {
	a := actor(r)
	ctx := r.Context()
	v := &slaView{Base: h.base(r, "web.ticket.sla", "ticket_sla"), NewPolicy: ticket.Policy{FirstResponseUnit: ticket.Hours, ResolutionUnit: ticket.Days}}
	var err error
	if v.ticketLists, err = h.ticketLists(ctx, a); err != nil {
		return nil, err
	}
	if v.Policies, err = h.app.Tickets.Policies(ctx, a); err != nil {
		return nil, err
	}
	if v.Notices, err = h.app.Tickets.CalendarNotices(ctx, a); err != nil {
		return nil, err
	}
	if v.Hours, err = h.app.Tickets.WorkingHours(ctx, a); err != nil {
		return nil, err
	}
	if cal, err := h.app.Tickets.Calendar(ctx); err == nil {
		v.Years = cal.Years()
	}
	v.UnitHours.Hours = calendar.StandardHours(h.loc).String()
	return v, nil
}

func (h *Handler) ticketSLA(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadSLAView(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "ticket_sla", v)
}

func (h *Handler) slaError(w http.ResponseWriter, r *http.Request, form string, err error, fill func(*slaView)) error {
	v, lerr := h.loadSLAView(r)
	if lerr != nil {
		return lerr
	}
	v.OpenForm = form
	fill(v)
	if guanxi.KindOf(err) == guanxi.KindForbidden {
		e := guanxi.AsError(err)
		v.Alert = v.T(e.Key, e.Args)
		return h.render(w, r, http.StatusForbidden, "ticket_sla", v)
	}
	return h.formError(w, r, err, "ticket_sla", v)
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

func (h *Handler) ticketPolicySave(w http.ResponseWriter, r *http.Request) error {
	p := ticket.Policy{ID: formID(r, "id"), CategoryID: formID(r, "category_id"), Severity: ticket.Severity(r.FormValue("severity")),
		FirstResponse: atoi(r.FormValue("first_response")), FirstResponseUnit: ticket.TargetUnit(r.FormValue("first_response_unit")),
		Resolution: atoi(r.FormValue("resolution")), ResolutionUnit: ticket.TargetUnit(r.FormValue("resolution_unit"))}
	version := int64(atoi(r.FormValue("version")))
	if err := h.app.Tickets.SavePolicy(r.Context(), actor(r), &p, version); err != nil {
		return h.slaError(w, r, "policy", err, func(v *slaView) { v.NewPolicy = p })
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/tickets/sla")
}

func (h *Handler) ticketPolicyDelete(w http.ResponseWriter, r *http.Request) error {
	if err := h.app.Tickets.DeletePolicy(r.Context(), actor(r), formID(r, "id"), int64(atoi(r.FormValue("version")))); err != nil {
		return h.slaError(w, r, "", err, func(*slaView) {})
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/tickets/sla")
}

func (h *Handler) ticketCalendarSave(w http.ResponseWriter, r *http.Request) error {
	n := ticket.CalendarNotice{Year: atoi(r.FormValue("year")), Text: r.FormValue("text")}
	if err := h.app.Tickets.SaveCalendarNotice(r.Context(), actor(r), &n, int64(atoi(r.FormValue("version")))); err != nil {
		return h.slaError(w, r, "calendar", err, func(v *slaView) { v.Calendar = n })
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/tickets/sla#calendar")
}

func (h *Handler) ticketHoursSave(w http.ResponseWriter, r *http.Request) error {
	x := ticket.UnitHours{OrgUnitID: formID(r, "org_unit_id"), Hours: r.FormValue("hours")}
	version := int64(0)
	if hs, err := h.app.Tickets.WorkingHours(r.Context(), actor(r)); err == nil {
		for _, e := range hs {
			if e.OrgUnitID == x.OrgUnitID {
				version = int64(atoi(r.FormValue("version")))
				if version == 0 {
					version = e.Version
				}
			}
		}
	}
	if err := h.app.Tickets.SaveWorkingHours(r.Context(), actor(r), &x, version); err != nil {
		return h.slaError(w, r, "hours", err, func(v *slaView) { v.UnitHours = x })
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/tickets/sla#hours")
}

func (h *Handler) ticketCategorySave(w http.ResponseWriter, r *http.Request) error {
	c := ticket.Category{ID: formID(r, "id"), ParentID: optID(r, "parent_id"), Code: r.FormValue("code"),
		NameZh: r.FormValue("name_zh"), NameEn: r.FormValue("name_en"), Position: atoi(r.FormValue("position"))}
	if err := h.app.Tickets.SaveCategory(r.Context(), actor(r), &c, int64(atoi(r.FormValue("version")))); err != nil {
		return h.slaError(w, r, "category", err, func(v *slaView) { v.Category = c })
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/tickets/sla#categories")
}

// PolicyCategory names a policy's category (0: any) in lang.
func (v *slaView) PolicyCategory(id guanxi.ID, lang string) string {
	return v.CategoryName(&id, lang)
}
