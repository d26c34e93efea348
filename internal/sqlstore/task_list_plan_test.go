package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// TestTaskAndAppointmentListPlans checks the SQLite plans of the paged
// task and appointment lists with a cursor. The task lists walk their
// index in the list's order (no sort) in every scope. The appointment list
// walks the start-time index in order for the whole organisation; for an
// agent or a manager SQLite starts from the scope's customers and reads
// each one's appointments by start range (the cursor raises the range's
// start), sorting only those: the plan it chose before paging too.
func TestTaskAndAppointmentListPlans(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"), Options{SyncNormal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2030, 1, 7, 1, 0, 0, 0, time.UTC)
	for _, a := range []guanxi.Actor{
		{UserID: 3, Role: guanxi.RoleAgent},
		{UserID: 2, Role: guanxi.RoleManager, OrgPath: "/1/2/"},
		{UserID: 1, Role: guanxi.RoleAdmin},
	} {
		for _, c := range []struct {
			name, q, index string
			args           []any
			sorts          bool // the scope's few rows may be sorted
		}{
			{"task-list-owner", s.q.TaskColumns + "\n" + s.q.TaskListOwner, "tasks_owner_due",
				[]any{3, "open", "2030-01-07", "9999-99-99", "2030-01-07", 42}, false},
			{"task-list-customer", s.q.TaskColumns + "\n" + s.q.TaskListCustomer, "tasks_customer",
				[]any{9, "open", "2030-01-07", "9999-99-99", "2030-01-07", 42}, false},
			{"apt-list", s.q.AptColumns + "\n" + s.q.AptList, "appointments_starts",
				[]any{at, at.AddDate(0, 1, 0), at, 42, 0, 0, 0, 0, "", "", 0, 0, 0, 0, 0, at}, false},
		} {
			if c.name == "apt-list" && a.Role != guanxi.RoleAdmin {
				c.index, c.sorts = "appointments_customer (customer_id=? AND starts_at>? AND starts_at<?)", true
			}
			text, args := s.scoped(withLimit(c.q, 51), a, c.args...)
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
			p := strings.Join(plan, "\n")
			if !strings.Contains(p, c.index) || (!c.sorts && strings.Contains(p, "TEMP B-TREE")) {
				t.Errorf("%s as %s: plan does not use %s as it should:\n%s", c.name, a.Role, c.index, p)
			}
		}
	}
}
