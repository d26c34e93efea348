package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// profileView is the signed-in user's own page: profile, language,
// password and API tokens.
type profileView struct {
	Base
	U         staff.User
	Tokens    []auth.Token
	NewToken  string // shown once, right after creation
	TokenName string
	Open      string // which form failed
	// Two-step verification: the factor (pending ones carry the secret to
	// set up, with its otpauth URI), whether policy requires it, and new
	// recovery codes, shown once right after confirmation.
	MFA           auth.MFA
	MFAURI        string
	MFARequired   bool
	RecoveryCodes []string
}

func (h *Handler) loadProfile(r *http.Request) (*profileView, error) {
	a := actor(r)
	v := &profileView{Base: h.base(r, "web.profile.title", "profile")}
	var err error
	if v.U, err = h.app.Staff.GetUser(r.Context(), a, a.UserID); err != nil {
		return nil, err
	}
	if v.Tokens, err = h.app.Auth.ListTokens(r.Context(), a, a.UserID); err != nil {
		return nil, err
	}
	if v.MFA, err = h.app.Auth.MFAStatus(r.Context(), a); err != nil {
		return nil, err
	}
	if v.MFA.Secret != "" {
		v.MFAURI = auth.OTPAuthURI(mfaIssuer, v.U.Username, v.MFA.Secret)
	}
	v.MFARequired = h.app.Auth.MFARequiredFor(r.Context(), a)
	return v, nil
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) error {
	v, err := h.loadProfile(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "profile", v)
}

func (h *Handler) profileUpdate(w http.ResponseWriter, r *http.Request) error {
	if form := r.PostFormValue("form"); form != "" {
		return h.profileMFA(w, r, form)
	}
	a := actor(r)
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	lang := r.PostFormValue("lang")
	u, err := h.app.Staff.UpdateProfile(r.Context(), a, version, r.PostFormValue("name"), r.PostFormValue("email"), lang)
	if err != nil {
		v, lerr := h.loadProfile(r)
		if lerr != nil {
			return lerr
		}
		v.U.Name, v.U.Email, v.Open = r.PostFormValue("name"), r.PostFormValue("email"), "profile"
		return h.formError(w, r, err, "profile", v)
	}
	setLangCookie(w, r, u.Lang)
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/profile")
}

func (h *Handler) passwordChange(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	old, pw := r.PostFormValue("old_password"), r.PostFormValue("new_password")
	var err error
	if pw != r.PostFormValue("confirm_password") {
		err = guanxi.Invalid(guanxi.Field("new_password", "validation.password_mismatch"))
	} else {
		err = h.app.Auth.ChangePassword(r.Context(), a, old, pw)
	}
	if err != nil {
		v, lerr := h.loadProfile(r)
		if lerr != nil {
			return lerr
		}
		v.Open = "password"
		// The policy reports the new password as "password".
		if e := guanxi.AsError(err); len(e.Fields) > 0 {
			for i := range e.Fields {
				if e.Fields[i].Field == "password" {
					e.Fields[i].Field = "new_password"
				}
			}
		}
		return h.formError(w, r, err, "profile", v)
	}
	// Every other session of this user ends; this one continues on a new token.
	if err := h.app.SignIn(r.Context(), a.UserID); err != nil {
		return guanxi.Internal(err)
	}
	h.flash(r.Context(), "web.flash.password_changed")
	return redirect(w, r, "/profile")
}

// tokenCreate shows the new token once on the response page; it is stored
// hashed and cannot be shown again.
func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	plain, _, err := h.app.Auth.CreateToken(r.Context(), a, a.UserID, name)
	v, lerr := h.loadProfile(r)
	if lerr != nil {
		return lerr
	}
	if err != nil {
		v.TokenName, v.Open = name, "token"
		return h.formError(w, r, err, "profile", v)
	}
	v.NewToken = plain
	return h.render(w, r, http.StatusOK, "profile", v)
}

func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.app.Auth.RevokeToken(r.Context(), actor(r), id); err != nil {
		return err
	}
	h.flash(r.Context(), "web.flash.token_revoked")
	return redirect(w, r, "/profile#tokens")
}
