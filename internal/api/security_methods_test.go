package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/api"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestMethodAndContentType (TESTPLAN C9): every path of the route table
// answers a method it does not serve with 405 and an Allow header naming the
// methods it does serve, and a JSON operation answers a body of another
// media type with 415; both as problem+json.
func TestMethodAndContentType(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	h := env.Server.Config.Handler
	tok := env.Token(t, "admin")
	methods := map[string][]string{}
	for _, r := range api.Routes(env.App) {
		methods[r.Path] = append(methods[r.Path], r.Method)
	}
	gaps, checked := 0, 0
	for path, ms := range methods {
		p := strings.NewReplacer("{id}", "1", "{sub}", "1", "{key}", "auth.password_policy").Replace(path)
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if slices.Contains(ms, m) || matchesOther(methods, m, p) {
				continue
			}
			checked++
			rec := serve(h, m, p, tok, "application/json", []byte(`{}`))
			if rec.Code == 404 && rec.Header().Get("Allow") == "" {
				gaps++
				continue
			}
			allow := rec.Header().Get("Allow")
			ok := rec.Code == 405 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json")
			for _, want := range ms {
				ok = ok && strings.Contains(allow, want)
			}
			if !ok {
				t.Errorf("%s %s: %d Allow %q, want 405 with %v", m, p, rec.Code, allow, ms)
			}
		}
	}
	for _, tc := range []struct{ method, path, ctype string }{
		{"POST", "/api/v1/customers", "text/plain"},
		{"POST", "/api/v1/customers", "application/x-www-form-urlencoded"},
		{"PATCH", "/api/v1/customers/1", "application/xml"},
		{"POST", "/api/v1/exports", "text/csv"},
	} {
		rec := serve(h, tc.method, tc.path, tok, tc.ctype, []byte(`{"name":"x","format":"csv"}`), "If-Match", `"1"`)
		if rec.Code != 415 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s %s as %s: %d %s", tc.method, tc.path, tc.ctype, rec.Code, rec.Body)
		}
	}
	if gaps > 0 {
		t.Errorf("%d of %d wrong-method requests answer 404 without Allow", gaps, checked)
	}
	if checked < 50 {
		t.Fatalf("only %d wrong-method requests tried", checked)
	}
}

// matchesOther reports whether a route of method m matches the concrete
// path p through its parameters (GET /customers/search is GET
// /customers/{id} with a bad id: 400, not 405).
func matchesOther(methods map[string][]string, m, p string) bool {
	ps := strings.Split(p, "/")
	for path, ms := range methods {
		if !slices.Contains(ms, m) {
			continue
		}
		segs := strings.Split(path, "/")
		if len(segs) != len(ps) {
			continue
		}
		ok := true
		for i := range segs {
			if !strings.HasPrefix(segs[i], "{") && segs[i] != ps[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
