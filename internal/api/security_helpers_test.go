package api_test

// Helpers of the security tests (security_*_test.go): a logical dump of the
// whole database, the request schemas of the OpenAPI document, and requests
// served in process (no sockets) for the generated test sets.

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi/internal/api"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// dumpHash is the SHA-256 of every row of every table but those in except
// (each table's rows rendered as text and sorted, so the order of a scan
// does not matter): two equal hashes mean the database holds the same data.
func dumpHash(t testing.TB, s *sqlstore.Store, except ...string) string {
	t.Helper()
	h := sha256.New()
	tables := dumpTables(t, s)
	names := make([]string, 0, len(tables))
	for n := range tables {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if !slices.Contains(except, n) {
			fmt.Fprintf(h, "%s %s\n", n, tables[n])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// changedTables names the tables whose dump differs between two
// dumpTables results.
func changedTables(a, b map[string]string) []string {
	var out []string
	for n, h := range b {
		if a[n] != h {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// dumpTables hashes each table's rows (see dumpHash).
func dumpTables(t testing.TB, s *sqlstore.Store) map[string]string {
	t.Helper()
	db := s.DB()
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	if s.Dialect() == sqlstore.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
	}
	names := queryStrings(t, db, q)
	out := map[string]string{}
	for _, n := range names {
		h := sha256.New()
		// n comes from the catalogue.
		rows, err := db.Query(`SELECT * FROM "` + n + `"`)
		if err != nil {
			t.Fatalf("dump %s: %v", n, err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", n, err)
			}
			var b strings.Builder
			for i, v := range vals {
				if v == nil {
					b.WriteString("\x01NULL")
				} else {
					b.Write(v)
				}
				if i < len(vals)-1 {
					b.WriteByte('\x1f')
				}
			}
			lines = append(lines, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("dump %s: %v", n, err)
		}
		rows.Close()
		slices.Sort(lines)
		for _, l := range lines {
			h.Write([]byte(l))
			h.Write([]byte{'\n'})
		}
		out[n] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

func queryStrings(t testing.TB, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// serve sends one request to the full handler in process.
func serve(h http.Handler, method, path, token, ctype string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// openAPIOf returns the OpenAPI document of the API built for env.
func openAPIOf(env *servertest.Env) *huma.OpenAPI {
	_, hapi := api.New(env.App)
	return hapi.OpenAPI()
}

// operation returns the OpenAPI operation of r.
func operation(doc *huma.OpenAPI, r api.Route) *huma.Operation {
	p := doc.Paths[r.Path]
	if p == nil {
		return nil
	}
	switch r.Method {
	case http.MethodGet:
		return p.Get
	case http.MethodPost:
		return p.Post
	case http.MethodPut:
		return p.Put
	case http.MethodPatch:
		return p.Patch
	case http.MethodDelete:
		return p.Delete
	}
	return nil
}

// bodySchema returns the JSON request body schema of r and its content
// type, or nil when the operation takes no body.
func bodySchema(doc *huma.OpenAPI, r api.Route) (*huma.Schema, string) {
	op := operation(doc, r)
	if op == nil || op.RequestBody == nil {
		return nil, ""
	}
	for ct, mt := range op.RequestBody.Content {
		if mt.Schema != nil {
			return resolve(doc, mt.Schema), ct
		}
	}
	return nil, ""
}

func resolve(doc *huma.OpenAPI, s *huma.Schema) *huma.Schema {
	for s != nil && s.Ref != "" {
		s = doc.Components.Schemas.SchemaFromRef(s.Ref)
	}
	return s
}

// validValue builds a value that passes s's schema checks (types, enums,
// formats, lengths, bounds): a request with it reaches the handler, where
// permissions and domain rules decide.
func validValue(doc *huma.OpenAPI, s *huma.Schema, depth int) any {
	s = resolve(doc, s)
	if s == nil || depth > 8 {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if len(s.OneOf) > 0 {
		return validValue(doc, s.OneOf[0], depth+1)
	}
	if len(s.AnyOf) > 0 {
		return validValue(doc, s.AnyOf[0], depth+1)
	}
	switch s.Type {
	case "string":
		switch s.Format {
		case "date-time":
			return "2030-01-02T03:04:05Z"
		case "date":
			return "2030-01-02"
		case "email":
			return "a@example.cn"
		case "uri":
			return "https://example.cn/"
		}
		n := 1
		if s.MinLength != nil && *s.MinLength > n {
			n = *s.MinLength
		}
		return strings.Repeat("x", n)
	case "integer", "number":
		v := 1.0
		if s.Minimum != nil && *s.Minimum > v {
			v = *s.Minimum
		}
		if s.Maximum != nil && *s.Maximum < v {
			v = *s.Maximum
		}
		if s.Type == "integer" {
			return int64(v)
		}
		return v
	case "boolean":
		return true
	case "array":
		n := 0
		if s.MinItems != nil {
			n = *s.MinItems
		}
		out := []any{}
		for range n {
			out = append(out, validValue(doc, s.Items, depth+1))
		}
		return out
	case "object", "":
		m := map[string]any{}
		for _, k := range s.Required {
			if p := s.Properties[k]; p != nil {
				m[k] = validValue(doc, p, depth+1)
			}
		}
		return m
	}
	return nil
}

// properties returns the top-level properties of an object schema, sorted.
func properties(doc *huma.OpenAPI, s *huma.Schema) []string {
	s = resolve(doc, s)
	if s == nil {
		return nil
	}
	var out []string
	for k := range s.Properties {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
