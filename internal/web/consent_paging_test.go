package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// walkPages follows the "next page" links from u and returns the first
// submatch of row on each page, page by page. Every page after the first
// must link back to the first page, and every next link must carry a
// cursor and end in anchor.
func walkPages(t *testing.T, c *http.Client, base, u string, row *regexp.Regexp, anchor string) [][]string {
	t.Helper()
	var out [][]string
	for pages := 1; ; pages++ {
		p := wGet(t, c, u)
		if p.status != 200 {
			t.Fatalf("page %d: %d", pages, p.status)
		}
		var got []string
		for _, m := range row.FindAllStringSubmatch(p.body, -1) {
			got = append(got, m[1])
		}
		out = append(out, got)
		if pages > 1 && !strings.Contains(p.body, "« 第一页") {
			t.Fatalf("page %d has no first-page link", pages)
		}
		m := nextLink.FindStringSubmatch(p.body)
		if m == nil {
			return out
		}
		next := html.UnescapeString(m[1])
		if !strings.Contains(next, "cursor=") || !strings.HasSuffix(next, anchor) {
			t.Fatalf("next link: %s", next)
		}
		if pages > 50 {
			t.Fatal("the pages never end")
		}
		u = base + next
	}
}

// checkNewestFirst asserts pages of sizes want hold rows n-1 … 0 (three
// digits each), each once.
func checkNewestFirst(t *testing.T, pages [][]string, want string, n int) {
	t.Helper()
	var all []string
	sizes := make([]int, 0, len(pages))
	for _, p := range pages {
		sizes = append(sizes, len(p))
		all = append(all, p...)
	}
	if fmt.Sprint(sizes) != want || len(all) != n {
		t.Fatalf("pages %v, want %s: %v", sizes, want, all)
	}
	for i, x := range all {
		if x != fmt.Sprintf("%03d", n-1-i) {
			t.Fatalf("row %d is %s: %v", i, x, all)
		}
	}
}

// TestConsentHistoryPages: a customer with more ledger rows than the
// consent page shows has a "next page" link to the older ones, each shown
// once; the last page links back to the first; the state grid is there on
// every page; a broken cursor is refused and another branch gets 404 on a
// later page too.
func TestConsentHistoryPages(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	agent, other := env.Login(t, "agent_a1"), env.Login(t, "agent_b")
	c := env.Customer(t, "agent_a1", "账本分页", "13500135222")
	const n = 53
	at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if _, err := env.Store.DB().ExecContext(ctx, "INSERT INTO consent_events (customer_id, purpose, channel, action, "+
			"source, note, at) VALUES (?, 'marketing', 'sms', 'grant', 'consent_page', ?, ?)",
			c.ID, fmt.Sprintf("n-%03d", i), at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	u := env.URL + "/customers/" + strconv.FormatInt(c.ID, 10) + "/consent"
	pages := walkPages(t, agent, env.URL, u, regexp.MustCompile(`<td>n-(\d{3})</td>`), "#consent-history")
	checkNewestFirst(t, pages, "[50 3]", n)
	p := wGet(t, agent, u+"?cursor=9999999")
	if p.status != 200 || !strings.Contains(p.body, `id="consent-grid"`) || !strings.Contains(p.body, "n-052") {
		t.Fatalf("page past the newest: %d", p.status)
	}
	if p = wGet(t, agent, u+"?cursor=nope"); p.status != http.StatusBadRequest {
		t.Fatalf("bad cursor: %d", p.status)
	}
	if p = wGet(t, other, u+"?cursor=9999999"); p.status != http.StatusNotFound {
		t.Fatalf("other branch: %d", p.status)
	}
}
