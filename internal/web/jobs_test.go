package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestJobsAdminPage: the admin sees counts, the dead job with its error
// and worker, retries it (a stale version is refused inline), and the
// schedules with their next run in the schedule's zone; an agent cannot.
func TestJobsAdminPage(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	js := env.App.Jobs
	js.Handle("test.fail", func(context.Context, jobs.Job) error { return errors.New("网关超时") })
	if _, err := js.Enqueue(ctx, jobs.NewJob{Kind: "test.fail", Key: "dead-1", MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Enqueue(ctx, jobs.NewJob{Kind: "test.nobody", Key: "waiting"}); err != nil {
		t.Fatal(err)
	}
	if err := js.Work(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := js.EnsureSchedule(ctx, jobs.Schedule{Name: "test-ny", Cron: "0 9 * * *", TZ: "America/New_York", Kind: "test.nobody"}); err != nil {
		t.Fatal(err)
	}
	admin, agent := env.Login(t, "admin"), env.Login(t, "agent_a1")
	if p := wGet(t, agent, env.URL+"/admin/jobs"); p.status != http.StatusForbidden && p.status != http.StatusSeeOther {
		t.Fatalf("agent: %d", p.status)
	}
	p := wGet(t, admin, env.URL+"/admin/jobs?status=dead")
	if p.status != 200 || !strings.Contains(p.body, "网关超时") || !strings.Contains(p.body, "dead-1") ||
		strings.Contains(p.body, "waiting") || !strings.Contains(p.body, `data-status="dead">1<`) {
		t.Fatalf("dead filter: %d\n%s", p.status, p.body)
	}
	if !strings.Contains(p.body, "后台任务") || !strings.Contains(p.body, "已终止") || !strings.Contains(p.body, "定时计划") {
		t.Fatal("zh-CN labels missing")
	}
	if !strings.Contains(p.body, "test-ny") || !(strings.Contains(p.body, " EST") || strings.Contains(p.body, " EDT")) {
		t.Fatal("schedule or its zone missing")
	}
	// The unregistered kind stays queued and visible.
	if p := wGet(t, admin, env.URL+"/admin/jobs?kind=test.nobody"); !strings.Contains(p.body, "waiting") {
		t.Fatal("queued job of an unregistered kind not listed")
	}
	l, err := js.List(ctx, env.Actor("admin"), jobs.ListQuery{Kind: "test.fail"})
	if err != nil || len(l) != 1 {
		t.Fatal(l, err)
	}
	retry := env.URL + "/admin/jobs/" + strconv.FormatInt(l[0].ID, 10) + "/retry"
	if p := wPost(t, admin, retry, url.Values{"version": {"99"}}); p.status == http.StatusSeeOther || !strings.Contains(p.body, "网关超时") {
		t.Fatalf("stale retry: %d", p.status)
	}
	if p := wPost(t, admin, retry, url.Values{"version": {strconv.FormatInt(l[0].Version, 10)}, "status": {"dead"}}); p.status != http.StatusSeeOther ||
		p.loc != "/admin/jobs?status=dead" {
		t.Fatalf("retry: %d %q", p.status, p.loc)
	}
	r, err := js.Get(ctx, env.Actor("admin"), l[0].ID)
	if err != nil || r.Status != jobs.StatusQueued || r.Attempts != 0 {
		t.Fatalf("after retry: %+v %v", r, err)
	}
	if p := wPost(t, agent, retry, url.Values{"version": {strconv.FormatInt(r.Version, 10)}}); p.status == http.StatusSeeOther {
		t.Fatal("agent retried a job")
	}
}
