package web_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// workNextHref is a page's "next page" link, "" when there is none.
func workNextHref(body string) string {
	m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestTaskListPaging: the task list shows 50 tasks a page with a next link
// that keeps the filters; following it shows the rest, each task once;
// another agent following the link sees none of them; a malformed cursor
// is a 400 page; the today page links to the list.
func TestTaskListPaging(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	agent, other := env.Login(t, "agent_a1"), env.Login(t, "agent_b")
	c := env.Customer(t, "agent_a1", "鲁十六", "13500135016")
	const n = 53
	for i := range n {
		x := &task.Task{Title: fmt.Sprintf("回访%02d号", i), CustomerID: c.ID, DueOn: fmt.Sprintf("2030-04-%02d", 1+i%5)}
		if err := env.App.Tasks.Create(ctx, env.Actor("agent_a1"), x); err != nil {
			t.Fatal(err)
		}
	}
	titles := regexp.MustCompile(`回访\d\d号`)
	p := wGet(t, agent, env.URL+"/tasks?due_from=2030-04-01&status=open")
	first := titles.FindAllString(p.body, -1)
	next := workNextHref(p.body)
	if p.status != 200 || len(first) != 50 || !strings.Contains(next, "due_from=2030-04-01") ||
		!strings.Contains(next, "status=open") || !strings.Contains(next, "cursor=") {
		t.Fatalf("first page: %d, %d tasks, next %q", p.status, len(first), next)
	}
	p = wGet(t, agent, env.URL+next)
	rest := titles.FindAllString(p.body, -1)
	if p.status != 200 || len(rest) != n-50 || workNextHref(p.body) != "" || !strings.Contains(p.body, "2030-04-05") {
		t.Fatalf("second page: %d, %d tasks, next %q", p.status, len(rest), workNextHref(p.body))
	}
	seen := map[string]bool{}
	for _, x := range append(first, rest...) {
		if seen[x] {
			t.Fatalf("%s shown twice", x)
		}
		seen[x] = true
	}
	if len(seen) != n {
		t.Fatalf("%d of %d tasks shown", len(seen), n)
	}
	if p := wGet(t, other, env.URL+next); p.status != 200 || titles.MatchString(p.body) {
		t.Fatalf("other agent follows the link: %d", p.status)
	}
	if p := wGet(t, agent, env.URL+"/tasks?cursor=2030-04-01.x"); p.status != 400 || !strings.Contains(p.body, "分页游标无效") {
		t.Fatalf("malformed cursor: %d", p.status)
	}
	if p := wGet(t, agent, env.URL+"/today"); p.status != 200 || !strings.Contains(p.body, `href="/tasks"`) {
		t.Fatalf("today page lacks the task list link: %d", p.status)
	}
}
