package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/i18n"
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
	// The refusals of checkJSON come before sign-in, so in the language the
	// caller's browser or client asks for.
	msgs, _ := i18n.New()
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
		if strictJSONBody(r) {
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeProblem(nil, w, r, http.StatusRequestEntityTooLarge, "error.too_large", "")
				return
			}
			if err != nil {
				writeProblem(nil, w, r, http.StatusBadRequest, "error.invalid", "")
				return
			}
			if key := checkJSON(body); key != "" {
				writeBodyProblem(msgs, w, r, key)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// strictJSONBody reports whether r sends a JSON body to the API, which is
// checked before any handler parses it (see checkJSON).
func strictJSONBody(r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, "/api/") || r.Body == nil || r.Body == http.NoBody {
		return false
	}
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return false
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct == "" || ct == "application/json" || strings.HasSuffix(ct, "+json")
}

// maxJSONDepth bounds nesting; no request type nests deeper than a few levels.
const maxJSONDepth = 32

// checkJSON refuses what encoding/json would accept silently: invalid
// UTF-8 (replaced by U+FFFD), duplicate keys (the last one wins, so a
// proxy or log and the handler can read different values) and very deep
// nesting. It returns the message key of the problem, or "" when the body
// is fine or is not JSON at all (the API's parser then names the error).
func checkJSON(body []byte) string {
	if !utf8.Valid(body) {
		return "security.json.invalid_utf8"
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		obj    bool
		keys   map[string]bool
		expect bool // an object expects a key next
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "" // EOF, or a syntax error the API's parser reports
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.obj {
					top.expect = true
				}
				if len(stack) >= maxJSONDepth {
					return "security.json.too_deep"
				}
				stack = append(stack, &frame{obj: v == '{', keys: map[string]bool{}, expect: v == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.obj && top.expect {
				if top.keys[v] {
					return "security.json.duplicate_key"
				}
				top.keys[v] = true
				top.expect = false
				continue
			}
		}
		if top != nil && top.obj {
			top.expect = true
		}
	}
}

// writeBodyProblem answers a body checkJSON refused: 400 problem+json
// naming the body as the location, in the caller's language.
func writeBodyProblem(b *i18n.Bundle, w http.ResponseWriter, r *http.Request, key string) {
	title, msg := "error.invalid", key
	if b != nil {
		lang := b.Match(r.Header.Get("Accept-Language"))
		title, msg = b.T(lang, title, nil), b.T(lang, key, nil)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusBadRequest)
	type field struct {
		Location string `json:"location"`
		Key      string `json:"key"`
		Message  string `json:"message"`
	}
	json.NewEncoder(w).Encode(struct {
		Status int     `json:"status"`
		Title  string  `json:"title"`
		Key    string  `json:"key"`
		Errors []field `json:"errors"`
	}{http.StatusBadRequest, title, "error.invalid", []field{{"body", key, msg}}})
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
		// The last entry is the one the trusted proxy appended (the peer
		// it saw); earlier ones are whatever the client sent, so taking
		// the first would let a client pick its address and slip past the
		// per-address sign-in throttle and the audit's address.
		if f := r.Header.Values("X-Forwarded-For"); len(f) > 0 {
			last := f[len(f)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a := strings.TrimSpace(last); a != "" {
				return a
			}
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
		if id == "" {
			fmt.Fprintf(w, `{"status":%d,"title":%q,"key":%q}`, status, title, key)
		} else {
			fmt.Fprintf(w, `{"status":%d,"title":%q,"key":%q,"correlation_id":%q}`, status, title, key, id)
		}
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, title)
}
