package web_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestCareEventsPaging: a rule with more events than its page shows has
// a "next page" link to the older ones, each shown once; the last page
// links back to the first; a broken cursor is refused.
func TestCareEventsPaging(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	mgr := env.Login(t, "mgr_a")
	rule := care.Rule{Name: "生日祝福", Kind: care.KindBirthday, Channel: care.ChannelNone, CreateTask: true, Enabled: true}
	if err := env.App.Care.Save(ctx, env.Actor("admin"), &rule, 0); err != nil {
		t.Fatal(err)
	}
	c := env.Customer(t, "agent_a1", "老客户", "13500135111")
	const n = 53
	for i := range n {
		if _, err := env.Store.DB().ExecContext(ctx, "INSERT INTO care_events (rule_id, customer_id, occurrence, kind, event_on, "+
			"status, channel, created_at) VALUES (?, ?, ?, 'birthday', '2026-07-01', 'fired', 'none', ?)",
			rule.ID, c.ID, fmt.Sprintf("occ-%03d", i), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	occ := regexp.MustCompile(`<code>occ-(\d{3})</code>`)
	u := env.URL + "/care/rules/" + strconv.FormatInt(rule.ID, 10)
	var got []string
	var sizes []int
	for pages := 1; ; pages++ {
		p := wGet(t, mgr, u)
		if p.status != 200 {
			t.Fatalf("page %d: %d", pages, p.status)
		}
		ms := occ.FindAllStringSubmatch(p.body, -1)
		sizes = append(sizes, len(ms))
		for _, m := range ms {
			got = append(got, m[1])
		}
		if pages > 1 && !strings.Contains(p.body, "« 第一页") {
			t.Fatalf("page %d has no first-page link", pages)
		}
		m := nextLink.FindStringSubmatch(p.body)
		if m == nil {
			break
		}
		next := html.UnescapeString(m[1])
		if !strings.Contains(next, "cursor=") || !strings.HasSuffix(next, "#events") {
			t.Fatalf("next link: %s", next)
		}
		u = env.URL + next
	}
	// Newest first: occ-052 down to occ-000, each once.
	if fmt.Sprint(sizes) != "[50 3]" || len(got) != n || got[0] != "052" || got[n-1] != "000" {
		t.Fatalf("pages %v, rows %v", sizes, got)
	}
	for i := 1; i < n; i++ {
		if got[i] >= got[i-1] {
			t.Fatalf("out of order at %d: %v", i, got)
		}
	}
	if p := wGet(t, mgr, env.URL+"/care/rules/"+strconv.FormatInt(rule.ID, 10)+"?cursor=nope"); p.status != 400 {
		t.Fatalf("bad cursor: %d", p.status)
	}
}
