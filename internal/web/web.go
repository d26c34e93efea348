// Package web is the server-rendered HTML interface: html/template pages
// parsed at start-up from embedded files, htmx for partial updates, static
// files under content-hash paths. Handlers return errors; one adapter turns
// them into pages (or redirects to the login page).
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/response"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// handlerFunc is the shape of every page handler.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler serves the web pages of one App.
type Handler struct {
	app    *app.App
	pages  map[string]*template.Template
	assets map[string]asset // by file name
	byHash map[string]asset // by "hash/name"
	// started is the Last-Modified of every static file.
	started time.Time
	loc     *time.Location
}

type asset struct {
	name, url, ctype string
	body             []byte
}

// Mount registers every web route and the static files on mux. Templates are
// parsed here, so a broken template fails the start.
func Mount(mux *http.ServeMux, a *app.App) error {
	h, err := newHandler(a)
	if err != nil {
		return err
	}
	for _, rt := range h.routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, h.wrap(rt))
	}
	mux.HandleFunc("GET /static/{hash}/{name...}", h.static)
	mux.Handle("/", h.wrap(route{Pattern: "/", fn: h.notFound}))
	return nil
}

func newHandler(a *app.App) (*Handler, error) {
	h := &Handler{app: a, assets: map[string]asset{}, byHash: map[string]asset{}, started: time.Now().UTC()}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return nil, err
	}
	h.loc = loc
	if err := h.loadAssets(); err != nil {
		return nil, err
	}
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	return h, nil
}

func (h *Handler) loadAssets() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "static/")
		hash := hex.EncodeToString(sum[:])[:12]
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "text/plain; charset=utf-8"
		}
		as := asset{name: name, url: "/static/" + hash + "/" + name, ctype: ctype, body: body}
		h.assets[name] = as
		h.byHash[hash+"/"+name] = as
		return nil
	})
}

// static serves embedded files. A hash that matches the content is cached for
// a year; any other hash still gets the file but must revalidate, so an old
// page keeps working during a deploy.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	as, ok := h.byHash[r.PathValue("hash")+"/"+name]
	if ok {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else if as, ok = h.assets[name]; ok {
		w.Header().Set("Cache-Control", "no-cache")
	} else {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", as.ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, h.started, bytes.NewReader(as.body))
}

func (h *Handler) parseTemplates() error {
	funcs := template.FuncMap{
		"join": strings.Join,
		"dict": dict,
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"add": func(a, b int) int { return a + b },
	}
	common := []string{"templates/layout.html", "templates/partials.html"}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, common...)
	if err != nil {
		return err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	h.pages = map[string]*template.Template{}
	for _, f := range files {
		if f == common[0] || f == common[1] {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if t, err = t.ParseFS(templateFS, f); err != nil {
			return err
		}
		name := strings.TrimSuffix(path.Base(f), ".html")
		if t.Lookup("content") == nil {
			return fmt.Errorf("web: template %s has no content block", f)
		}
		h.pages[name] = t
	}
	return nil
}

// render writes a whole page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v any) error {
	return h.renderBlock(w, r, status, page, "layout", v)
}

// renderBlock writes one named template of a page (a partial for htmx).
func (h *Handler) renderBlock(w http.ResponseWriter, r *http.Request, status int, page, block string, v any) error {
	t, ok := h.pages[page]
	if !ok {
		return guanxi.Internal(fmt.Errorf("web: no page %q", page))
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, v); err != nil {
		return guanxi.Internal(err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// Pages hold personal data: never keep them in shared or browser caches.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "HX-Request")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// wrap is the one adapter: it checks sign-in and permission, runs the
// handler and renders any error it returns. Every 403 it or the handler
// answers to a signed-in user is audited (deniedWriter).
func (h *Handler) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w = &deniedWriter{ResponseWriter: w, h: h, r: r, rt: rt}
		if rt.Perm != "" {
			a, ok := guanxi.ActorFrom(r.Context())
			if !ok || a.UserID == 0 {
				h.toLogin(w, r)
				return
			}
			if !a.Can(rt.Perm) {
				h.renderError(w, r, guanxi.Forbidden("error.forbidden"))
				return
			}
		}
		if err := rt.fn(w, r); err != nil {
			if guanxi.IsOutOfScope(err) {
				w.(*deniedWriter).outOfScope = true
			}
			h.renderError(w, r, err)
		}
	})
}

// deniedWriter writes one access_denied audit row (TESTPLAN E1) before a
// 403 goes out to a signed-in user, whatever refused the request: the
// route's permission, a service (through renderError) or a page that shows
// its own refusal; and one before a 404 for another agent's object
// (guanxi.IsOutOfScope). audit.Service.Denied throttles repeats.
type deniedWriter struct {
	http.ResponseWriter
	h     *Handler
	r     *http.Request
	rt    route
	wrote bool
	// outOfScope: the handler's 404 is for another agent's object.
	outOfScope bool
}

func (d *deniedWriter) WriteHeader(code int) {
	if !d.wrote {
		d.wrote = true
		if code == http.StatusForbidden || (code == http.StatusNotFound && d.outOfScope) {
			d.h.auditDenied(d.r, d.rt, code == http.StatusNotFound)
		}
	}
	d.ResponseWriter.WriteHeader(code)
}

func (d *deniedWriter) Write(b []byte) (int, error) {
	d.wrote = true
	return d.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer (flush,
// deadlines).
func (d *deniedWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

func (h *Handler) auditDenied(r *http.Request, rt route, outOfScope bool) {
	a, ok := guanxi.ActorFrom(r.Context())
	if !ok || a.UserID == 0 || h.app.Audit == nil {
		return
	}
	d := audit.Denial{Surface: "web", Method: r.Method, Route: rt.Pattern, Path: r.URL.Path, OutOfScope: outOfScope}
	if rt.Perm != "" && !a.Can(rt.Perm) {
		d.Perm = rt.Perm
	}
	if err := h.app.Audit.Denied(r.Context(), a, d); err != nil && h.app.Log != nil {
		h.app.Log.ErrorContext(r.Context(), "audit access denied", "route", rt.Pattern, "err", err)
	}
}

func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// errorView is the page for an error that no form handled.
type errorView struct {
	Base
	Status  int
	Message string
}

func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	e := guanxi.AsError(err)
	if e.Kind == guanxi.KindUnauthorized {
		if a, ok := guanxi.ActorFrom(r.Context()); !ok || a.UserID == 0 {
			h.toLogin(w, r)
			return
		}
	}
	status := response.Status(err)
	// A query interrupted because the client left is not a server error.
	if status >= 500 && h.app.Log != nil && r.Context().Err() == nil {
		h.app.Log.ErrorContext(r.Context(), "web handler", "path", r.URL.Path, "err", err)
	}
	v := &errorView{Base: h.base(r, "web.error.title", ""), Status: status}
	v.Message = v.T(e.Key, e.Args)
	block := "layout"
	if isHTMX(r) {
		block = "alert"
	}
	if rerr := h.renderBlock(w, r, status, "error", block, v); rerr != nil {
		http.Error(w, http.StatusText(status), status)
	}
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Path == "/" {
		http.Redirect(w, r, "/customers", http.StatusSeeOther)
		return nil
	}
	return guanxi.NotFound("error.not_found")
}

// formError re-renders a form page with the error's field messages inline
// when the error is about the input (invalid, conflict, stale); any other
// error goes back to the adapter.
func (h *Handler) formError(w http.ResponseWriter, r *http.Request, err error, page string, v viewer) error {
	e := guanxi.AsError(err)
	switch e.Kind {
	case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed:
	default:
		return err
	}
	b := v.base()
	b.setError(e)
	return h.render(w, r, response.Status(err), page, v)
}

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// actor returns the signed-in actor; routes with a permission guarantee one.
func actor(r *http.Request) guanxi.Actor {
	a, _ := guanxi.ActorFrom(r.Context())
	return a
}

// lang picks the language: the user's setting, then the anonymous cookie,
// then Accept-Language.
func (h *Handler) lang(r *http.Request) string {
	if a, ok := guanxi.ActorFrom(r.Context()); ok && i18n.Valid(a.Lang) {
		return a.Lang
	}
	if c, err := r.Cookie(langCookie); err == nil && i18n.Valid(c.Value) {
		return c.Value
	}
	if h.app.I18n != nil {
		return h.app.I18n.Match(r.Header.Get("Accept-Language"))
	}
	return i18n.Default
}

const langCookie = "guanxi_lang"

// flash stores a one-time message key for the next page.
func (h *Handler) flash(ctx context.Context, key string) {
	if h.app.Sessions != nil {
		h.app.Sessions.Put(ctx, "flash", key)
	}
}

func (h *Handler) popFlash(ctx context.Context) (key string) {
	if h.app.Sessions == nil {
		return ""
	}
	defer func() {
		// PopString panics without a loaded session (e.g. a handler test
		// without the session middleware); a flash is not worth a 500.
		if recover() != nil {
			key = ""
		}
	}()
	return h.app.Sessions.PopString(ctx, "flash")
}

func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// localPath keeps redirects on this site: only "/x" paths, never "//host".
func localPath(p, fallback string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return fallback
	}
	if u, err := url.Parse(p); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return p
}
