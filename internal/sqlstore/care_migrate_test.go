package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestCareMigrationKeepsTasks migrates to 13, writes a task linked from an
// interaction, then applies 00014: the task, its link and the indexes
// survive, foreign keys still hold, and care tasks are allowed.
func TestCareMigrationKeepsTasks(t *testing.T) {
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) {
			ctx := context.Background()
			dsn, dialect, dir := filepath.Join(t.TempDir(), "g.db"), goose.DialectSQLite3, "migrations/sqlite"
			if e == "postgres" {
				dsn, dialect, dir = sqltest.PostgresDSN(t), goose.DialectPostgres, "migrations/postgres"
			}
			s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{SyncNormal: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			p, err := goose.NewProvider(dialect, s.DB(), os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 13); err != nil {
				t.Fatal(err)
			}
			seedStaff(t, s)
			exec := func(q string, args ...any) {
				t.Helper()
				if s.Dialect() == sqlstore.Postgres {
					q = sqlstore.RebindDollarForTest(q)
				}
				if _, err := s.DB().ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			now := "2026-07-01 08:00:00"
			exec("INSERT INTO customers (id, number, kind, name, owner_id, created_at, updated_at) VALUES (7, 'C7', 'person', '老客户', 3, ?, ?)", now, now)
			exec("INSERT INTO tasks (id, kind, title, customer_id, owner_id, due_on, status, outcome, version, created_at, updated_at) VALUES (9, 'manual', '回访', 7, 3, '2026-07-02', 'done', '已回访', 4, ?, ?)", now, now)
			exec("INSERT INTO interactions (id, customer_id, channel, occurred_at, summary, task_id, created_at) VALUES (5, 7, 'phone', ?, '电话', 9, ?)", now, now)
			if _, err := p.UpTo(ctx, 14); err != nil {
				t.Fatal(err)
			}
			var title, status, outcome string
			var version int
			if err := s.DB().QueryRowContext(ctx, "SELECT title, status, outcome, version FROM tasks WHERE id = 9").Scan(&title, &status, &outcome, &version); err != nil {
				t.Fatal(err)
			}
			if title != "回访" || status != "done" || outcome != "已回访" || version != 4 {
				t.Fatalf("task after migration: %s %s %s %d", title, status, outcome, version)
			}
			exec("INSERT INTO tasks (kind, title, customer_id, owner_id, due_on, created_at, updated_at) VALUES ('churn', '流失回访', 7, 3, '2026-07-15', ?, ?)", now, now)
			// The foreign keys still hold: a task for a missing customer fails.
			q := "INSERT INTO tasks (kind, title, customer_id, owner_id, due_on, created_at, updated_at) VALUES ('care', 'x', 999, 3, '2026-07-15', ?, ?)"
			if s.Dialect() == sqlstore.Postgres {
				q = sqlstore.RebindDollarForTest(q)
			}
			if _, err := s.DB().ExecContext(ctx, q, now, now); err == nil {
				t.Fatal("foreign key to customers lost")
			}
			q = "INSERT INTO tasks (kind, title, customer_id, owner_id, due_on, created_at, updated_at) VALUES ('bogus', 'x', 7, 3, '2026-07-15', ?, ?)"
			if s.Dialect() == sqlstore.Postgres {
				q = sqlstore.RebindDollarForTest(q)
			}
			if _, err := s.DB().ExecContext(ctx, q, now, now); err == nil {
				t.Fatal("kind check lost")
			}
			if s.Dialect() == sqlstore.SQLite {
				var fk int
				s.DB().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
				if fk != 1 {
					t.Fatal("foreign keys left off")
				}
				rows, err := s.DB().QueryContext(ctx, "PRAGMA foreign_key_check")
				if err != nil {
					t.Fatal(err)
				}
				if rows.Next() {
					t.Fatal("foreign key violations after the rebuild")
				}
				rows.Close()
				var n int
				s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND name IN ('tasks_owner_due','tasks_customer','tasks_due')").Scan(&n)
				if n != 3 {
					t.Fatalf("task indexes %d", n)
				}
				var link int
				s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM pragma_foreign_key_list('interactions') WHERE \"table\" = 'tasks'").Scan(&link)
				if link != 1 {
					t.Fatal("interactions.task_id no longer references tasks")
				}
			}
			// The rest of the migrations still apply on top.
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
