package staff

import (
	"context"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
)

// UserQuery selects users. Zero fields do not filter; OrgUnitID selects the
// unit's whole subtree.
type UserQuery struct {
	Q               string
	OrgUnitID       guanxi.ID
	Role            guanxi.Role
	IncludeDisabled bool
}

// Store is what the staff service needs. *sqlstore.Store implements it.
type Store interface {
	UserByID(ctx context.Context, id guanxi.ID) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	// Users lists users matching q whose unit path starts with under ("" for
	// all) and, when onlyID is set, only that user; ordered by unit path and
	// username.
	Users(ctx context.Context, q UserQuery, under string, onlyID guanxi.ID) ([]User, error)
	CountUsers(ctx context.Context) (int64, error)
	// InsertUser stores u (with PasswordHash set) and its first password
	// history row; a taken username is a Conflict on "username".
	InsertUser(ctx context.Context, u *User, entry audit.Entry) error
	// UpdateUserRow writes u's profile columns, role, unit, lang and disabled
	// flag when the row is still at version; otherwise Stale or NotFound.
	UpdateUserRow(ctx context.Context, u User, version int64, entries ...audit.Entry) error
	Unit(ctx context.Context, id guanxi.ID) (OrgUnit, error)
	Units(ctx context.Context) ([]OrgUnit, error)
	// InsertUnit stores u under its parent and sets its path.
	InsertUnit(ctx context.Context, u *OrgUnit, entry audit.Entry) error
	// UpdateUnitRow writes u at version; when the parent changed it refuses a
	// move under u's own subtree and recomputes the paths of the subtree,
	// all in one transaction.
	UpdateUnitRow(ctx context.Context, u *OrgUnit, version int64, entry audit.Entry) error
	// BootstrapAdmin creates unit and u when there is no user yet, in one
	// transaction; created is false when a user already existed.
	BootstrapAdmin(ctx context.Context, unit *OrgUnit, u *User, entries ...audit.Entry) (created bool, err error)
}

// Service is the org and user administration use cases. Password hashing and
// policy are callbacks so that staff does not import auth (auth imports staff).
type Service struct {
	Store Store
	// Hash turns a password into a stored hash (auth.HashPassword).
	Hash func(string) (string, error)
	// CheckPolicy checks a new password against the policy in force.
	CheckPolicy func(ctx context.Context, pw, username string) error
}

func forbidden() error { return guanxi.Forbidden("error.forbidden") }

func (s *Service) hash(ctx context.Context, pw, username string) (string, error) {
	if s.CheckPolicy != nil {
		if err := s.CheckPolicy(ctx, pw, username); err != nil {
			return "", err
		}
	} else if pw == "" {
		return "", guanxi.Invalid(guanxi.Field("password", "validation.required"))
	}
	if s.Hash == nil {
		return "", guanxi.Internal(errNoHash)
	}
	h, err := s.Hash(pw)
	if err != nil {
		return "", guanxi.Internal(err)
	}
	return h, nil
}

type staffError string

func (e staffError) Error() string { return string(e) }

const errNoHash = staffError("staff: Service.Hash is not set")

// HasUsers reports whether any user exists (false on a fresh install).
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	n, err := s.Store.CountUsers(ctx)
	return n > 0, err
}

// Bootstrap creates the head office and a first administrator when there is
// no user yet. It is idempotent: later calls change nothing.
func (s *Service) Bootstrap(ctx context.Context, username, password string) (bool, error) {
	if has, err := s.HasUsers(ctx); err != nil || has {
		return false, err
	}
	u := &User{Username: username, Name: username, Role: guanxi.RoleAdmin, OrgUnitID: -1, Lang: "zh-CN"}
	if err := ValidateUser(u); err != nil {
		return false, err
	}
	hash, err := s.hash(ctx, password, u.Username)
	if err != nil {
		return false, err
	}
	u.PasswordHash = hash
	unit := &OrgUnit{Name: "总行 / Head office", Kind: "head_office"}
	sys := guanxi.SystemActor("bootstrap")
	return s.Store.BootstrapAdmin(ctx, unit, u,
		audit.New(sys, audit.ActionOrgChange, "org_unit", 0, map[string]any{"name": unit.Name, "kind": unit.Kind}),
		audit.New(sys, audit.ActionUserCreate, "user", 0, map[string]any{"username": u.Username, "role": u.Role}))
}

// inScope reports whether a may see user u: itself always, managers their
// subtree, user admins everyone.
func inScope(a guanxi.Actor, u User) bool {
	if a.Can(guanxi.PermUserAdmin) {
		return true
	}
	if a.UserID != 0 && a.UserID == u.ID {
		return true
	}
	return a.Scope() == guanxi.ScopeSubtree && a.OrgPath != "" && strings.HasPrefix(u.OrgPath, a.OrgPath)
}

// GetUser returns a user a may see; others are NotFound.
func (s *Service) GetUser(ctx context.Context, a guanxi.Actor, id guanxi.ID) (User, error) {
	u, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if !inScope(a, u) {
		return User{}, guanxi.NotFound("error.not_found")
	}
	return u, nil
}

// ListUsers lists users: admins all, managers their subtree, others only
// themselves.
func (s *Service) ListUsers(ctx context.Context, a guanxi.Actor, q UserQuery) ([]User, error) {
	q.Q = strings.TrimSpace(q.Q)
	switch {
	case a.Can(guanxi.PermUserAdmin):
		return s.Store.Users(ctx, q, "", 0)
	case a.Scope() == guanxi.ScopeSubtree && a.OrgPath != "":
		return s.Store.Users(ctx, q, a.OrgPath, 0)
	case a.UserID != 0:
		return s.Store.Users(ctx, q, "", a.UserID)
	}
	return nil, forbidden()
}

// CreateUser creates a user with a first password (user.admin).
func (s *Service) CreateUser(ctx context.Context, a guanxi.Actor, u *User, password string) error {
	if !a.Can(guanxi.PermUserAdmin) {
		return forbidden()
	}
	u.ID, u.Version, u.Disabled = 0, 0, false
	if err := ValidateUser(u); err != nil {
		return err
	}
	if _, err := s.Store.Unit(ctx, u.OrgUnitID); err != nil {
		if guanxi.KindOf(err) == guanxi.KindNotFound {
			return guanxi.Invalid(guanxi.Field("org_unit_id", "staff.unit_unknown"))
		}
		return err
	}
	hash, err := s.hash(ctx, password, u.Username)
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	u.MustChangePassword = false
	e := audit.New(a, audit.ActionUserCreate, "user", 0,
		map[string]any{"username": u.Username, "role": u.Role, "org_unit_id": u.OrgUnitID})
	if err := s.Store.InsertUser(ctx, u, e); err != nil {
		return err
	}
	got, err := s.Store.UserByID(ctx, u.ID)
	if err == nil {
		*u = got
	}
	return nil
}

// userDiff lists the administered fields that differ between before and after.
func userDiff(before, after User) map[string]any {
	d := map[string]any{}
	add := func(name string, from, to any) {
		if from != to {
			d[name] = map[string]any{"from": from, "to": to}
		}
	}
	add("name", before.Name, after.Name)
	add("email", before.Email, after.Email)
	add("role", string(before.Role), string(after.Role))
	add("org_unit_id", before.OrgUnitID, after.OrgUnitID)
	add("lang", before.Lang, after.Lang)
	return d
}

// update applies edit to the stored user and writes it at version with the
// audit rows that the change calls for.
func (s *Service) update(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, edit func(*User) error) (User, error) {
	cur, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	if cur.Version != version {
		return User{}, guanxi.Stale(cur.Version)
	}
	next := cur
	if err := edit(&next); err != nil {
		return User{}, err
	}
	// Only the profile, role, unit and language change here; the rest has
	// its own use case.
	next.ID, next.Username, next.PasswordHash, next.PasswordChangedAt = cur.ID, cur.Username, cur.PasswordHash, cur.PasswordChangedAt
	next.MustChangePassword, next.Version, next.CreatedAt = cur.MustChangePassword, cur.Version, cur.CreatedAt
	next.OrgUnitName, next.OrgPath = cur.OrgUnitName, cur.OrgPath
	if err := ValidateUser(&next); err != nil {
		return User{}, err
	}
	if next.OrgUnitID != cur.OrgUnitID {
		if _, err := s.Store.Unit(ctx, next.OrgUnitID); err != nil {
			if guanxi.KindOf(err) == guanxi.KindNotFound {
				return User{}, guanxi.Invalid(guanxi.Field("org_unit_id", "staff.unit_unknown"))
			}
			return User{}, err
		}
	}
	var entries []audit.Entry
	if d := userDiff(cur, next); len(d) > 0 {
		d["username"] = cur.Username
		entries = append(entries, audit.New(a, audit.ActionUserUpdate, "user", id, d))
	}
	if next.Role != cur.Role {
		entries = append(entries, audit.New(a, audit.ActionRoleChange, "user", id,
			map[string]any{"username": cur.Username, "from": cur.Role, "to": next.Role}))
	}
	if next.Disabled != cur.Disabled {
		action := audit.ActionUserEnable
		if next.Disabled {
			action = audit.ActionUserDisable
		}
		entries = append(entries, audit.New(a, action, "user", id, map[string]any{"username": cur.Username}))
	}
	if len(entries) == 0 {
		return cur, nil
	}
	if err := s.Store.UpdateUserRow(ctx, next, version, entries...); err != nil {
		return User{}, err
	}
	return s.Store.UserByID(ctx, id)
}

// UpdateUser changes a user's profile, role or unit (user.admin). A role
// change is also audited as role_change. Admins cannot change their own role.
func (s *Service) UpdateUser(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, edit func(*User) error) (User, error) {
	if !a.Can(guanxi.PermUserAdmin) {
		return User{}, forbidden()
	}
	return s.update(ctx, a, id, version, func(u *User) error {
		disabled, role := u.Disabled, u.Role
		if err := edit(u); err != nil {
			return err
		}
		u.Disabled = disabled // SetDisabled is the way to disable
		if id == a.UserID && u.Role != role {
			return guanxi.Invalid(guanxi.Field("role", "staff.self_change"))
		}
		return nil
	})
}

// SetDisabled disables or enables a user (user.admin); nobody disables
// themselves.
func (s *Service) SetDisabled(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, disabled bool) error {
	if !a.Can(guanxi.PermUserAdmin) {
		return forbidden()
	}
	if id == a.UserID && disabled {
		return guanxi.Invalid(guanxi.Field("disabled", "staff.self_change"))
	}
	_, err := s.update(ctx, a, id, version, func(u *User) error {
		u.Disabled = disabled
		return nil
	})
	return err
}

// UpdateProfile changes a's own name, e-mail and language.
func (s *Service) UpdateProfile(ctx context.Context, a guanxi.Actor, version int64, name, email, lang string) (User, error) {
	if a.UserID == 0 || !a.Can(guanxi.PermSelf) {
		return User{}, forbidden()
	}
	return s.update(ctx, a, a.UserID, version, func(u *User) error {
		u.Name, u.Email, u.Lang = name, email, lang
		return nil
	})
}

// SetLang keeps a's UI language.
func (s *Service) SetLang(ctx context.Context, a guanxi.Actor, lang string) error {
	if a.UserID == 0 {
		return forbidden()
	}
	cur, err := s.Store.UserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	if cur.Lang == lang {
		return nil
	}
	_, err = s.update(ctx, a, a.UserID, cur.Version, func(u *User) error {
		u.Lang = lang
		return nil
	})
	return err
}

// ListUnits returns the whole org tree ordered by path (any signed-in user;
// unit names are not confidential and forms need them).
func (s *Service) ListUnits(ctx context.Context, a guanxi.Actor) ([]OrgUnit, error) {
	if !a.Can(guanxi.PermSelf) {
		return nil, forbidden()
	}
	return s.Store.Units(ctx)
}

// GetUnit returns one unit.
func (s *Service) GetUnit(ctx context.Context, a guanxi.Actor, id guanxi.ID) (OrgUnit, error) {
	if !a.Can(guanxi.PermSelf) {
		return OrgUnit{}, forbidden()
	}
	return s.Store.Unit(ctx, id)
}

// CreateUnit adds a unit under an existing parent (org.admin).
func (s *Service) CreateUnit(ctx context.Context, a guanxi.Actor, u *OrgUnit) error {
	if !a.Can(guanxi.PermOrgAdmin) {
		return forbidden()
	}
	u.ID, u.Version, u.Path = 0, 0, ""
	if err := ValidateUnit(u); err != nil {
		return err
	}
	if u.ParentID == nil || *u.ParentID == 0 {
		return guanxi.Invalid(guanxi.Field("parent_id", "validation.required"))
	}
	if _, err := s.Store.Unit(ctx, *u.ParentID); err != nil {
		if guanxi.KindOf(err) == guanxi.KindNotFound {
			return guanxi.Invalid(guanxi.Field("parent_id", "staff.unit_unknown"))
		}
		return err
	}
	e := audit.New(a, audit.ActionOrgChange, "org_unit", 0,
		map[string]any{"op": "create", "name": u.Name, "kind": u.Kind, "parent_id": *u.ParentID})
	if err := s.Store.InsertUnit(ctx, u, e); err != nil {
		return err
	}
	if got, err := s.Store.Unit(ctx, u.ID); err == nil {
		*u = got
	}
	return nil
}

// UpdateUnit renames, re-kinds or moves a unit (org.admin). Moving it under
// itself or one of its descendants is refused; the subtree's paths move with
// it in the same transaction.
func (s *Service) UpdateUnit(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, edit func(*OrgUnit) error) (OrgUnit, error) {
	if !a.Can(guanxi.PermOrgAdmin) {
		return OrgUnit{}, forbidden()
	}
	cur, err := s.Store.Unit(ctx, id)
	if err != nil {
		return OrgUnit{}, err
	}
	if cur.Version != version {
		return OrgUnit{}, guanxi.Stale(cur.Version)
	}
	next := cur
	if cur.ParentID != nil {
		p := *cur.ParentID
		next.ParentID = &p
	}
	if err := edit(&next); err != nil {
		return OrgUnit{}, err
	}
	next.ID, next.Path, next.Version, next.CreatedAt = cur.ID, cur.Path, cur.Version, cur.CreatedAt
	if err := ValidateUnit(&next); err != nil {
		return OrgUnit{}, err
	}
	oldParent, newParent := parentOf(cur), parentOf(next)
	switch {
	case oldParent == 0 && newParent != 0:
		// The root stays the root (anything else would be under its own subtree).
		return OrgUnit{}, guanxi.Invalid(guanxi.Field("parent_id", "staff.unit_cycle"))
	case oldParent != 0 && newParent == 0:
		return OrgUnit{}, guanxi.Invalid(guanxi.Field("parent_id", "validation.required"))
	case newParent == id:
		return OrgUnit{}, guanxi.Invalid(guanxi.Field("parent_id", "staff.unit_cycle"))
	}
	d := map[string]any{"op": "update"}
	if cur.Name != next.Name {
		d["name"] = map[string]any{"from": cur.Name, "to": next.Name}
	}
	if cur.Kind != next.Kind {
		d["kind"] = map[string]any{"from": cur.Kind, "to": next.Kind}
	}
	if oldParent != newParent {
		d["parent_id"] = map[string]any{"from": oldParent, "to": newParent}
	}
	if len(d) == 1 {
		return cur, nil
	}
	if err := s.Store.UpdateUnitRow(ctx, &next, version, audit.New(a, audit.ActionOrgChange, "org_unit", id, d)); err != nil {
		return OrgUnit{}, err
	}
	return s.Store.Unit(ctx, id)
}

func parentOf(u OrgUnit) guanxi.ID {
	if u.ParentID == nil {
		return 0
	}
	return *u.ParentID
}

// UnitPath is the materialised path of a unit with id under parentPath
// ("/" for the root's parent).
func UnitPath(parentPath string, id guanxi.ID) string {
	if parentPath == "" {
		parentPath = "/"
	}
	return parentPath + strconv.FormatInt(id, 10) + "/"
}

// CanMoveUnder reports whether a unit at path may move under a parent at
// parentPath: not under itself, nor under any of its descendants.
func CanMoveUnder(path, parentPath string) bool {
	return !strings.HasPrefix(parentPath, path)
}
