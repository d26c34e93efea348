package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// UserOut is a staff member without secrets.
type UserOut struct {
	ID                 guanxi.ID `json:"id"`
	Username           string    `json:"username"`
	Name               string    `json:"name"`
	Email              string    `json:"email"`
	Role               string    `json:"role"`
	OrgUnitID          guanxi.ID `json:"org_unit_id"`
	OrgUnitName        string    `json:"org_unit_name"`
	Disabled           bool      `json:"disabled"`
	MustChangePassword bool      `json:"must_change_password"`
	Lang               string    `json:"lang"`
	Version            int64     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
}

func userOut(u staff.User) UserOut {
	return UserOut{ID: u.ID, Username: u.Username, Name: u.Name, Email: u.Email, Role: string(u.Role),
		OrgUnitID: u.OrgUnitID, OrgUnitName: u.OrgUnitName, Disabled: u.Disabled,
		MustChangePassword: u.MustChangePassword, Lang: u.Lang, Version: u.Version, CreatedAt: u.CreatedAt}
}

// UnitOut is an org unit.
type UnitOut struct {
	ID       guanxi.ID  `json:"id"`
	ParentID *guanxi.ID `json:"parent_id,omitempty"`
	Name     string     `json:"name"`
	Kind     string     `json:"kind"`
	Path     string     `json:"path"`
	Version  int64      `json:"version"`
}

func unitOut(u staff.OrgUnit) UnitOut {
	return UnitOut{ID: u.ID, ParentID: u.ParentID, Name: u.Name, Kind: string(u.Kind), Path: u.Path, Version: u.Version}
}

// TokenOut describes an API token; Token (the secret) is only in the create response.
type TokenOut struct {
	ID         guanxi.ID  `json:"id"`
	UserID     guanxi.ID  `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Token      string     `json:"token,omitempty" doc:"Shown once, at creation"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func tokenOut(t auth.Token) TokenOut {
	return TokenOut{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

type userIDPath struct {
	ID guanxi.ID `path:"id" doc:"User id"`
}

func (h *Handler) staffRoutes(api humaAPI) {
	st, au := h.app.Staff, h.app.Auth
	// Own profile.
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/me", ID: "get-me", Perm: guanxi.PermSelf},
		"The signed-in user", func(ctx context.Context, a guanxi.Actor, in *struct{}) (*one[UserOut], error) {
			u, err := st.GetUser(ctx, a, a.UserID)
			if err != nil {
				return nil, err
			}
			return &one[UserOut]{ETag: etag(u.Version), Body: userOut(u)}, nil
		})
	type meIn struct {
		IfMatch string `header:"If-Match"`
		Body    struct {
			Name  string `json:"name,omitempty" maxLength:"50"`
			Email string `json:"email,omitempty" maxLength:"100"`
			Lang  string `json:"lang,omitempty" enum:"zh-CN,en"`
		}
	}
	register(api, h, Route{Method: http.MethodPatch, Path: "/api/v1/me", ID: "update-me", Perm: guanxi.PermSelf},
		"Change own name, email or language (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *meIn) (*one[UserOut], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			cur, err := st.GetUser(ctx, a, a.UserID)
			if err != nil {
				return nil, err
			}
			name, email, lang := cur.Name, cur.Email, cur.Lang
			if in.Body.Name != "" {
				name = in.Body.Name
			}
			if in.Body.Email != "" {
				email = in.Body.Email
			}
			if in.Body.Lang != "" {
				lang = in.Body.Lang
			}
			u, err := st.UpdateProfile(ctx, a, v, name, email, lang)
			if err != nil {
				return nil, err
			}
			return &one[UserOut]{ETag: etag(u.Version), Body: userOut(u)}, nil
		})
	type pwIn struct {
		Body struct {
			Old string `json:"old_password" maxLength:"200"`
			New string `json:"new_password" maxLength:"200"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/me/password", ID: "change-password", Perm: guanxi.PermSelf},
		"Change own password", func(ctx context.Context, a guanxi.Actor, in *pwIn) (*noContent, error) {
			return &noContent{}, au.ChangePassword(ctx, a, in.Body.Old, in.Body.New)
		})

	// Users.
	type usersIn struct {
		Q               string    `query:"q" maxLength:"50"`
		OrgUnitID       guanxi.ID `query:"org_unit_id"`
		Role            string    `query:"role"`
		IncludeDisabled bool      `query:"include_disabled"`
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/users", ID: "list-users", Perm: guanxi.PermSelf},
		"Staff the caller may see (managers: their subtree)", func(ctx context.Context, a guanxi.Actor, in *usersIn) (*many[UserOut], error) {
			list, err := st.ListUsers(ctx, a, staff.UserQuery{Q: in.Q, OrgUnitID: in.OrgUnitID, Role: guanxi.Role(in.Role), IncludeDisabled: in.IncludeDisabled})
			if err != nil {
				return nil, err
			}
			out := &many[UserOut]{Body: []UserOut{}}
			for _, u := range list {
				out.Body = append(out.Body, userOut(u))
			}
			return out, nil
		})
	type userCreate struct {
		Body struct {
			Username  string    `json:"username" maxLength:"32"`
			Name      string    `json:"name" maxLength:"50"`
			Email     string    `json:"email,omitempty" maxLength:"100"`
			Role      string    `json:"role" enum:"admin,manager,agent,credit,auditor"`
			OrgUnitID guanxi.ID `json:"org_unit_id"`
			Lang      string    `json:"lang,omitempty" enum:"zh-CN,en"`
			Password  string    `json:"password" maxLength:"200"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/users", ID: "create-user", Perm: guanxi.PermUserAdmin},
		"Create a staff member", func(ctx context.Context, a guanxi.Actor, in *userCreate) (*one[UserOut], error) {
			b := in.Body
			u := &staff.User{Username: b.Username, Name: b.Name, Email: b.Email, Role: guanxi.Role(b.Role), OrgUnitID: b.OrgUnitID, Lang: b.Lang}
			if err := st.CreateUser(ctx, a, u, b.Password); err != nil {
				return nil, err
			}
			got, err := st.GetUser(ctx, a, u.ID)
			if err != nil {
				return nil, err
			}
			return &one[UserOut]{ETag: etag(got.Version), Body: userOut(got)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/users/{id}", ID: "get-user", Perm: guanxi.PermSelf},
		"Get a staff member", func(ctx context.Context, a guanxi.Actor, in *userIDPath) (*one[UserOut], error) {
			u, err := st.GetUser(ctx, a, in.ID)
			if err != nil {
				return nil, err
			}
			return &one[UserOut]{ETag: etag(u.Version), Body: userOut(u)}, nil
		})
	type userPatch struct {
		ID      guanxi.ID `path:"id"`
		IfMatch string    `header:"If-Match"`
		Body    struct {
			Name      *string    `json:"name,omitempty" maxLength:"50"`
			Email     *string    `json:"email,omitempty" maxLength:"100"`
			Role      *string    `json:"role,omitempty" enum:"admin,manager,agent,credit,auditor"`
			OrgUnitID *guanxi.ID `json:"org_unit_id,omitempty"`
			Lang      *string    `json:"lang,omitempty" enum:"zh-CN,en"`
			Disabled  *bool      `json:"disabled,omitempty"`
		}
	}
	register(api, h, Route{Method: http.MethodPatch, Path: "/api/v1/users/{id}", ID: "update-user", Perm: guanxi.PermUserAdmin},
		"Change a staff member's profile, role, unit or disable them (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *userPatch) (*one[UserOut], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			b := in.Body
			u, err := st.UpdateUser(ctx, a, in.ID, v, func(u *staff.User) error {
				if b.Name != nil {
					u.Name = *b.Name
				}
				if b.Email != nil {
					u.Email = *b.Email
				}
				if b.Role != nil {
					u.Role = guanxi.Role(*b.Role)
				}
				if b.OrgUnitID != nil {
					u.OrgUnitID = *b.OrgUnitID
				}
				if b.Lang != nil {
					u.Lang = *b.Lang
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			if b.Disabled != nil && *b.Disabled != u.Disabled {
				if err := st.SetDisabled(ctx, a, u.ID, u.Version, *b.Disabled); err != nil {
					return nil, err
				}
				if u, err = st.GetUser(ctx, a, u.ID); err != nil {
					return nil, err
				}
			}
			return &one[UserOut]{ETag: etag(u.Version), Body: userOut(u)}, nil
		})
	type resetIn struct {
		ID   guanxi.ID `path:"id"`
		Body struct {
			Password string `json:"password" maxLength:"200"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/users/{id}/password", ID: "reset-password", Perm: guanxi.PermUserAdmin},
		"Reset a staff member's password (they must change it at next sign-in)", func(ctx context.Context, a guanxi.Actor, in *resetIn) (*noContent, error) {
			return &noContent{}, au.ResetPassword(ctx, a, in.ID, in.Body.Password)
		})

	// Org units.
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/org-units", ID: "list-org-units", Perm: guanxi.PermSelf},
		"The org tree, in path order", func(ctx context.Context, a guanxi.Actor, in *struct{}) (*many[UnitOut], error) {
			list, err := st.ListUnits(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[UnitOut]{Body: []UnitOut{}}
			for _, u := range list {
				out.Body = append(out.Body, unitOut(u))
			}
			return out, nil
		})
	type unitIn struct {
		Body struct {
			Name     string    `json:"name" maxLength:"50"`
			Kind     string    `json:"kind" enum:"head_office,branch,sub_branch,department,team"`
			ParentID guanxi.ID `json:"parent_id"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/org-units", ID: "create-org-unit", Perm: guanxi.PermOrgAdmin},
		"Add an org unit", func(ctx context.Context, a guanxi.Actor, in *unitIn) (*one[UnitOut], error) {
			p := in.Body.ParentID
			u := &staff.OrgUnit{Name: in.Body.Name, Kind: staff.UnitKind(in.Body.Kind), ParentID: &p}
			if err := st.CreateUnit(ctx, a, u); err != nil {
				return nil, err
			}
			got, err := st.GetUnit(ctx, a, u.ID)
			if err != nil {
				return nil, err
			}
			return &one[UnitOut]{ETag: etag(got.Version), Body: unitOut(got)}, nil
		})
	type unitPatch struct {
		ID      guanxi.ID `path:"id"`
		IfMatch string    `header:"If-Match"`
		Body    struct {
			Name     *string    `json:"name,omitempty" maxLength:"50"`
			Kind     *string    `json:"kind,omitempty" enum:"head_office,branch,sub_branch,department,team"`
			ParentID *guanxi.ID `json:"parent_id,omitempty" doc:"Move the unit (and its subtree)"`
		}
	}
	register(api, h, Route{Method: http.MethodPatch, Path: "/api/v1/org-units/{id}", ID: "update-org-unit", Perm: guanxi.PermOrgAdmin},
		"Rename or move an org unit (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *unitPatch) (*one[UnitOut], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			b := in.Body
			u, err := st.UpdateUnit(ctx, a, in.ID, v, func(u *staff.OrgUnit) error {
				if b.Name != nil {
					u.Name = *b.Name
				}
				if b.Kind != nil {
					u.Kind = staff.UnitKind(*b.Kind)
				}
				if b.ParentID != nil {
					p := *b.ParentID
					u.ParentID = &p
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			return &one[UnitOut]{ETag: etag(u.Version), Body: unitOut(u)}, nil
		})

	// API tokens.
	type tokensIn struct {
		UserID guanxi.ID `query:"user_id" doc:"Admins: another user's tokens"`
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/tokens", ID: "list-tokens", Perm: guanxi.PermSelf},
		"API tokens (own, or a user's for admins)", func(ctx context.Context, a guanxi.Actor, in *tokensIn) (*many[TokenOut], error) {
			uid := in.UserID
			if uid == 0 {
				uid = a.UserID
			}
			list, err := au.ListTokens(ctx, a, uid)
			if err != nil {
				return nil, err
			}
			out := &many[TokenOut]{Body: []TokenOut{}}
			for _, t := range list {
				out.Body = append(out.Body, tokenOut(t))
			}
			return out, nil
		})
	type tokenCreate struct {
		Body struct {
			Name   string    `json:"name" maxLength:"50"`
			UserID guanxi.ID `json:"user_id,omitempty" doc:"Admins: create for another user"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/tokens", ID: "create-token", Perm: guanxi.PermSelf},
		"Create an API token; the secret is shown once", func(ctx context.Context, a guanxi.Actor, in *tokenCreate) (*one[TokenOut], error) {
			uid := in.Body.UserID
			if uid == 0 {
				uid = a.UserID
			}
			plain, t, err := au.CreateToken(ctx, a, uid, in.Body.Name)
			if err != nil {
				return nil, err
			}
			out := tokenOut(t)
			out.Token = plain
			return &one[TokenOut]{Body: out}, nil
		})
	type tokenPath struct {
		ID guanxi.ID `path:"id" doc:"Token id"`
	}
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/tokens/{id}", ID: "revoke-token", Perm: guanxi.PermSelf},
		"Revoke an API token", func(ctx context.Context, a guanxi.Actor, in *tokenPath) (*noContent, error) {
			return &noContent{}, au.RevokeToken(ctx, a, in.ID)
		})
}
