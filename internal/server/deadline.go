package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
)

// Default request deadlines (TESTPLAN I5, C7). Heavy requests may take as
// long as the server's write timeout allows.
const (
	DefaultDeadline      = 10 * time.Second
	DefaultHeavyDeadline = 60 * time.Second
)

// withDeadline gives every request a deadline in its context, so the
// drivers interrupt its SQL when it passes (modernc sqlite calls
// sqlite3_interrupt, pgx sends a cancel request) and the connection goes
// back to the pool. A request whose handler then fails is answered 503
// with Retry-After instead of the handler's 500.
func withDeadline(a *app.App, l Limits, next http.Handler) http.Handler {
	if l.Deadline <= 0 && l.HeavyDeadline <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := l.Deadline
		if isHeavy(r) {
			d = l.HeavyDeadline
		}
		if d <= 0 || exempt(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		r = r.WithContext(ctx)
		dw := &deadlineWriter{ResponseWriter: w, a: a, r: r}
		next.ServeHTTP(dw, r)
		if !dw.wrote && dw.late() {
			dw.WriteHeader(http.StatusServiceUnavailable)
		}
	})
}

// deadlineWriter replaces a 5xx written after the deadline passed with the
// deadline's 503; anything the handler writes after that is dropped.
type deadlineWriter struct {
	http.ResponseWriter
	a        *app.App
	r        *http.Request
	wrote    bool
	replaced bool
}

func (w *deadlineWriter) late() bool {
	return errors.Is(w.r.Context().Err(), context.DeadlineExceeded)
}

func (w *deadlineWriter) WriteHeader(code int) {
	if w.wrote {
		if !w.replaced {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	w.wrote = true
	if code >= 500 && w.late() {
		w.replaced = true
		h := w.ResponseWriter.Header()
		h.Del("Content-Length")
		h.Del("ETag")
		refuse(w.a, w.ResponseWriter, w.r, http.StatusServiceUnavailable, "overload.deadline", time.Second)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// FlushError lets streaming handlers flush through http.ResponseController
// without bypassing the replacement above.
func (w *deadlineWriter) FlushError() error {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.replaced {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *deadlineWriter) Flush() { _ = w.FlushError() }

func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
