package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDenseGroupChoosesExists: a prefix that matches many tokens walks
// customers with EXISTS on SQLite; a rare one keeps the IN list; both give
// the same rows.
func TestDenseGroupChoosesExists(t *testing.T) {
	s := openTestStore(t, "sqlite")
	ctx := context.Background()
	seedOrg(t, s)
	// 1,300 customers so the threshold sqrt(800 × 1300) ≈ 1,020 tokens is reachable.
	for i := 1; i <= 1300; i++ {
		insertCustomer(t, s, testCustomer{id: int64(i), kind: "person", name: fmt.Sprintf("客户%d", i), stage: "customer", owner: 1, created: time.Now()})
		tok := "i:ww"
		if i%100 == 0 {
			tok = "i:wq" // rare: 13 customers
		}
		mustExec(t, s, "INSERT INTO customer_tokens (token, customer_id) VALUES (?, ?)", tok, i)
	}
	for _, tc := range []struct {
		q      string
		exists bool
		rows   int
	}{{"ww", true, 21}, {"wq", false, 13}} {
		pred, args, err := s.searchSQLFor(ctx, tc.q, "c")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.HasPrefix(pred, "EXISTS"); got != tc.exists {
			t.Errorf("%s: EXISTS=%v, want %v (%s)", tc.q, got, tc.exists, pred)
		}
		var ids []int64
		q := "SELECT c.id FROM customers c WHERE " + pred + " ORDER BY c.id DESC LIMIT 21"
		if err := s.r.SelectContext(ctx, &ids, q, args...); err != nil {
			t.Fatal(err)
		}
		if len(ids) != tc.rows {
			t.Errorf("%s: %d rows, want %d", tc.q, len(ids), tc.rows)
		}
		plain, pargs, _ := s.searchSQL(tc.q, "c")
		var want []int64
		if err := s.r.SelectContext(ctx, &want, "SELECT c.id FROM customers c WHERE "+plain+" ORDER BY c.id DESC LIMIT 21", pargs...); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("%s: EXISTS and IN differ: %v vs %v", tc.q, ids, want)
		}
	}
}
