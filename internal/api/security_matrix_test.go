package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/api"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// matrixUsers is one test user per role, in guanxi.Roles order.
var matrixUsers = map[guanxi.Role]string{guanxi.RoleAdmin: "admin", guanxi.RoleManager: "mgr_a",
	guanxi.RoleAgent: "agent_a1", guanxi.RoleCredit: "credit_a", guanxi.RoleAuditor: "auditor"}

const matrixFile = "testdata/function_matrix.txt"

// serviceRules are grants narrower than the route's one permission, decided
// in the service; they belong in the route table (see docs/security.md, A6).
var serviceRules = map[string]func(guanxi.Actor) bool{
	// "survey.admin or audit.read" (internal/task report).
	"followup-report": func(a guanxi.Actor) bool { return a.Can(guanxi.PermSurveyAdmin) || a.Can(guanxi.PermAuditRead) },
}

// TestFunctionMatrixAllRoutes (TESTPLAN A6) takes every operation of the
// route table × every role. A role without the operation's permission gets
// 403 with a body that passes the schema (so the answer is the permission
// check, not parsing) and nothing changes; a role with it is never refused
// on reads (GET: not 401/403). The matrix itself is kept in
// testdata/function_matrix.txt so a change of any grant shows in review;
// GUANXI_UPDATE_MATRIX=1 rewrites it.
func TestFunctionMatrixAllRoutes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		c := env.Customer(t, "agent_a1", "周八", "13600136000")
		h := env.Server.Config.Handler
		doc := openAPIOf(env)
		tokens := map[guanxi.Role]string{}
		for _, role := range guanxi.Roles {
			tokens[role] = env.Token(t, matrixUsers[role])
			serve(h, "GET", "/api/v1/me", tokens[role], "", nil)
		}
		var snap strings.Builder
		fmt.Fprintf(&snap, "# operation  method path  permission  |  %s\n", strings.Join(roleNames(), " "))
		// Denials are audited (TESTPLAN E1), so the audit log is left out.
		before := dumpTables(t, s)
		auditFrom := env.AuditHead(t)
		refused := map[servertest.Denied]bool{}
		denied, reads := 0, 0
		for _, r := range api.Routes(env.App) {
			perm := string(r.Perm)
			switch {
			case r.Public:
				perm = "(public)"
			case perm == "":
				perm = "(signed in)"
			}
			var cells []string
			path := strings.NewReplacer("{id}", fmt.Sprint(c.ID), "{sub}", "1", "{key}", "auth.password_policy", "{year}", "2027",
				"{hold}", "1", "{kind}", "customers_deleted").Replace(r.Path)
			if q := requiredQuery(doc, r); q != "" {
				path += "?" + q
			}
			var body []byte
			ctype := ""
			if schema, ct := bodySchema(doc, r); schema != nil && strings.Contains(ct, "json") {
				body, _ = json.Marshal(validValue(doc, schema, 0))
				ctype = "application/json"
			}
			for _, role := range guanxi.Roles {
				actor := env.Actor(matrixUsers[role])
				allowed := r.Public || r.Perm == "" || actor.Can(r.Perm)
				if rule, ok := serviceRules[r.ID]; ok {
					allowed = allowed && rule(actor)
				}
				cell := "-"
				if allowed {
					cell = "Y"
				}
				cells = append(cells, cell)
				if r.Public {
					continue
				}
				if !allowed {
					if r.ID == "upload-import" || (r.Path == "/api/v1/imports" && r.Method == "POST") {
						ctype = "multipart/form-data; boundary=x"
						body = []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nname\r\nx\r\n--x--\r\n")
					}
					denied++
					rec := serve(h, r.Method, path, tokens[role], ctype, body, "If-Match", `"1"`)
					if rec.Code != 403 {
						t.Errorf("%s %s as %s (no %s): %d %.200s", r.Method, path, role, r.Perm, rec.Code, rec.Body)
					}
					refused[servertest.Denied{User: matrixUsers[role], Route: r.Method + " " + r.Path}] = true
					continue
				}
				if r.Method == "GET" {
					reads++
					rec := serve(h, r.Method, path, tokens[role], "", nil)
					if rec.Code == 401 || rec.Code == 403 {
						t.Errorf("%s %s as %s (has %s): %d %.200s", r.Method, path, role, perm, rec.Code, rec.Body)
					}
				}
			}
			fmt.Fprintf(&snap, "%s  %s %s  %s  |  %s\n", r.ID, r.Method, r.Path, perm, strings.Join(cells, " "))
		}
		// Reads and denials are audited (TESTPLAN D3, E1): the audit tables
		// and the customer access log may grow, nothing else may change.
		for _, n := range changedTables(before, dumpTables(t, s)) {
			if !strings.HasPrefix(n, "audit") && n != "customer_access" {
				t.Errorf("the calls changed table %s", n)
			}
		}
		t.Logf("%d denied calls, %d permitted reads", denied, reads)
		// Every refused call left an access_denied row naming the missing
		// permission when the route's own check refused it.
		audited := map[servertest.Denied]string{}
		for _, x := range env.AuditSince(t, auditFrom) {
			var d servertest.DeniedDetail
			if x.Action == "access_denied" && json.Unmarshal([]byte(x.Detail), &d) == nil {
				audited[servertest.Denied{User: x.ActorName, Route: d.Method + " " + d.Route}] = d.Perm
			}
		}
		for _, r := range api.Routes(env.App) {
			for _, role := range guanxi.Roles {
				k := servertest.Denied{User: matrixUsers[role], Route: r.Method + " " + r.Path}
				if !refused[k] {
					continue
				}
				perm, ok := audited[k]
				switch {
				case !ok:
					t.Errorf("403 to %s on %s has no access_denied row", k.User, k.Route)
				case r.Perm != "" && !env.Actor(k.User).Can(r.Perm) && perm != string(r.Perm):
					t.Errorf("access_denied row of %s on %s names permission %q, want %q", k.User, k.Route, perm, r.Perm)
				}
			}
		}
		if s.Dialect() != sqlstore.SQLite {
			return
		}
		if os.Getenv("GUANXI_UPDATE_MATRIX") == "1" {
			os.MkdirAll(filepath.Dir(matrixFile), 0o755)
			if err := os.WriteFile(matrixFile, []byte(snap.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(matrixFile)
		if err != nil || string(want) != snap.String() {
			t.Errorf("the function matrix differs from %s (review the change, then GUANXI_UPDATE_MATRIX=1): %v", matrixFile, err)
		}
	})
}

func roleNames() []string {
	var out []string
	for _, r := range guanxi.Roles {
		out = append(out, string(r))
	}
	return out
}

// requiredQuery gives valid values to the operation's required query
// parameters.
func requiredQuery(doc *huma.OpenAPI, r api.Route) string {
	op := operation(doc, r)
	if op == nil {
		return ""
	}
	q := url.Values{}
	for _, p := range op.Parameters {
		if p.In == "query" && p.Required {
			q.Set(p.Name, fmt.Sprint(validValue(doc, p.Schema, 0)))
		}
	}
	return q.Encode()
}
