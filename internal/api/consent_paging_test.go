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

// dollars rebinds ? placeholders for PostgreSQL.
func dollars(s *sqlstore.Store, q string) string {
	if s.Dialect() == sqlstore.Postgres {
		for n := 1; strings.Contains(q, "?"); n++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", n), 1)
		}
	}
	return q
}

// walkAPI follows next_cursor from path (which has a query) and returns
// field of every item in the order read with the page count; it fails on
// a page that is not 200 or lacks next_cursor.
func walkAPI(t *testing.T, c client, path, field string) ([]string, int) {
	t.Helper()
	var out []string
	cursor := ""
	for pages := 1; ; pages++ {
		u := path
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		st, _, m := c.do("GET", u, nil)
		items, _ := m["items"].([]any)
		next, ok := m["next_cursor"].(string)
		if st != 200 || !ok {
			t.Fatalf("page %d: %d %v", pages, st, m)
		}
		for _, it := range items {
			out = append(out, fmt.Sprint(it.(map[string]any)[field]))
		}
		if next == "" {
			return out, pages
		}
		if pages > 100 {
			t.Fatal("the cursor never ends")
		}
		cursor = next
	}
}

// TestAPIConsentEventsPaging: the consent ledger is a cursor page, newest
// first: limit over 200 is refused (400), next_cursor leads to every row
// once and is empty on the last page, another customer's rows never show,
// another branch gets 404 on a later page too, and a malformed cursor is
// a 400 on query.cursor in the caller's language.
func TestAPIConsentEventsPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		c := env.Customer(t, "agent_a1", "账本接口", "13600136105")
		c2 := env.Customer(t, "agent_a1", "邻居接口", "13600136106")
		ins := dollars(s, "INSERT INTO consent_events (customer_id, purpose, channel, action, source, note, at) "+
			"VALUES (?, 'care', 'email', 'grant', 'api', ?, ?)")
		at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		var want []string
		for i := range 8 {
			cid := c.ID
			if i == 2 {
				cid = c2.ID
			}
			note := fmt.Sprintf("n-%d", i)
			if _, err := s.DB().ExecContext(ctx, ins, cid, note, at.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
			if cid == c.ID {
				want = append([]string{note}, want...)
			}
		}
		a1 := clientFor(t, env, "agent_a1")
		path := fmt.Sprintf("/api/v1/customers/%d/consent-events", c.ID)
		if st, _, m := a1.do("GET", path+"?limit=201", nil); st != 400 {
			t.Fatalf("limit over 200: %d %v", st, m)
		}
		for _, limit := range []int{1, 3, 7, 200} {
			got, pages := walkAPI(t, a1, fmt.Sprintf("%s?limit=%d", path, limit), "note")
			if strings.Join(got, " ") != strings.Join(want, " ") || pages != (len(want)+limit-1)/limit {
				t.Fatalf("limit %d: %d pages %v, want %v", limit, pages, got, want)
			}
		}
		st, _, m := a1.do("GET", path+"?limit=3", nil)
		next, _ := m["next_cursor"].(string)
		if st != 200 || next == "" {
			t.Fatalf("first page: %d %v", st, m)
		}
		if st, _, m := clientFor(t, env, "agent_b").do("GET", path+"?cursor="+next, nil); st != 404 {
			t.Fatalf("agent B: %d %v", st, m)
		}
		st, _, m = a1.do("GET", path+"?cursor=abc", nil, "Accept-Language", "zh-CN")
		if st != 400 || !hasLocation(m, "query.cursor") || !strings.Contains(fmt.Sprint(m), "分页游标无效") {
			t.Fatalf("bad cursor: %d %v", st, m)
		}
	})
}
