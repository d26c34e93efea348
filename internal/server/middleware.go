package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
)

// csp allows only our own scripts and styles: no inline script, no eval, no
// framing, forms only to ourselves.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

func securityHeaders(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if cfg.BehindTLS {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin rejects cross-site unsafe requests (CSRF) with the standard
// library's Sec-Fetch-Site / Origin checks. Token-authenticated API clients
// send neither header and pass.
func crossOrigin(a *app.App, next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(a, w, r, http.StatusForbidden, "error.cross_origin", "")
	}))
	return cop.Handler(next)
}

// uploadLimit caps the bodies of the import upload routes: the importer's
// largest file (bulk.DefaultMaxFileSize) plus room for the multipart
// envelope. Their handlers stream the file and check the size themselves.
const uploadLimit = 513 << 20

// takesUpload reports whether r streams an import file (web POST /imports,
// API POST /api/v1/imports).
func takesUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/imports" || r.URL.Path == "/api/v1/imports")
}

func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := n
		if takesUpload(r) {
			n = uploadLimit
		}
		if r.ContentLength > n {
			writeProblem(nil, w, r, http.StatusRequestEntityTooLarge, "error.too_large", "")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func accessLog(a *app.App, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if errors.Is(r.Context().Err(), context.Canceled) {
			// The client went away and the query was interrupted: nobody
			// reads this answer, and it is no server error (nginx's 499).
			status = statusClientClosed
		}
		if a.Log != nil && (status >= 500 || a.Log.Enabled(r.Context(), slog.LevelDebug)) {
			a.Log.LogAttrs(r.Context(), slog.LevelInfo, "http", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", status),
				slog.Duration("took", time.Since(start)))
		}
	})
}

// statusClientClosed is logged for a request its client abandoned.
const statusClientClosed = 499

// recoverPanics answers a panic with a correlation id and logs the stack;
// the client never sees internals.
func recoverPanics(a *app.App, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				id := correlationID()
				if a.Log != nil {
					a.Log.Error("panic", "id", id, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				}
				writeProblem(a, w, r, http.StatusInternalServerError, "error.internal", id)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func correlationID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// clientAddr is the caller's IP for audit rows and rate limits.
func clientAddr(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			return strings.TrimSpace(strings.Split(f, ",")[0])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// writeProblem renders a bare error (outside the surfaces' own error
// handling) as problem+json for the API and plain text elsewhere.
func writeProblem(a *app.App, w http.ResponseWriter, r *http.Request, status int, key, id string) {
	lang := "zh-CN"
	if act, ok := guanxi.ActorFrom(r.Context()); ok && act.Lang != "" {
		lang = act.Lang
	} else if a != nil && a.I18n != nil {
		lang = a.I18n.Match(r.Header.Get("Accept-Language"))
	}
	title := key
	if a != nil && a.I18n != nil {
		title = a.I18n.T(lang, key, nil)
	}
	if id != "" {
		title += " (" + id + ")"
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%d,"title":%q,"correlation_id":%q}`, status, title, id)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, title)
}
