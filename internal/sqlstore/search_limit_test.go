package sqlstore

import (
	"context"
	"math"
	"strconv"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/search"
)

// BenchmarkSearchPrefix is a list request whose letters query makes SQLite
// probe how dense its prefix groups are (denseGroup):
//
//	GUANXI_BENCH_DB=/tmp/d/guanxi.db go test ./internal/sqlstore -run '^$' -bench 'SearchPrefix'
func BenchmarkSearchPrefix(b *testing.B) {
	s, _ := benchStore(b)
	ctx := context.Background()
	for _, q := range []string{"w", "wf", "zhang"} {
		b.Run(q, func(b *testing.B) {
			cpuLoop(b, func() {
				if _, err := s.ListCustomers(ctx, benchAdmin, customer.ListQuery{Limit: 20, Q: q}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// countCap never counts fewer rows than asked, at most 1/8 more, and gives
// few distinct LIMIT texts; out-of-range values never reach the SQL.
func TestCountCap(t *testing.T) {
	seen := map[int]bool{}
	for n := 1; n <= maxCountCap; n++ {
		c, ok := countCap(n)
		if !ok || c < n || (n > 64 && c > n+n/8) || c > maxCountCap {
			t.Fatalf("countCap(%d) = %d, %v", n, c, ok)
		}
		seen[c] = true
	}
	if len(seen) > 120 {
		t.Fatalf("%d distinct caps", len(seen))
	}
	for _, n := range []int{0, -1, maxCountCap + 1, math.MaxInt} {
		if _, ok := countCap(n); ok {
			t.Fatalf("countCap(%d) accepted", n)
		}
	}
}

// denseGroup decides exactly as counting every token would, at the
// threshold and around it, with one prefix term or two (pinyin OR
// initials) sharing the budget.
func TestDenseGroupThreshold(t *testing.T) {
	s := openTestStore(t, "sqlite")
	ctx := context.Background()
	for i := 1; i <= 1500; i++ {
		tok := "p:aa" + strconv.Itoa(i)
		if i > 1000 {
			tok = "i:aa" + strconv.Itoa(i)
		}
		mustExec(t, s, "INSERT INTO customer_tokens (token, customer_id) VALUES (?, ?)", tok, i)
	}
	one := search.Group{{Token: "p:aa", Prefix: true}}
	two := search.Group{{Token: "p:aa", Prefix: true}, {Token: "i:aa", Prefix: true}}
	for _, tc := range []struct {
		g     search.Group
		limit int
		want  bool
	}{
		{one, 999, false}, {one, 1000, true}, {one, 1001, false}, {one, 1200, false},
		{two, 1000, true}, {two, 1499, true}, {two, 1500, true}, {two, 1501, false}, {two, 4000, false},
	} {
		if got := s.denseGroup(ctx, tc.g, tc.limit); got != tc.want {
			t.Errorf("%d terms, limit %d: dense=%v, want %v", len(tc.g), tc.limit, got, tc.want)
		}
	}
}
