package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
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
	op.Middlewares = h.auditDenied(r)
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
			if dc, ok := ctx.Value(deniedKey{}).(*deniedContext); ok && guanxi.IsOutOfScope(err) {
				dc.outOfScope = true
			}
			return nil, problemOf(ctx, h.app.I18n, err)
		}
		return out, nil
	})
}

// auditDenied is every operation's middleware: a 403 answered to a
// signed-in caller, whether the route's permission or a check in a service
// refused it, and a 404 for an object out of the caller's scope, write one
// access_denied audit row (TESTPLAN E1) before the status goes out. audit.Service.Denied throttles repeats.
//
// It also refuses a caller without the route's permission before the body
// is read: no upload is spooled and no body parsed for a 403.
func (h *Handler) auditDenied(r Route) huma.Middlewares {
	return huma.Middlewares{func(hc huma.Context, next func(huma.Context)) {
		dc := &deniedContext{humaCtx: hc, h: h, r: r}
		if !r.Public && r.Perm != "" {
			if a, ok := guanxi.ActorFrom(hc.Context()); ok && !a.Can(r.Perm) {
				p := problemOf(hc.Context(), h.app.I18n, guanxi.Forbidden("error.forbidden"))
				hc.SetHeader("Content-Type", "application/problem+json")
				dc.SetStatus(p.Status)
				_ = json.NewEncoder(hc.BodyWriter()).Encode(p)
				return
			}
		}
		next(huma.WithValue(dc, deniedKey{}, dc))
	}}
}

// deniedKey finds the request's deniedContext from the operation, which
// marks an out-of-scope miss on it.
type deniedKey struct{}

// deniedContext sees the status the operation answers with.
type deniedContext struct {
	humaCtx
	h    *Handler
	r    Route
	done bool
	// outOfScope: the operation's 404 is for another agent's object.
	outOfScope bool
}

func (c *deniedContext) SetStatus(code int) {
	denied := code == http.StatusForbidden || (code == http.StatusNotFound && c.outOfScope)
	if denied && !c.done && c.h.app.Audit != nil {
		c.done = true
		ctx := c.humaCtx.Context()
		if a, ok := guanxi.ActorFrom(ctx); ok && (a.UserID != 0 || a.System) {
			d := audit.Denial{Surface: "api", Method: c.r.Method, Route: c.r.Path, Path: c.URL().Path,
				OutOfScope: code == http.StatusNotFound}
			if c.r.Perm != "" && !a.Can(c.r.Perm) {
				d.Perm = c.r.Perm
			}
			if err := c.h.app.Audit.Denied(ctx, a, d); err != nil && c.h.app.Log != nil {
				c.h.app.Log.ErrorContext(ctx, "audit access denied", "route", c.r.Path, "err", err)
			}
		}
	}
	c.humaCtx.SetStatus(code)
}

// humaCtx names the embedded context apart from its Context method.
type humaCtx huma.Context

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
