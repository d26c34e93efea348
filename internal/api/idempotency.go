package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
)

// recorder keeps a copy of the response for the idempotency record.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

// replayHeaders are the response headers kept with an idempotency record.
var replayHeaders = []string{"Content-Type", "ETag", "Location"}

// idempotent puts the language context in place for error rendering and
// answers a POST carrying an Idempotency-Key from its record: a replay gets
// the stored response, the same key with another body 422, a key whose
// first request is still running 409.
func idempotent(a *app.App, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), bundleKey{}, a.I18n)
		ctx = context.WithValue(ctx, acceptKey{}, r.Header.Get("Accept-Language"))
		r = r.WithContext(ctx)
		key := r.Header.Get("Idempotency-Key")
		act, ok := guanxi.ActorFrom(ctx)
		if r.Method != http.MethodPost || key == "" || !ok || act.UserID == 0 || a.Idem == nil {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 200 {
			writeProblem(w, problemOf(ctx, a.I18n, guanxi.Invalid(guanxi.Field("header.Idempotency-Key", "validation.too_long"))))
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeProblem(w, problemOf(ctx, a.I18n, &guanxi.Error{Kind: guanxi.KindInvalid, Key: "error.too_large"}))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(append([]byte(r.URL.RequestURI()+"\n"), body...))
		rec := app.IdemRecord{UserID: act.UserID, Key: key, Method: r.Method, Path: r.URL.Path, BodyHash: hex.EncodeToString(sum[:])}
		prev, created, err := a.Idem.BeginIdem(ctx, rec)
		if err != nil {
			writeProblem(w, problemOf(ctx, a.I18n, err))
			return
		}
		if !created {
			switch {
			case prev.BodyHash != rec.BodyHash:
				p := problemOf(ctx, a.I18n, guanxi.InvalidKey("error.idempotency_mismatch", nil))
				p.Status = http.StatusUnprocessableEntity
				writeProblem(w, p)
			case prev.Status == 0:
				writeProblem(w, problemOf(ctx, a.I18n, guanxi.Conflict("error.idempotency_in_flight", nil)))
			default:
				for k, v := range prev.Headers {
					w.Header().Set(k, v)
				}
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(prev.Status)
				w.Write(prev.Body)
			}
			return
		}
		rw := &recorder{ResponseWriter: w}
		finished := false
		defer func() {
			// A panic or a 5xx leaves nothing to replay: free the key.
			if !finished {
				a.Idem.AbortIdem(context.WithoutCancel(ctx), act.UserID, key)
			}
		}()
		next.ServeHTTP(rw, r)
		if rw.status == 0 || rw.status >= 500 {
			return
		}
		hdr := map[string]string{}
		for _, k := range replayHeaders {
			if v := rw.Header().Get(k); v != "" {
				hdr[k] = v
			}
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := a.Idem.FinishIdem(fctx, act.UserID, key, rw.status, hdr, rw.buf.Bytes()); err == nil {
			finished = true
		}
	})
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}
