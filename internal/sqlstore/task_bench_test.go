package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// seedOwnerTasks gives agent_a1 n customers with a task each, spread over
// the 60 days around today (a third done), plus as many for agent_a2.
func seedOwnerTasks(tb testing.TB, s *sqlstore.Store, n int) {
	tb.Helper()
	ctx := context.Background()
	db := s.DB()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UTC()
	rebind := func(q string) string {
		if s.Dialect() != sqlstore.Postgres {
			return q
		}
		out, k := []byte{}, 0
		for i := 0; i < len(q); i++ {
			if q[i] == '?' {
				k++
				out = append(out, '$')
				out = append(out, []byte(itoa(int64(k)))...)
				continue
			}
			out = append(out, q[i])
		}
		return string(out)
	}
	insC, _ := tx.PrepareContext(ctx, rebind(`INSERT INTO customers (id, number, kind, name, owner_id, created_at, updated_at) VALUES (?, ?, 'person', ?, ?, ?, ?)`))
	insT, _ := tx.PrepareContext(ctx, rebind(`INSERT INTO tasks (kind, title, customer_id, owner_id, due_on, status, version, created_at, updated_at) VALUES ('manual', 'x', ?, ?, ?, ?, 1, ?, ?)`))
	exec := func(st *sql.Stmt, args ...any) {
		if _, err := st.ExecContext(ctx, args...); err != nil {
			tb.Fatal(err)
		}
	}
	for i := 1; i <= 2*n; i++ {
		owner := int64(3 + i%2)
		exec(insC, int64(i), "B"+itoa(int64(i)), "客户"+itoa(int64(i)), owner, now, now)
		status := "open"
		if i%3 == 0 {
			status = "done"
		}
		exec(insT, int64(i), owner, task.AddDays(now.Format(time.DateOnly), i%60-30), status, now, now)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkTodayPage is the today page of an agent owning 5,000 customers.
func BenchmarkTodayPage(b *testing.B) {
	for _, e := range sqltest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			s := e.Open(b)
			f := seedStaff(b, s)
			seedOwnerTasks(b, s, 5000)
			svc := taskService(s)
			ctx := context.Background()
			for b.Loop() {
				d, err := svc.Day(ctx, f.AgentA1)
				if err != nil || len(d.Due) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTeamToday is a manager's today page over two agents' tasks.
func BenchmarkTeamToday(b *testing.B) {
	s := sqltest.SQLite(b)
	f := seedStaff(b, s)
	seedOwnerTasks(b, s, 5000)
	svc := taskService(s)
	ctx := context.Background()
	for b.Loop() {
		if d, err := svc.Day(ctx, f.ManagerA); err != nil || len(d.Team) != 2 {
			b.Fatal(err, len(d.Team))
		}
	}
}
