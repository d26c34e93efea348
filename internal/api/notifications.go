package api

import (
	"context"
	"net/http"

	"github.com/guanxi-crm/guanxi"
)

func (h *Handler) notificationRoutes(api humaAPI) {
	ns := h.app.Notify
	type listIn struct {
		Unread bool `query:"unread" doc:"Only unread ones"`
		Limit  int  `query:"limit" minimum:"0" maximum:"200"`
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/notifications", ID: "list-notifications", Perm: guanxi.PermSelf},
		"The caller's in-app notifications, newest first", func(ctx context.Context, a guanxi.Actor, in *listIn) (*many[NotificationOut], error) {
			list, err := ns.List(ctx, a, in.Unread, in.Limit)
			if err != nil {
				return nil, err
			}
			lang := langOf(ctx, h.app.I18n, "")
			out := &many[NotificationOut]{Body: []NotificationOut{}}
			for _, n := range list {
				args := n.Args()
				text := n.Key()
				if h.app.I18n != nil {
					text = h.app.I18n.T(lang, n.Key(), args)
				}
				out.Body = append(out.Body, NotificationOut{ID: n.ID, Kind: n.Kind, Text: text, TicketID: n.TicketID,
					Args: args, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt})
			}
			return out, nil
		})
	type readIn struct {
		ID guanxi.ID `path:"id"`
	}
	type statusOnly struct{ Status int }
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/notifications/{id}/read", ID: "read-notification", Perm: guanxi.PermSelf},
		"Mark one notification read (204)", func(ctx context.Context, a guanxi.Actor, in *readIn) (*statusOnly, error) {
			if err := ns.MarkRead(ctx, a, in.ID); err != nil {
				return nil, err
			}
			return &statusOnly{Status: http.StatusNoContent}, nil
		})
	type readAllOut struct {
		Status int
		Body   struct {
			Marked int `json:"marked"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/notifications/read-all", ID: "read-all-notifications", Perm: guanxi.PermSelf},
		"Mark every notification read", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*readAllOut, error) {
			n, err := ns.MarkAllRead(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &readAllOut{Status: http.StatusOK}
			out.Body.Marked = n
			return out, nil
		})
}
