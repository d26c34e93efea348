package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestWebOutOfScopeAudited: another agent's customer page answers the same
// 404 page as a missing id, and only the former writes an access_denied
// row (reason out_of_scope) (TESTPLAN E1, G1).
func TestWebOutOfScopeAudited(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	c := env.Customer(t, "agent_a1", "吴九", "13500135000")
	cl := env.Login(t, "agent_b")
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := cl.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	from := env.AuditHead(t)
	stAbsent, _ := get("/customers/987654321")
	if stAbsent != 404 {
		t.Fatalf("missing id: %d", stAbsent)
	}
	if rows := env.AuditSince(t, from); len(rows) != 0 {
		t.Fatalf("a missing id wrote audit rows: %+v", rows)
	}
	path := fmt.Sprintf("/customers/%d", c.ID)
	st, body := get(path)
	if st != 404 {
		t.Fatalf("out of scope: %d", st)
	}
	if strings.Contains(body, "吴九") {
		t.Fatalf("the 404 page shows the customer's name")
	}
	rows := env.AuditSince(t, from)
	if len(rows) != 1 || rows[0].Action != audit.ActionDenied || rows[0].ActorName != "agent_b" {
		t.Fatalf("want one access_denied row by agent_b, got %+v", rows)
	}
	var d servertest.DeniedDetail
	if err := json.Unmarshal([]byte(rows[0].Detail), &d); err != nil {
		t.Fatal(err)
	}
	if d.Reason != "out_of_scope" || d.Surface != "web" || d.Path != path || d.Route != "/customers/{id}" {
		t.Fatalf("detail %+v", d)
	}
}
