package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestCareQueriesUseIndexes checks the SQLite plans of the run's reads:
// birthdays by the month-day index, expiries by (kind, due_on), so a daily
// run does not scan every customer for every rule (their few matches are
// sorted); dormancy walks the customers in id order without sorting.
func TestCareQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"), Options{SyncNormal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	aud := careSub{"/*audience*/", "1=1", nil}
	for _, c := range []struct {
		q, index string
		args     []any
		subs     []careSub
		noSort   bool
	}{
		{s.q.CareCandBirthday, "care_customers_birth_md", []any{"07-15", "07-15", 0, 1, "2026"}, []careSub{aud}, false},
		{s.q.CareCandDue, "care_holdings_due", []any{"2026-07-15", "2026-08-14", 0},
			[]careSub{listSub("/*kinds*/", []any{"subscription", "policy"}), aud}, false},
		{s.q.CareCandAnniversary, "care_holdings_opened_md", []any{"07-15", "07-15", "2026-01-01", 0},
			[]careSub{listSub("/*kinds*/", []any{"vehicle"}), aud}, false},
		// Dormancy walks customers by id (the keyset), never sorting them.
		{s.q.CareCandDormancy, "INTEGER PRIMARY KEY (rowid>?)", []any{"visit", 0, "2026-01-16", "2026-01-16", "visit", "2026-01-16", 1,
			"2026-01-16"}, []careSub{aud}, true},
	} {
		text, args := s.careSQL(withLimit(c.q, 1000), c.args, c.subs...)
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+text, args...)
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
		if !strings.Contains(strings.Join(plan, "\n"), c.index) || (c.noSort && strings.Contains(strings.Join(plan, "\n"), "TEMP B-TREE")) {
			t.Errorf("plan does not use %s:\n%s", c.index, strings.Join(plan, "\n"))
		}
	}
}
