package web

import (
	"net/http"
	"strconv"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/retention"
)

// retentionRoutes are the retention rules admin with the last runs.
func (h *Handler) retentionRoutes() []route {
	return []route{
		{"GET", "/admin/retention", guanxi.PermPrivacyAdmin, h.retentionPage},
		{"POST", "/admin/retention/rules/{kind}", guanxi.PermPrivacyAdmin, h.retentionRuleSave},
		{"POST", "/admin/retention/run", guanxi.PermPrivacyAdmin, h.retentionRunNow},
	}
}

type retentionView struct {
	Base
	Rules []retention.Rule
	Runs  []retention.Run
	Kinds []string
}

func (h *Handler) retentionView(r *http.Request) (*retentionView, error) {
	a := actor(r)
	v := &retentionView{Base: h.base(r, "retention.title", "retention"), Kinds: retention.Kinds}
	var err error
	if v.Rules, err = h.app.Retention.Rules(r.Context(), a); err != nil {
		return nil, err
	}
	if v.Runs, err = h.app.Retention.Runs(r.Context(), a, 20); err != nil {
		return nil, err
	}
	return v, nil
}

func (h *Handler) retentionPage(w http.ResponseWriter, r *http.Request) error {
	v, err := h.retentionView(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "retention_admin", v)
}

func (h *Handler) retentionRuleSave(w http.ResponseWriter, r *http.Request) error {
	days, derr := strconv.Atoi(r.PostFormValue("days"))
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	rule := retention.Rule{Kind: r.PathValue("kind"), Days: days, Enabled: r.PostFormValue("enabled") == "1", Version: version}
	err := guanxi.Invalid(guanxi.Field("days", "retention.days_range"))
	if derr == nil {
		err = h.app.Retention.SaveRule(r.Context(), actor(r), &rule)
	}
	if err != nil {
		v, verr := h.retentionView(r)
		if verr != nil {
			return verr
		}
		return h.formError(w, r, err, "retention_admin", v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/admin/retention")
}

func (h *Handler) retentionRunNow(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.app.Retention.RunLater(r.Context(), actor(r)); err != nil {
		return err
	}
	h.flash(r.Context(), "retention.queued")
	return redirect(w, r, "/admin/retention")
}
