package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// TestListPagePlans checks the SQLite plans of list pages: a keyset page,
// with or without a stage filter, seeks an index in the page's order and
// never sorts or scans the table (it reads what it returns, plus one row).
func TestListPagePlans(t *testing.T) {
	s := createStore(t)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		q     customer.ListQuery
		where string
		args  []any
		index string
	}{
		{"newest", customer.ListQuery{}, "c.id < ?", []any{50000}, "INTEGER PRIMARY KEY"},
		{"stage", customer.ListQuery{Filter: stageLost}, "c.stage = ? AND c.id < ?", []any{"lost", 50000}, "customers_stage"},
	} {
		pred := "c.deleted_at IS NULL AND 1=1 AND "
		if c.q.Filter != nil {
			if fp, _, err := s.filterSQL(c.q.Filter, "c"); err != nil || fp != "c.stage = ?" {
				t.Fatalf("stage filter compiles to %q (%v)", fp, err)
			}
		}
		q := s.hotCustomerColumns() + " WHERE " + pred + c.where + " ORDER BY c.id DESC LIMIT 21"
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, nu int
			var detail string
			if err := rows.Scan(&id, &parent, &nu, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "\n")
		if !strings.Contains(p, "SEARCH c USING "+c.index) && !strings.Contains(p, "SEARCH c USING INDEX "+c.index) || strings.Contains(p, "TEMP B-TREE") || strings.Contains(p, "SCAN c") {
			t.Errorf("%s: plan\n%s", c.name, p)
		}
	}
}
