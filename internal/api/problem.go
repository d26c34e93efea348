package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/response"
)

// ProblemField names a field (body.<json path>) and what is wrong with it.
type ProblemField struct {
	Location string `json:"location" doc:"Where: body.<field>, query.<param>, path.<param>, header.<name>"`
	Key      string `json:"key,omitempty" doc:"Message key, stable across languages"`
	Message  string `json:"message" doc:"Message in the caller's language"`
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type          string         `json:"type,omitempty"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Key           string         `json:"key,omitempty" doc:"Message key of the error"`
	Args          map[string]any `json:"args,omitempty" doc:"Values in the message, e.g. the existing customer's number"`
	Errors        []ProblemField `json:"errors,omitempty"`
	CorrelationID string         `json:"correlation_id,omitempty"`
	// retryAfter is the Retry-After of a 429, in seconds.
	retryAfter int
}

// GetHeaders gives huma the response headers of the error (Retry-After).
func (p *Problem) GetHeaders() http.Header {
	if p.retryAfter <= 0 {
		return nil
	}
	return http.Header{"Retry-After": {strconv.Itoa(p.retryAfter)}}
}

func (p *Problem) Error() string  { return p.Title }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return "application/problem+json"
	}
	return ct
}

// langOf is the caller's language: its profile, else Accept-Language.
func langOf(ctx context.Context, b *i18n.Bundle, accept string) string {
	if a, ok := guanxi.ActorFrom(ctx); ok && a.Lang != "" {
		return a.Lang
	}
	if b != nil {
		return b.Match(accept)
	}
	return "zh-CN"
}

type acceptKey struct{}

// problemOf turns any error into a localised problem. Field paths are
// prefixed with body. unless they already name a location.
func problemOf(ctx context.Context, b *i18n.Bundle, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	accept, _ := ctx.Value(acceptKey{}).(string)
	lang := langOf(ctx, b, accept)
	e := guanxi.AsError(err)
	status := response.Status(err)
	t := func(key string, args map[string]any) string {
		if b == nil {
			return key
		}
		return b.T(lang, key, args)
	}
	p = &Problem{Title: t(e.Key, e.Args), Status: status, Key: e.Key}
	if e.Kind == guanxi.KindTooMany {
		p.retryAfter, _ = e.Args["seconds"].(int)
	}
	if e.Kind == guanxi.KindConflict || e.Kind == guanxi.KindPreconditionFailed {
		p.Args = e.Args
	}
	for _, f := range e.Fields {
		loc := f.Field
		if !strings.Contains(loc, ".") || !isLocation(loc) {
			loc = "body." + loc
		}
		label := t("field."+lastSegment(f.Field), nil)
		msg := t(f.Key, f.Args)
		if !strings.HasPrefix(label, "field.") {
			msg = label + ": " + msg
		}
		p.Errors = append(p.Errors, ProblemField{Location: loc, Key: f.Key, Message: msg})
	}
	if status >= 500 {
		p.Title = t("error.internal", nil)
	}
	return p
}

func isLocation(s string) bool {
	for _, l := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(s, l) {
			return true
		}
	}
	return false
}

func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '['); i >= 0 {
		s = s[:i]
	}
	return s
}

// newHumaError localises huma's own errors (bad JSON, unknown fields, wrong
// types). Validation failures are 400 here, like our own field errors.
func newHumaError(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	var b *i18n.Bundle
	ctx := context.Background()
	accept := ""
	if hctx != nil {
		ctx = hctx.Context()
		accept = hctx.Header("Accept-Language")
		b, _ = ctx.Value(bundleKey{}).(*i18n.Bundle)
	}
	lang := langOf(ctx, b, accept)
	key := "error.invalid"
	switch status {
	case http.StatusRequestEntityTooLarge:
		key = "error.too_large"
	case http.StatusNotFound:
		key = "error.not_found"
	case http.StatusMethodNotAllowed:
		key = "error.method"
	case http.StatusUnsupportedMediaType:
		key = "error.media_type"
	}
	if status >= 500 {
		key = "error.internal"
	}
	if strings.Contains(strings.ToLower(msg), "request body too large") || strings.Contains(msg, "http: request body too large") {
		status, key = http.StatusRequestEntityTooLarge, "error.too_large"
	}
	t := func(k string) string {
		if b == nil {
			return k
		}
		return b.T(lang, k, nil)
	}
	p := &Problem{Title: t(key), Status: status, Key: key, Detail: msg}
	for _, e := range errs {
		var d *huma.ErrorDetail
		if errors.As(e, &d) {
			if strings.Contains(d.Message, "too large") {
				p.Status, p.Key, p.Title = http.StatusRequestEntityTooLarge, "error.too_large", t("error.too_large")
			}
			p.Errors = append(p.Errors, ProblemField{Location: d.Location, Key: "validation.schema", Message: d.Message})
			continue
		}
		if strings.Contains(e.Error(), "too large") {
			p.Status, p.Key, p.Title = http.StatusRequestEntityTooLarge, "error.too_large", t("error.too_large")
		}
		p.Errors = append(p.Errors, ProblemField{Location: "body", Key: "validation.schema", Message: e.Error()})
	}
	return p
}

type bundleKey struct{}

// notFoundOrMethod answers a request no operation took: 405 with Allow when
// the path exists under other methods (RFC 9110 §15.5.6), else 404. mux is
// the API's own mux, whose catch-all pattern "/api/" is skipped.
func notFoundOrMethod(mux *http.ServeMux, b *i18n.Bundle, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pattern := mux.Handler(r2); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		writeProblem(w, problemOf(r.Context(), b, guanxi.NotFound("error.not_found")))
		return
	}
	lang := langOf(r.Context(), b, r.Header.Get("Accept-Language"))
	title := "error.method"
	if b != nil {
		title = b.T(lang, title, nil)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeProblem(w, &Problem{Title: title, Status: http.StatusMethodNotAllowed, Key: "error.method"})
}
