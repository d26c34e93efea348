package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/response"
)

// Session keys of a sign-in waiting for its second step. They are not
// app.SessionUserKey, so the server's authentication sees an anonymous
// session: no page or API answers it until the step is done.
const (
	mfaPendingUser = "mfa_pending_user" // int64
	mfaPendingAt   = "mfa_pending_at"   // int64 unix nanoseconds of the password step
	mfaPendingStep = "mfa_pending_step" // "code" or "enrol"
	mfaPendingNext = "mfa_pending_next"
	// mfaPendingFor bounds the gap between password and code.
	mfaPendingFor = 5 * time.Minute
	// mfaIssuer names the account in authenticator apps.
	mfaIssuer = "Guanxi"
)

type mfaPending struct {
	UserID guanxi.ID
	Step   string
	Next   string
}

func (h *Handler) clock() time.Time {
	if h.app.Clock != nil {
		return h.app.Clock()
	}
	return time.Now()
}

// mfaBegin puts a password-checked sign-in on hold under a new session id.
func (h *Handler) mfaBegin(r *http.Request, userID guanxi.ID, step auth.LoginStep, next string) error {
	ctx := r.Context()
	if err := h.app.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	name := "code"
	if step == auth.LoginNeedsEnrol {
		name = "enrol"
	}
	// Whoever this browser was signed in as is signed out by a new sign-in.
	h.app.Sessions.Remove(ctx, app.SessionUserKey)
	h.app.Sessions.Remove(ctx, app.SessionAuthAtKey)
	h.app.Sessions.Put(ctx, mfaPendingUser, userID)
	h.app.Sessions.Put(ctx, mfaPendingAt, h.clock().UnixNano())
	h.app.Sessions.Put(ctx, mfaPendingStep, name)
	h.app.Sessions.Put(ctx, mfaPendingNext, next)
	return nil
}

// mfaPending returns the sign-in on hold, if any and not expired.
func (h *Handler) mfaPending(r *http.Request) (mfaPending, bool) {
	if h.app.Sessions == nil {
		return mfaPending{}, false
	}
	ctx := r.Context()
	id, _ := h.app.Sessions.Get(ctx, mfaPendingUser).(int64)
	at, _ := h.app.Sessions.Get(ctx, mfaPendingAt).(int64)
	if id == 0 || h.clock().Sub(time.Unix(0, at)) > mfaPendingFor {
		return mfaPending{}, false
	}
	step, _ := h.app.Sessions.Get(ctx, mfaPendingStep).(string)
	next, _ := h.app.Sessions.Get(ctx, mfaPendingNext).(string)
	return mfaPending{UserID: id, Step: step, Next: localPath(next, "/customers")}, true
}

func (h *Handler) mfaClear(ctx context.Context) {
	for _, k := range []string{mfaPendingUser, mfaPendingAt, mfaPendingStep, mfaPendingNext} {
		h.app.Sessions.Remove(ctx, k)
	}
}

// mfaLoginView is the second sign-in step: a code, or the forced set-up.
type mfaLoginView struct {
	Base
	Step        string
	Secret, URI string
}

// mfaStepPage shows the pending step, with err's message when a try failed.
func (h *Handler) mfaStepPage(w http.ResponseWriter, r *http.Request, p mfaPending, err error) error {
	v := &mfaLoginView{Base: h.base(r, "web.mfa.login_title", ""), Step: p.Step}
	if p.Step == "enrol" {
		v.Title = "web.mfa.enrol_title"
		u, m, serr := h.app.Auth.LoginEnrolStart(r.Context(), p.UserID, remoteAddr(r))
		if guanxi.KindOf(serr) == guanxi.KindUnauthorized {
			// Disabled meanwhile, or no longer needs to enrol: start over.
			h.mfaClear(r.Context())
			return redirect(w, r, "/login")
		}
		if serr != nil {
			return serr
		}
		v.Secret, v.URI = m.Secret, auth.OTPAuthURI(mfaIssuer, u.Username, m.Secret)
	}
	status := http.StatusOK
	if err != nil {
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindUnauthorized, guanxi.KindInvalid, guanxi.KindTooMany, guanxi.KindConflict:
		default:
			return err
		}
		if secs, ok := e.Args["seconds"].(int); ok && e.Kind == guanxi.KindTooMany {
			// The address is throttled, as on the password step.
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		v.setError(e)
		status = response.Status(err)
	}
	return h.render(w, r, status, "mfa_login", v)
}

// mfaRecoveryView shows new recovery codes, once.
type mfaRecoveryView struct {
	Base
	Codes []string
	Next  string
}

// loginSecondStep takes the code or the set-up confirmation of a sign-in
// on hold (POST /login with step=code|enrol|cancel).
func (h *Handler) loginSecondStep(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	step := r.PostFormValue("step")
	p, ok := h.mfaPending(r)
	if step == "cancel" || !ok {
		h.mfaClear(ctx)
		if step != "cancel" {
			h.flash(ctx, "web.mfa.expired")
		}
		return redirect(w, r, "/login")
	}
	if step != p.Step {
		return h.mfaStepPage(w, r, p, nil)
	}
	code, addr := r.PostFormValue("code"), remoteAddr(r)
	if p.Step == "enrol" {
		u, codes, err := h.app.Auth.LoginEnrol(ctx, p.UserID, code, addr)
		if err != nil {
			return h.mfaStepPage(w, r, p, err)
		}
		h.mfaClear(ctx)
		if err := h.app.SignIn(ctx, u.ID); err != nil {
			return guanxi.Internal(err)
		}
		next := p.Next
		if u.MustChangePassword {
			h.flash(ctx, "web.flash.must_change_password")
			next = "/profile#password"
		}
		v := &mfaRecoveryView{Base: h.base(r, "web.mfa.recovery_title", ""), Codes: codes, Next: next}
		return h.render(w, r, http.StatusOK, "mfa_recovery", v)
	}
	u, err := h.app.Auth.LoginCode(ctx, p.UserID, code, addr)
	if err != nil {
		return h.mfaStepPage(w, r, p, err)
	}
	h.mfaClear(ctx)
	return h.signedIn(w, r, u, p.Next)
}

// profileMFA runs the two-step verification forms of the profile page
// (POST /profile with form=mfa_setup|mfa_confirm|mfa_disable).
func (h *Handler) profileMFA(w http.ResponseWriter, r *http.Request, form string) error {
	a, ctx := actor(r), r.Context()
	var err error
	switch form {
	case "mfa_setup":
		if _, err = h.app.Auth.BeginMFA(ctx, a, true); err == nil {
			return redirect(w, r, "/profile#mfa")
		}
	case "mfa_confirm":
		var codes []string
		if codes, err = h.app.Auth.ConfirmMFA(ctx, a, r.PostFormValue("code")); err == nil {
			v, lerr := h.loadProfile(r)
			if lerr != nil {
				return lerr
			}
			v.Flash, v.RecoveryCodes, v.Open = v.T("web.flash.mfa_enabled"), codes, "mfa"
			return h.render(w, r, http.StatusOK, "profile", v)
		}
	case "mfa_disable":
		if err = h.app.Auth.DisableMFA(ctx, a, r.PostFormValue("password"), r.PostFormValue("code")); err == nil {
			h.flash(ctx, "web.flash.mfa_disabled")
			return redirect(w, r, "/profile#mfa")
		}
	default:
		return guanxi.Invalid(guanxi.Field("form", "validation.enum"))
	}
	v, lerr := h.loadProfile(r)
	if lerr != nil {
		return lerr
	}
	v.Open = "mfa"
	return h.formError(w, r, err, "profile", v)
}

// userMFAReset removes another user's second factor (user.admin), for
// POST /admin/users/{id}/mfa/reset.
func (h *Handler) userMFAReset(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.app.Auth.ResetMFA(r.Context(), actor(r), id); err != nil {
		return err
	}
	h.flash(r.Context(), "web.flash.mfa_reset")
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10))
}
