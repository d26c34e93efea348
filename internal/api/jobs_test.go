package api_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIJobs: admins list jobs by status and kind, retry a dead one with
// If-Match and read the schedules; others are refused.
func TestAPIJobs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		js := env.App.Jobs
		js.Handle("test.fail", func(context.Context, jobs.Job) error { return errors.New("smtp 550") })
		if _, err := js.Enqueue(ctx, jobs.NewJob{Kind: "test.fail", Key: "k", MaxAttempts: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := js.Enqueue(ctx, jobs.NewJob{Kind: "test.other", Key: "k"}); err != nil {
			t.Fatal(err)
		}
		if err := js.Work(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := js.EnsureSchedule(ctx, jobs.Schedule{Name: "test-nightly", Cron: "0 2 * * *", TZ: "Asia/Shanghai", Kind: "test.other"}); err != nil {
			t.Fatal(err)
		}
		admin, agent := clientFor(t, env, "admin"), clientFor(t, env, "agent_a1")
		if st, _, _ := agent.do("GET", "/api/v1/jobs", nil); st != 403 {
			t.Fatalf("agent list: %d", st)
		}
		st, _, m := admin.do("GET", "/api/v1/jobs?status=dead&kind=test.fail", nil)
		items, _ := m["items"].([]any)
		if st != 200 || len(items) != 1 {
			t.Fatalf("dead jobs: %d %v", st, m)
		}
		j := items[0].(map[string]any)
		if j["last_error"] != "smtp 550" || j["attempts"] != 1.0 || j["claimed_by"] == "" {
			t.Fatalf("dead job: %v", j)
		}
		path := fmt.Sprintf("/api/v1/jobs/%d/retry", int64(j["id"].(float64)))
		if st, _, _ := admin.do("POST", path, nil); st != 428 {
			t.Fatalf("retry without If-Match: %d", st)
		}
		if st, _, _ := admin.do("POST", path, nil, "If-Match", `"99"`); st != 412 {
			t.Fatalf("stale retry: %d", st)
		}
		st, h, m := admin.do("POST", path, nil, "If-Match", fmt.Sprintf(`"%d"`, int64(j["version"].(float64))))
		if st != 201 || m["status"] != "queued" || m["attempts"] != 0.0 || h.Get("ETag") == "" {
			t.Fatalf("retry: %d %v", st, m)
		}
		st, _, m = admin.do("POST", path, nil, "If-Match", h.Get("ETag"))
		if st != 409 {
			t.Fatalf("retry of a queued job: %d %v", st, m)
		}
		// Paging: one per page, then the cursor.
		st, _, m = admin.do("GET", "/api/v1/jobs?limit=1", nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 1 || m["next_cursor"] == "" {
			t.Fatalf("page 1: %d %v", st, m)
		}
		st, _, m = admin.do("GET", "/api/v1/jobs?limit=1&cursor="+m["next_cursor"].(string), nil)
		if items, _ := m["items"].([]any); st != 200 || len(items) != 1 {
			t.Fatalf("page 2: %d %v", st, m)
		}
		st, _, m = admin.do("GET", "/api/v1/job-schedules", nil)
		var sc map[string]any
		for _, x := range list(t, m) {
			if x["name"] == "test-nightly" {
				sc = x
			}
		}
		if st != 200 || sc == nil || sc["tz"] != "Asia/Shanghai" {
			t.Fatalf("schedules: %d %v", st, m)
		}
		next, err := time.Parse(time.RFC3339, sc["next"].(string))
		if _, off := next.Zone(); err != nil || off != 8*3600 || next.Hour() != 2 || next.Minute() != 0 {
			t.Fatalf("next fire %v %v, want 02:00 +08:00", sc["next"], err)
		}
		if st, _, _ := agent.do("GET", "/api/v1/job-schedules", nil); st != 403 {
			t.Fatalf("agent schedules: %d", st)
		}
	})
}
