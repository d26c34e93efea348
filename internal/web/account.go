package web

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/response"
)

type loginView struct {
	Base
	Username string
	Next     string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"), "/customers")
	if a, ok := guanxi.ActorFrom(r.Context()); ok && a.UserID != 0 {
		return redirect(w, r, next)
	}
	v := &loginView{Base: h.base(r, "web.login.title", ""), Next: next}
	return h.render(w, r, http.StatusOK, "login", v)
}

// remoteAddr is the caller's IP for the login audit row (the server's
// authentication has no actor to carry it yet).
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	username := strings.TrimSpace(r.PostFormValue("username"))
	next := localPath(r.PostFormValue("next"), "/customers")
	u, err := h.app.Auth.Login(r.Context(), username, r.PostFormValue("password"), remoteAddr(r))
	if err != nil {
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindUnauthorized, guanxi.KindInvalid, guanxi.KindTooMany:
		default:
			return err
		}
		v := &loginView{Base: h.base(r, "web.login.title", ""), Username: username, Next: next}
		v.setError(e)
		return h.render(w, r, response.Status(err), "login", v)
	}
	// A new session id at login defeats session fixation.
	if err := h.app.SignIn(r.Context(), u.ID); err != nil {
		return guanxi.Internal(err)
	}
	setLangCookie(w, r, u.Lang)
	if u.MustChangePassword {
		h.flash(r.Context(), "web.flash.must_change_password")
		return redirect(w, r, "/profile#password")
	}
	return redirect(w, r, next)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := h.app.Auth.Logout(r.Context(), actor(r)); err != nil && h.app.Log != nil {
		h.app.Log.WarnContext(r.Context(), "logout audit", "err", err)
	}
	if err := h.app.Sessions.Destroy(r.Context()); err != nil {
		return guanxi.Internal(err)
	}
	return redirect(w, r, "/login")
}

func setLangCookie(w http.ResponseWriter, r *http.Request, lang string) {
	if !i18n.Valid(lang) {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// setLang switches the language: kept on the user when signed in, in a
// cookie otherwise (and for the login page after sign-out).
func (h *Handler) setLang(w http.ResponseWriter, r *http.Request) error {
	lang := r.PostFormValue("lang")
	if !i18n.Valid(lang) {
		return guanxi.Invalid(guanxi.Field("lang", "validation.enum"))
	}
	setLangCookie(w, r, lang)
	if a, ok := guanxi.ActorFrom(r.Context()); ok && a.UserID != 0 {
		if err := h.app.Staff.SetLang(r.Context(), a, lang); err != nil {
			return err
		}
	}
	return redirect(w, r, localPath(r.PostFormValue("next"), "/"))
}
