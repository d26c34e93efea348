package web

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/response"
	"github.com/guanxi-crm/guanxi/internal/staff"
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
	// A sign-in waiting for its second step shows that step (mfa_web.go).
	if p, ok := h.mfaPending(r); ok {
		return h.mfaStepPage(w, r, p, nil)
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

// login is every step of signing in, so one form address (and whatever
// throttles it) covers them all: the password, then for users with a second
// factor the code (step=code) or the forced set-up (step=enrol).
func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	switch r.PostFormValue("step") {
	case "code", "enrol", "cancel":
		return h.loginSecondStep(w, r)
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	next := localPath(r.PostFormValue("next"), "/customers")
	u, step, err := h.app.Auth.LoginStart(r.Context(), username, r.PostFormValue("password"), remoteAddr(r))
	if err != nil {
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindUnauthorized, guanxi.KindInvalid, guanxi.KindTooMany:
		default:
			return err
		}
		if secs, ok := e.Args["seconds"].(int); ok && e.Kind == guanxi.KindTooMany {
			// The address is throttled (auth.login_throttled): 429 with
			// the page and its message.
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		v := &loginView{Base: h.base(r, "web.login.title", ""), Username: username, Next: next}
		v.setError(e)
		return h.render(w, r, response.Status(err), "login", v)
	}
	if step != auth.LoginDone {
		// Half signed in: the session holds only the pending step, under
		// keys the server's authentication does not read.
		if err := h.mfaBegin(r, u.ID, step, next); err != nil {
			return guanxi.Internal(err)
		}
		setLangCookie(w, r, u.Lang)
		return redirect(w, r, "/login")
	}
	return h.signedIn(w, r, u, next)
}

// signedIn finishes a sign-in: a new session id (against fixation) that
// carries the user, then the page to go to.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, u staff.User, next string) error {
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
