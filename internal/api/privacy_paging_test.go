package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIErasuresPaging: the erasure records are a cursor page, newest
// first: limit over 200 is refused (400, the old cap of 500 is gone),
// next_cursor leads to every record once and is empty on the last page,
// only privacy.admin reads them, and a malformed cursor is a 400 on
// query.cursor in the caller's language.
func TestAPIErasuresPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		ins := dollars(s, "INSERT INTO erasures (pseudonym, at, by_name, reason) VALUES (?, ?, 'admin', ?)")
		at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		var want []string
		for i := range 7 {
			p := fmt.Sprintf("%s-0000000%d", privacy.PseudonymPrefix, i)
			if _, err := s.DB().ExecContext(ctx, ins, p, at.Add(time.Duration(i)*time.Second), privacy.ReasonRetention); err != nil {
				t.Fatal(err)
			}
			want = append([]string{p}, want...)
		}
		admin := clientFor(t, env, "admin")
		for _, limit := range []string{"201", "500"} {
			if st, _, m := admin.do("GET", "/api/v1/erasures?limit="+limit, nil); st != 400 {
				t.Fatalf("limit %s: %d %v", limit, st, m)
			}
		}
		for _, limit := range []int{1, 2, 7, 200} {
			got, pages := walkAPI(t, admin, fmt.Sprintf("/api/v1/erasures?limit=%d", limit), "pseudonym")
			if strings.Join(got, " ") != strings.Join(want, " ") || pages != (len(want)+limit-1)/limit {
				t.Fatalf("limit %d: %d pages %v, want %v", limit, pages, got, want)
			}
		}
		if st, _, m := clientFor(t, env, "mgr_a").do("GET", "/api/v1/erasures?cursor=3", nil); st != 403 {
			t.Fatalf("manager: %d %v", st, m)
		}
		st, _, m := admin.do("GET", "/api/v1/erasures?cursor=-1", nil, "Accept-Language", "zh-CN")
		if st != 400 || !hasLocation(m, "query.cursor") || !strings.Contains(fmt.Sprint(m), "分页游标无效") {
			t.Fatalf("bad cursor: %d %v", st, m)
		}
	})
}
