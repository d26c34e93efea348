package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// massFields are properties a caller must never set through a body: who
// owns or made a row, its version, roles and audit columns.
var massFields = []string{"owner_id", "created_by", "updated_by", "version", "role", "branch_id", "org_unit_id", "is_admin",
	"admin", "audit_hash", "audit_prev_hash", "id", "created_at", "deleted_at", "number", "password_hash", "permissions"}

// TestMassAssignment (TESTPLAN A5) adds each of those fields to otherwise
// valid update bodies. Fields an operation does not declare are refused
// with 400 naming body.<field>; fields it declares on purpose (a user's role
// for an administrator) are listed in allowed. The database is unchanged.
func TestMassAssignment(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		c := env.Customer(t, "agent_a1", "周八", "13600136000")
		owner := env.Actor("agent_a1")
		ct := &customer.Contact{CustomerID: c.ID, Name: "联系人"}
		if err := env.App.Customers.SaveContact(ctx, owner, ct, 0); err != nil {
			t.Fatal(err)
		}
		hd := &customer.Holding{CustomerID: c.ID, Kind: "loan", Name: "贷款", Currency: "CNY"}
		if err := env.App.Customers.SaveHolding(ctx, owner, hd, 0); err != nil {
			t.Fatal(err)
		}
		agent, admin, mgr := clientFor(t, env, "agent_a1"), clientFor(t, env, "admin"), clientFor(t, env, "mgr_a")
		// A token's first use stamps last_used_at; do it before any dump.
		for _, c := range []client{agent, admin, mgr} {
			c.do("GET", "/api/v1/me", nil)
		}
		cases := []struct {
			who     client
			method  string
			path    string
			body    map[string]any
			allowed []string // declared by the operation, checked elsewhere
		}{
			{agent, "PATCH", fmt.Sprintf("/api/v1/customers/%d", c.ID), map[string]any{"notes": "x"}, nil},
			{agent, "PUT", fmt.Sprintf("/api/v1/customers/%d/contacts/%d", c.ID, ct.ID), map[string]any{"name": "x"}, []string{"version", "id"}},
			{agent, "PUT", fmt.Sprintf("/api/v1/customers/%d/holdings/%d", c.ID, hd.ID), map[string]any{"kind": "loan", "name": "x"}, []string{"version", "id"}},
			{agent, "PATCH", "/api/v1/me", map[string]any{"name": "x"}, nil},
			{admin, "PATCH", fmt.Sprintf("/api/v1/users/%d", env.Users["agent_a1"].ID), map[string]any{"name": "x"}, []string{"role", "org_unit_id"}},
			{agent, "POST", "/api/v1/customers", map[string]any{"name": "新客户"}, []string{"owner_id"}},
		}
		for _, tc := range cases {
			for _, f := range massFields {
				if contains(tc.allowed, f) {
					continue
				}
				before := dumpHash(t, s)
				b := map[string]any{}
				for k, v := range tc.body {
					b[k] = v
				}
				b[f] = 1
				st, h, m := tc.who.do(tc.method, tc.path, b, "If-Match", `"1"`)
				if st != 400 || !hasLocation(m, "body."+f) || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%s %s with %s: %d %v", tc.method, tc.path, f, st, m)
				}
				if dumpHash(t, s) != before {
					t.Fatalf("%s %s with %s changed the database", tc.method, tc.path, f)
				}
			}
		}
		// Contacts and holdings are read and written as one type, id and
		// version included: the id in a body is ignored (the path decides)
		// and the version is the If-Match of the body.
		for p, body := range map[string]map[string]any{
			fmt.Sprintf("/api/v1/customers/%d/contacts/%d", c.ID, ct.ID): {"name": "改", "id": 999999, "version": 1},
			fmt.Sprintf("/api/v1/customers/%d/holdings/%d", c.ID, hd.ID): {"kind": "loan", "name": "改", "id": 999999, "version": 1},
		} {
			st, _, m := agent.do("PUT", p, body, "If-Match", `"1"`)
			if st != 200 || m["id"] == float64(999999) {
				t.Errorf("PUT %s with another id: %d %v", p, st, m)
			}
		}
		// A declared owner must be one the caller may assign: an agent cannot
		// create a customer for someone outside its scope. A 403 is audited
		// (TESTPLAN E1): the audit tables may gain access_denied rows only.
		audits := []string{"audit_log", "audit_head"}
		before, auditFrom := dumpHash(t, s, audits...), env.AuditHead(t)
		denied := map[servertest.Denied]bool{}
		st, _, m := agent.do("POST", "/api/v1/customers", map[string]any{"name": "新客户", "owner_id": env.Users["agent_b"].ID})
		if st < 400 || st >= 500 {
			t.Errorf("agent creates a customer for agent_b: %d %v", st, m)
		}
		if st == 403 {
			denied[servertest.Denied{User: "agent_a1", Route: "POST /api/v1/customers"}] = true
		}
		// A manager cannot make itself an administrator.
		st, _, m = mgr.do("PATCH", fmt.Sprintf("/api/v1/users/%d", env.Users["mgr_a"].ID), map[string]any{"role": "admin"}, "If-Match", `"1"`)
		if st != 403 {
			t.Errorf("manager promotes itself: %d %v", st, m)
		}
		denied[servertest.Denied{User: "mgr_a", Route: "PATCH /api/v1/users/{id}"}] = true
		if dumpHash(t, s, audits...) != before {
			t.Fatal("a refused assignment changed the database")
		}
		env.CheckDeniedAudit(t, auditFrom, denied)
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
