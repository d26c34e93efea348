package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/appointment"
)

// aptAdminView edits the kinds and resources (care.admin). Failed forms
// keep what was typed in NewKind / NewResource or the edited row.
type aptAdminView struct {
	aptBase
	NewKind     appointment.Kind
	NewResource appointment.Resource
	EditID      guanxi.ID
	EditKind    *appointment.Kind
	EditRes     *appointment.Resource
}

// DayNames are the weekday keys of a resource's hours, Monday first.
func (v *aptAdminView) DayNames() []string {
	return []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
}

// HoursOf splits a resource's hours into the seven weekday ranges.
func (v *aptAdminView) HoursOf(r appointment.Resource) []string {
	parts := strings.Split(r.Hours, ",")
	out := make([]string, 7)
	copy(out, parts)
	return out
}

func (h *Handler) aptAdminView(r *http.Request) (*aptAdminView, error) {
	base, err := h.aptBase(r, "web.apt.admin", "appointments")
	if err != nil {
		return nil, err
	}
	return &aptAdminView{aptBase: base,
		NewKind:     appointment.Kind{DurationMinutes: 60, Reminders: appointment.DefaultReminders, Active: true},
		NewResource: appointment.Resource{Kind: appointment.ResourceBay, Hours: appointment.DefaultHours, SlotMinutes: 60, Capacity: 1, Active: true},
	}, nil
}

func (h *Handler) aptAdmin(w http.ResponseWriter, r *http.Request) error {
	v, err := h.aptAdminView(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "appointment_admin", v)
}

func (h *Handler) aptKindSave(w http.ResponseWriter, r *http.Request) error {
	id := formID(r, "id") // 0: a new one
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	dur, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("duration_minutes")))
	k := appointment.Kind{ID: id, Code: r.PostFormValue("code"), NameZh: r.PostFormValue("name_zh"), NameEn: r.PostFormValue("name_en"),
		DurationMinutes: dur, Reminders: r.PostFormValue("reminder_offsets"), Active: r.PostFormValue("active") != ""}
	if err := h.app.Appointments.SaveKind(r.Context(), actor(r), &k, version); err != nil {
		v, verr := h.aptAdminView(r)
		if verr != nil {
			return verr
		}
		if id == 0 {
			v.NewKind = k
		} else {
			k.Version = version
			v.EditID, v.EditKind = id, &k
		}
		return h.formError(w, r, err, "appointment_admin", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/appointment-admin")
}

func (h *Handler) aptResourceSave(w http.ResponseWriter, r *http.Request) error {
	id := formID(r, "id") // 0: a new one
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	slot, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("slot_minutes")))
	capacity, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("capacity")))
	hours := make([]string, 7)
	for i, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		hours[i] = strings.TrimSpace(r.PostFormValue("hours_" + d))
	}
	res := appointment.Resource{ID: id, Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), Hours: strings.Join(hours, ","),
		SlotMinutes: slot, Capacity: capacity, Active: r.PostFormValue("active") != ""}
	if u := formID(r, "org_unit_id"); u != 0 {
		res.OrgUnitID = &u
	}
	if u := formID(r, "user_id"); u != 0 {
		res.UserID = &u
	}
	if err := h.app.Appointments.SaveResource(r.Context(), actor(r), &res, version); err != nil {
		v, verr := h.aptAdminView(r)
		if verr != nil {
			return verr
		}
		if id == 0 {
			v.NewResource = res
		} else {
			res.Version = version
			v.EditID, v.EditRes = id, &res
		}
		return h.formError(w, r, err, "appointment_admin", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/appointment-admin")
}

// KindRow is a kind's row as shown: what was typed when its save failed.
func (v *aptAdminView) KindRow(k appointment.Kind) appointment.Kind {
	if v.EditKind != nil && v.EditKind.ID == k.ID {
		return *v.EditKind
	}
	return k
}

// ResourceRow is a resource's row as shown: what was typed when its save failed.
func (v *aptAdminView) ResourceRow(r appointment.Resource) appointment.Resource {
	if v.EditRes != nil && v.EditRes.ID == r.ID {
		return *v.EditRes
	}
	return r
}
