package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIExports runs an export job through the API: queued, run by the
// background runner, polled, downloaded by its owner only; masked, scoped
// and defused.
func TestAPIExports(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		env.Customer(t, "agent_a1", "=SUM(1+1)", "13800138000")
		env.Customer(t, "agent_b", "李四", "13900139000")
		mgrA := clientFor(t, env, "mgr_a")

		for _, tc := range []struct {
			who  string
			body map[string]any
			want int
		}{
			{"agent_a1", map[string]any{"format": "csv"}, 403}, // agents do not export
			{"mgr_a", map[string]any{"format": "pdf"}, 400},
			{"mgr_a", map[string]any{"format": "csv", "unmasked": true}, 400},
			{"auditor", map[string]any{"format": "csv", "unmasked": true, "reason": "x"}, 403},
			{"mgr_a", map[string]any{"format": "csv", "filter": map[string]any{"field": "nope", "op": "eq", "value": 1}}, 400},
		} {
			if st, _, m := clientFor(t, env, tc.who).do("POST", "/api/v1/exports", tc.body); st != tc.want {
				t.Errorf("%s %v: %d, want %d (%v)", tc.who, tc.body, st, tc.want, m)
			}
		}

		st, _, m := mgrA.do("POST", "/api/v1/exports", map[string]any{"format": "csv", "lang": "en"})
		if st != 201 || m["status"] != "queued" {
			t.Fatalf("create: %d %v", st, m)
		}
		path := fmt.Sprintf("/api/v1/exports/%d", int64(m["id"].(float64)))
		if st, _, m := mgrA.do("GET", path+"/file", nil); st != 409 {
			t.Errorf("download before done: %d %v", st, m)
		}
		if err := env.App.Exports.Run(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		st, _, m = mgrA.do("GET", path, nil)
		if st != 200 || m["status"] != "done" || m["rows"] != float64(1) || m["file_url"] != path+"/file" {
			t.Fatalf("poll: %d %v", st, m)
		}
		st, hdr, m := mgrA.do("GET", path+"/file", nil)
		body, _ := m["_raw"].(string)
		if st != 200 || !strings.HasPrefix(body, "\ufeff") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
			t.Fatalf("download: %d %q %v", st, body, hdr)
		}
		if !strings.Contains(body, "'=SUM(1+1)") || strings.Contains(body, "李四") || !strings.Contains(body, "138****8000") {
			t.Errorf("file %q: want only branch A, masked and defused", body)
		}
		// Someone else's export does not exist for them; admins see every
		// job, but only its owner downloads the file.
		for _, tc := range []struct {
			who, path string
			want      int
		}{
			{"mgr_b", path, 404}, {"mgr_b", path + "/file", 404},
			{"auditor", path, 404}, {"auditor", path + "/file", 404},
			{"agent_a1", path, 403}, {"agent_a1", path + "/file", 403},
			{"admin", path, 200}, {"admin", path + "/file", 404},
		} {
			if st, _, m := clientFor(t, env, tc.who).do("GET", tc.path, nil); st != tc.want {
				t.Errorf("GET %s as %s: %d, want %d (%v)", tc.path, tc.who, st, tc.want, m)
			}
		}
		st, _, m = clientFor(t, env, "mgr_b").do("GET", "/api/v1/exports", nil)
		if raw, _ := m["_raw"].(string); st != 200 || strings.TrimSpace(raw) != "[]" {
			t.Errorf("mgr_b lists %d %v", st, m)
		}
	})
}

func TestAPISavedFilters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		env.Customer(t, "agent_a1", "王五", "13700137000")
		env.Customer(t, "agent_a1", "赵六", "13600136000")
		mgrA := clientFor(t, env, "mgr_a")
		st, hdr, m := mgrA.do("POST", "/api/v1/saved-filters", map[string]any{"name": "王", "q": "王五",
			"filter": map[string]any{"field": "stage", "op": "eq", "value": "customer"}})
		if st != 201 || hdr.Get("ETag") != `"1"` || m["name"] != "王" {
			t.Fatalf("create: %d %v", st, m)
		}
		id := int64(m["id"].(float64))
		path := fmt.Sprintf("/api/v1/saved-filters/%d", id)
		if st, _, _ := mgrA.do("POST", "/api/v1/saved-filters", map[string]any{"name": ""}); st != 400 {
			t.Errorf("nameless filter: %d", st)
		}
		for who, want := range map[string]int{"mgr_b": 404, "agent_a1": 404, "mgr_a": 200} {
			if st, _, _ := clientFor(t, env, who).do("GET", path, nil); st != want {
				t.Errorf("GET as %s: %d, want %d", who, st, want)
			}
		}
		if st, _, m := mgrA.do("PUT", path, map[string]any{"name": "王五们", "q": "王五", "shared": true}, "If-Match", `"1"`); st != 200 || m["shared"] != true {
			t.Fatalf("update: %d %v", st, m)
		}
		if st, _, _ := mgrA.do("PUT", path, map[string]any{"name": "x"}, "If-Match", `"1"`); st != 412 {
			t.Errorf("stale update: %d", st)
		}
		// Shared with branch A: the manager's own unit only.
		if st, _, _ := clientFor(t, env, "mgr_b").do("GET", path, nil); st != 404 {
			t.Errorf("shared filter seen in branch B: %d", st)
		}
		// An export of the saved filter is its list.
		st, _, m = mgrA.do("POST", "/api/v1/exports", map[string]any{"format": "csv", "saved_filter_id": id})
		if st != 201 {
			t.Fatalf("export: %d %v", st, m)
		}
		if err := env.App.Exports.Run(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		st, _, m = mgrA.do("GET", fmt.Sprintf("/api/v1/exports/%d/file", int64(m["id"].(float64))), nil)
		if body, _ := m["_raw"].(string); st != 200 || !strings.Contains(body, "王五") || strings.Contains(body, "赵六") {
			t.Errorf("saved filter export %d %q", st, body)
		}
		if st, _, _ := clientFor(t, env, "mgr_b").do("POST", "/api/v1/exports", map[string]any{"format": "csv", "saved_filter_id": id}); st != 404 {
			t.Errorf("export of another's filter: %d", st)
		}
		if st, _, _ := mgrA.do("DELETE", path, nil, "If-Match", `"2"`); st != 204 {
			t.Errorf("delete: %d", st)
		}
		if st, _, _ := mgrA.do("GET", path, nil); st != 404 {
			t.Errorf("deleted filter: %d", st)
		}
	})
}
