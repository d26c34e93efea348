// Package staff is the organisation tree and the users who work in it.
// It does no I/O.
package staff

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// UnitKind is the level of an org unit.
type UnitKind string

// UnitKinds lists org unit kinds from the top down.
var UnitKinds = []UnitKind{"head_office", "branch", "sub_branch", "department", "team"}

// OrgUnit is one node of the org tree. Path is materialised ("/1/4/9/") so a
// subtree is a prefix match.
type OrgUnit struct {
	ID        guanxi.ID  `db:"id"`
	ParentID  *guanxi.ID `db:"parent_id"`
	Name      string     `db:"name"`
	Kind      UnitKind   `db:"kind"`
	Path      string     `db:"path"`
	Version   int64      `db:"version"`
	CreatedAt time.Time  `db:"created_at"`
	UpdatedAt time.Time  `db:"updated_at"`
}

// Depth is the number of ancestors of u.
func (u OrgUnit) Depth() int { return strings.Count(u.Path, "/") - 2 }

// User is a staff member who signs in.
type User struct {
	ID                 guanxi.ID   `db:"id"`
	Username           string      `db:"username"`
	Name               string      `db:"name"`
	Email              string      `db:"email"`
	Role               guanxi.Role `db:"role"`
	OrgUnitID          guanxi.ID   `db:"org_unit_id"`
	OrgUnitName        string      `db:"org_unit_name"`
	OrgPath            string      `db:"org_path"`
	PasswordHash       string      `db:"password_hash"`
	PasswordChangedAt  time.Time   `db:"password_changed_at"`
	MustChangePassword bool        `db:"must_change_password"`
	Disabled           bool        `db:"disabled"`
	Lang               string      `db:"lang"`
	Version            int64       `db:"version"`
	CreatedAt          time.Time   `db:"created_at"`
	UpdatedAt          time.Time   `db:"updated_at"`
}

// Actor returns the actor for u calling from addr.
func (u User) Actor(addr string) guanxi.Actor {
	return guanxi.Actor{UserID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role,
		OrgUnitID: u.OrgUnitID, OrgPath: u.OrgPath, Lang: u.Lang, Addr: addr}
}

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// Langs are the UI languages.
var Langs = []string{"zh-CN", "en"}

// ValidateUser checks a user's profile fields (not the password).
func ValidateUser(u *User) error {
	var f guanxi.Fields
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.Name = strings.TrimSpace(u.Name)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Lang == "" {
		u.Lang = "zh-CN"
	}
	if !usernameRe.MatchString(u.Username) {
		f.Add("username", "validation.username")
	}
	if u.Name == "" {
		f.Add("name", "validation.required")
	} else if utf8.RuneCountInString(u.Name) > 50 {
		f.Add("name", "validation.too_long", map[string]any{"max": 50})
	}
	if !u.Role.Valid() {
		f.Add("role", "validation.enum")
	}
	if u.OrgUnitID == 0 {
		f.Add("org_unit_id", "validation.required")
	}
	if !slices.Contains(Langs, u.Lang) {
		f.Add("lang", "validation.enum")
	}
	if u.Email != "" && (!strings.Contains(u.Email, "@") || len(u.Email) > 100) {
		f.Add("email", "validation.email")
	}
	return f.Err()
}

// ValidateUnit checks an org unit.
func ValidateUnit(u *OrgUnit) error {
	var f guanxi.Fields
	u.Name = strings.TrimSpace(u.Name)
	if u.Name == "" {
		f.Add("name", "validation.required")
	} else if utf8.RuneCountInString(u.Name) > 50 {
		f.Add("name", "validation.too_long", map[string]any{"max": 50})
	}
	if !slices.Contains(UnitKinds, u.Kind) {
		f.Add("kind", "validation.enum")
	}
	return f.Err()
}
