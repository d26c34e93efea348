package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
)

// Route is one operation with the permission it needs ("" = public).
type Route struct {
	Method, Path, ID string
	Perm             guanxi.Permission
	Public           bool
}

// register adds one operation: anonymous callers get 401, callers without
// perm 403, and every error becomes a localised problem.
func register[I, O any](api huma.API, h *Handler, r Route, summary string, fn func(ctx context.Context, a guanxi.Actor, in *I) (*O, error)) {
	h.table = append(h.table, r)
	op := huma.Operation{OperationID: r.ID, Method: r.Method, Path: r.Path, Summary: summary,
		Tags: []string{tagOf(r.Path)}}
	if !r.Public {
		op.Security = []map[string][]string{{"bearer": {}}}
		op.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	}
	if r.Method == http.MethodPost {
		op.DefaultStatus = http.StatusCreated
	}
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		var a guanxi.Actor
		if !r.Public {
			var err error
			if a, err = actor(ctx); err != nil {
				return nil, problemOf(ctx, h.app.I18n, err)
			}
			if r.Perm != "" && !a.Can(r.Perm) {
				return nil, problemOf(ctx, h.app.I18n, guanxi.Forbidden("error.forbidden"))
			}
		}
		out, err := fn(ctx, a, in)
		if err != nil {
			return nil, problemOf(ctx, h.app.I18n, err)
		}
		return out, nil
	})
}

func tagOf(path string) string {
	// /api/v1/<tag>/...
	const p = "/api/v1/"
	if len(path) <= len(p) {
		return "system"
	}
	s := path[len(p):]
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i]
		}
	}
	return s
}

// Routes lists the registered operations (for the route-table tests).
func (h *Handler) Routes() []Route { return h.table }
