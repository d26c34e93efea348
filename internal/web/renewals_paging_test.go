package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// TestRenewalListPaging: a month with more due periods than a page shows
// a "next page" link that keeps the filters and leads to the rest, each
// row once; the last page has none but a link back to the first; a broken
// cursor is a 400 on the page; the export holds every row, more than the
// store hands out at once.
func TestRenewalListPaging(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	ctx := context.Background()
	agent, mgr := env.Login(t, "agent_a1"), env.Login(t, "mgr_a")
	c := env.Customer(t, "agent_a1", "连锁网吧", "13500135110")
	const n = 205 // two pages of 100 and one of 5; the export reads 200 + 5
	for i := range n {
		h := &customer.Holding{CustomerID: c.ID, Kind: "subscription", Name: fmt.Sprintf("门店%03d", i), Currency: "CNY",
			DueOn: fmt.Sprintf("2026-03-%02d", 1+i%28)}
		if err := env.App.Customers.SaveHolding(ctx, env.Actor("agent_a1"), h, 0); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	u := env.URL + "/renewals?month=2026-03&kind=subscription&overdue=0"
	var sizes []int
	for pages := 1; ; pages++ {
		p := wGet(t, agent, u)
		if p.status != 200 {
			t.Fatalf("page %d: %d", pages, p.status)
		}
		names := regexp.MustCompile(`门店\d{3}`).FindAllString(p.body, -1)
		sizes = append(sizes, len(names))
		for _, name := range names {
			seen[name]++
		}
		if pages > 1 && !strings.Contains(p.body, "« 第一页") {
			t.Fatalf("page %d has no first-page link", pages)
		}
		m := nextLink.FindStringSubmatch(p.body)
		if m == nil {
			break
		}
		if !strings.Contains(p.body, "下一页 »") {
			t.Fatal("next link without its label")
		}
		next := html.UnescapeString(m[1])
		if !strings.Contains(next, "kind=subscription") || !strings.Contains(next, "month=2026-03") ||
			!strings.Contains(next, "overdue=0") || !strings.Contains(next, "cursor=") {
			t.Fatalf("next link drops the filters: %s", next)
		}
		u = env.URL + next
	}
	if fmt.Sprint(sizes) != "[100 100 5]" || len(seen) != n {
		t.Fatalf("pages %v, %d distinct rows", sizes, len(seen))
	}
	for name, k := range seen {
		if k != 1 {
			t.Fatalf("%s shown %d times", name, k)
		}
	}
	if p := wGet(t, agent, env.URL+"/renewals?month=2026-03&cursor=nope"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "分页游标无效") {
		t.Fatalf("bad cursor: %d", p.status)
	}
	p := wGet(t, mgr, env.URL+"/renewals/export.csv?month=2026-03&overdue=0")
	if got := len(regexp.MustCompile(`门店\d{3}`).FindAllString(p.body, -1)); p.status != 200 || got != n {
		t.Fatalf("export: %d, %d rows", p.status, got)
	}
}
