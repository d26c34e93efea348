package web

import (
	"net/http"

	"github.com/guanxi-crm/guanxi/internal/notify"
)

// notificationsView lists the user's in-app notifications.
type notificationsView struct {
	Base
	Items []notify.Notification
}

// Text renders a notification in the page language.
func (v *notificationsView) Text(n notify.Notification) string { return v.T(n.Key(), n.Args()) }

func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) error {
	v := &notificationsView{Base: h.base(r, "web.notify.title", "notifications")}
	var err error
	if v.Items, err = h.app.Notify.List(r.Context(), actor(r), r.URL.Query().Get("unread") == "1", 100); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "notifications", v)
}

func (h *Handler) notificationRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.app.Notify.MarkRead(r.Context(), actor(r), id); err != nil {
		return err
	}
	return redirect(w, r, localPath(r.FormValue("next"), "/notifications"))
}

func (h *Handler) notificationsReadAll(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.app.Notify.MarkAllRead(r.Context(), actor(r)); err != nil {
		return err
	}
	return redirect(w, r, "/notifications")
}
