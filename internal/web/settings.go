package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/response"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// settingsView lists every setting with its own small form, so a stale
// version only ever affects the one value being changed.
type settingsView struct {
	Base
	Settings []settings.Setting
	Failed   string // key whose form failed
	Typed    string // what was typed there
}

// Value is the value to show in key's input.
func (v *settingsView) Value(s settings.Setting) string {
	if s.Key == v.Failed {
		return v.Typed
	}
	return s.Value
}

func (h *Handler) settingsRender(w http.ResponseWriter, r *http.Request, status int, v *settingsView) error {
	var err error
	if v.Settings, err = h.app.Settings.All(r.Context(), actor(r)); err != nil {
		return err
	}
	return h.render(w, r, status, "settings", v)
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request) error {
	return h.settingsRender(w, r, http.StatusOK, &settingsView{Base: h.base(r, "web.settings.title", "settings")})
}

func (h *Handler) settingsSave(w http.ResponseWriter, r *http.Request) error {
	key := r.PostFormValue("key")
	value := strings.TrimSpace(r.PostFormValue("value"))
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err := h.app.Settings.Set(r.Context(), actor(r), key, value, version); err != nil {
		e := guanxi.AsError(err)
		switch e.Kind {
		case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed:
		default:
			return err
		}
		v := &settingsView{Base: h.base(r, "web.settings.title", "settings"), Failed: key, Typed: value}
		v.setError(e)
		return h.settingsRender(w, r, response.Status(err), v)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/admin/settings")
}
