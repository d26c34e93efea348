package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/response"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// owners lists the users a can pick as owner (its own scope decides: an
// agent sees itself, a manager its subtree, an admin everyone).
func (h *Handler) owners(ctx context.Context, a guanxi.Actor) []ownerOption {
	if a.UserID == 0 || h.app.Staff == nil {
		return nil
	}
	users, err := h.app.Staff.ListUsers(ctx, a, staff.UserQuery{})
	if err != nil {
		return nil
	}
	out := make([]ownerOption, 0, len(users))
	for _, u := range users {
		out = append(out, ownerOption{ID: u.ID, Label: ownerLabel(u.Name, u.Username, u.OrgUnitName)})
	}
	return out
}

// ownerLabel is how an owner reads in the menus: "name (username) · unit".
func ownerLabel(name, username, unit string) string {
	label := name + " (" + username + ")"
	if unit != "" {
		label += " · " + unit
	}
	return label
}

type usersView struct {
	Base
	Q        string
	Role     string
	Unit     guanxi.ID
	Disabled bool
	Users    []staff.User
	Units    []staff.OrgUnit
}

func (h *Handler) users(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	q := r.URL.Query()
	v := &usersView{Base: h.base(r, "web.users.title", "users"), Q: strings.TrimSpace(q.Get("q")), Role: q.Get("role"),
		Disabled: q.Get("disabled") != ""}
	v.Unit, _ = strconv.ParseInt(q.Get("unit"), 10, 64)
	var err error
	if v.Units, err = h.app.Staff.ListUnits(r.Context(), a); err != nil {
		return err
	}
	v.Users, err = h.app.Staff.ListUsers(r.Context(), a, staff.UserQuery{Q: v.Q, OrgUnitID: v.Unit,
		Role: guanxi.Role(v.Role), IncludeDisabled: v.Disabled})
	if err != nil {
		return h.formError(w, r, err, "users", v)
	}
	return h.render(w, r, http.StatusOK, "users", v)
}

type userFormView struct {
	Base
	U     staff.User
	IsNew bool
	Units []staff.OrgUnit
	Open  string
}

// UnitKinds lists org unit kinds for selects.
func (b *Base) UnitKinds() []staff.UnitKind { return staff.UnitKinds }

// Indent shows an org unit at its depth in a select.
func (b *Base) Indent(u staff.OrgUnit) string {
	d := u.Depth()
	if d < 0 {
		d = 0
	}
	return strings.Repeat("　", d) + u.Name
}

func (h *Handler) userForm(r *http.Request, u staff.User, isNew bool) (*userFormView, error) {
	title := "web.users.edit_title"
	if isNew {
		title = "web.users.new_title"
	}
	v := &userFormView{Base: h.base(r, title, "users"), U: u, IsNew: isNew}
	var err error
	v.Units, err = h.app.Staff.ListUnits(r.Context(), actor(r))
	return v, err
}

func (h *Handler) userNew(w http.ResponseWriter, r *http.Request) error {
	v, err := h.userForm(r, staff.User{Role: guanxi.RoleAgent, Lang: "zh-CN"}, true)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "user_form", v)
}

func readUserForm(r *http.Request, u *staff.User) {
	u.Name = strings.TrimSpace(r.PostFormValue("name"))
	u.Email = strings.TrimSpace(r.PostFormValue("email"))
	u.Role = guanxi.Role(r.PostFormValue("role"))
	u.OrgUnitID = formID(r, "org_unit_id")
	if l := r.PostFormValue("lang"); l != "" {
		u.Lang = l
	}
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request) error {
	u := staff.User{Username: strings.TrimSpace(r.PostFormValue("username")), Lang: "zh-CN"}
	readUserForm(r, &u)
	err := h.app.Staff.CreateUser(r.Context(), actor(r), &u, r.PostFormValue("password"))
	if err != nil {
		v, verr := h.userForm(r, u, true)
		if verr != nil {
			return verr
		}
		return h.formError(w, r, err, "user_form", v)
	}
	h.flash(r.Context(), "web.flash.created")
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func (h *Handler) userEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.app.Staff.GetUser(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	v, err := h.userForm(r, u, false)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "user_form", v)
}

func (h *Handler) userUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	_, err = h.app.Staff.UpdateUser(r.Context(), a, id, version, func(u *staff.User) error {
		readUserForm(r, u)
		return nil
	})
	if err != nil {
		u, gerr := h.app.Staff.GetUser(r.Context(), a, id)
		if gerr != nil {
			return gerr
		}
		readUserForm(r, &u)
		u.Version = version
		v, verr := h.userForm(r, u, false)
		if verr != nil {
			return verr
		}
		v.Open = "profile"
		return h.formError(w, r, err, "user_form", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (h *Handler) userDisable(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	disabled := r.PostFormValue("disabled") == "1"
	if err := h.app.Staff.SetDisabled(r.Context(), actor(r), id, version, disabled); err != nil {
		return err
	}
	if disabled {
		h.flash(r.Context(), "web.flash.user_disabled")
	} else {
		h.flash(r.Context(), "web.flash.user_enabled")
	}
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
}

func (h *Handler) userResetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := actor(r)
	if err := h.app.Auth.ResetPassword(r.Context(), a, id, r.PostFormValue("password")); err != nil {
		u, gerr := h.app.Staff.GetUser(r.Context(), a, id)
		if gerr != nil {
			return gerr
		}
		v, verr := h.userForm(r, u, false)
		if verr != nil {
			return verr
		}
		v.Open = "password"
		return h.formError(w, r, err, "user_form", v)
	}
	h.flash(r.Context(), "web.flash.password_reset")
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
}

// orgView is the org tree with an add form and inline edit forms.
type orgView struct {
	Base
	Units []staff.OrgUnit
	New   staff.OrgUnit
	Open  guanxi.ID // unit whose edit form failed
}

func (h *Handler) orgPage(w http.ResponseWriter, r *http.Request, status int, v *orgView) error {
	var err error
	if v.Units, err = h.app.Staff.ListUnits(r.Context(), actor(r)); err != nil {
		return err
	}
	return h.render(w, r, status, "org", v)
}

func (h *Handler) org(w http.ResponseWriter, r *http.Request) error {
	v := &orgView{Base: h.base(r, "web.org.title", "org"), New: staff.OrgUnit{Kind: "branch"}}
	return h.orgPage(w, r, http.StatusOK, v)
}

func readUnitForm(r *http.Request, u *staff.OrgUnit) {
	u.Name = strings.TrimSpace(r.PostFormValue("name"))
	u.Kind = staff.UnitKind(r.PostFormValue("kind"))
	if p := formID(r, "parent_id"); p != 0 {
		u.ParentID = &p
	} else {
		u.ParentID = nil
	}
}

func (h *Handler) orgCreate(w http.ResponseWriter, r *http.Request) error {
	var u staff.OrgUnit
	readUnitForm(r, &u)
	if err := h.app.Staff.CreateUnit(r.Context(), actor(r), &u); err != nil {
		v := &orgView{Base: h.base(r, "web.org.title", "org"), New: u}
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed:
			v.setError(e)
			return h.orgPage(w, r, response.Status(err), v)
		}
		return err
	}
	h.flash(r.Context(), "web.flash.created")
	return redirect(w, r, "/admin/org")
}

func (h *Handler) orgUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	_, err = h.app.Staff.UpdateUnit(r.Context(), actor(r), id, version, func(u *staff.OrgUnit) error {
		readUnitForm(r, u)
		return nil
	})
	if err != nil {
		v := &orgView{Base: h.base(r, "web.org.title", "org"), New: staff.OrgUnit{Kind: "branch"}, Open: id}
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed:
			v.setError(e)
			return h.orgPage(w, r, response.Status(err), v)
		}
		return err
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/admin/org")
}
