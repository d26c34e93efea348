package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkLimitLiteral runs one list query, an owner's open tasks (the
// today page's list: the task columns with the customers and users joins),
// with the page limit bound as `LIMIT ?` and written as a literal, each
// parsed per run (as most list queries are) and prepared once. SQLite
// compiles a statement with a bound LIMIT again on every run, prepared or
// not; the literal variant includes withLimit's cost. Read cpu-ns/op on a
// shared machine:
//
//	go test ./internal/sqlstore -run '^$' -bench LimitLiteral -benchmem -count 5
func BenchmarkLimitLiteral(b *testing.B) {
	s := createStore(b)
	ctx := context.Background()
	seedLimitBench(b, s, 5000)
	const limit = 20
	base := s.q.TaskColumns + "\n" + s.q.TaskListOwner
	bound, boundArgs := s.scoped(strings.Replace(base, limitMark, "?", 1), benchAdmin, 1, "open", "0000-00-00", "9999-99-99", limit)
	lit, litArgs := s.scoped(base, benchAdmin, 1, "open", "0000-00-00", "9999-99-99")
	run := func(b *testing.B, query func() (int, error)) {
		b.ReportAllocs()
		start := processCPU()
		for b.Loop() {
			n, err := query()
			if err != nil || n != limit {
				b.Fatalf("%d rows, %v", n, err)
			}
		}
		b.ReportMetric(float64((processCPU()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	count := func(rows interface {
		Next() bool
		Close() error
		Err() error
	}) (int, error) {
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		return n, rows.Err()
	}
	b.Run("bound", func(b *testing.B) {
		run(b, func() (int, error) {
			rows, err := s.r.QueryContext(ctx, bound, boundArgs...)
			if err != nil {
				return 0, err
			}
			return count(rows)
		})
	})
	b.Run("literal", func(b *testing.B) {
		run(b, func() (int, error) {
			rows, err := s.r.QueryContext(ctx, withLimit(lit, limit), litArgs...)
			if err != nil {
				return 0, err
			}
			return count(rows)
		})
	})
	b.Run("bound-prepared", func(b *testing.B) {
		st, err := s.r.PrepareContext(ctx, bound)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		run(b, func() (int, error) {
			rows, err := st.QueryContext(ctx, boundArgs...)
			if err != nil {
				return 0, err
			}
			return count(rows)
		})
	})
	b.Run("literal-prepared", func(b *testing.B) {
		st, err := s.r.PrepareContext(ctx, withLimit(lit, limit))
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		run(b, func() (int, error) {
			rows, err := st.QueryContext(ctx, litArgs...)
			if err != nil {
				return 0, err
			}
			return count(rows)
		})
	})
}

// seedLimitBench gives the admin of createStore n customers with an open
// task each, due over the next 60 days.
func seedLimitBench(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	insC, err := tx.PrepareContext(ctx, `INSERT INTO customers (id, number, kind, name, owner_id, created_at, updated_at) VALUES (?, ?, 'person', ?, 1, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	insT, err := tx.PrepareContext(ctx, `INSERT INTO tasks (kind, title, customer_id, owner_id, due_on, status, version, created_at, updated_at) VALUES ('manual', 'x', ?, 1, ?, 'open', 1, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		id := strconv.Itoa(i)
		if _, err := insC.ExecContext(ctx, i, "L"+id, "客户"+id, now, now); err != nil {
			b.Fatal(err)
		}
		if _, err := insT.ExecContext(ctx, i, now.AddDate(0, 0, i%60).Format(time.DateOnly), now, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
}
