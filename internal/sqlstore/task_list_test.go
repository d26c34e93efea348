package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// taskPages pages through q (at page size n) as a and returns every id in
// the order read and the number of pages.
func taskPages(t *testing.T, svc *task.Service, a guanxi.Actor, q task.ListQuery, n int) ([]guanxi.ID, int) {
	t.Helper()
	var ids []guanxi.ID
	q.Limit = n
	for pages := 1; ; pages++ {
		p, err := svc.Page(context.Background(), a, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > n {
			t.Fatalf("page of %d rows at limit %d", len(p.Items), n)
		}
		for _, x := range p.Items {
			ids = append(ids, x.ID)
		}
		if p.NextCursor == "" {
			return ids, pages
		}
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		q.Cursor = p.NextCursor
	}
}

// TestTaskPages: paging an owner's and a customer's tasks returns every
// row once in (due day, id) order; a cursor only positions a list, so an
// agent's cursor shows another agent none of its rows; a malformed cursor
// is an invalid "cursor" field.
func TestTaskPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := taskService(s)
		c1 := mkCustomer(t, s, f.AgentA1, "甲一", "13800138101", "")
		c2 := mkCustomer(t, s, f.AgentA1, "甲二", "13800138102", "")
		cb := mkCustomer(t, s, f.AgentB, "乙一", "13800138103", "")
		// Several tasks share a day, so the id breaks ties across pages.
		days := []string{"2030-02-03", "2030-02-01", "2030-02-02", "2030-02-01", "2030-02-03", "2030-02-01", "2030-02-02"}
		var mine, ofC1 []task.Task
		for i, d := range days {
			c := c1
			if i%2 == 1 {
				c = c2
			}
			x := task.Task{Title: "回访", CustomerID: c.ID, DueOn: d}
			if err := svc.Create(ctx, f.AgentA1, &x); err != nil {
				t.Fatal(err)
			}
			mine = append(mine, x)
			if c == c1 {
				ofC1 = append(ofC1, x)
			}
		}
		var theirs []guanxi.ID
		for _, d := range []string{"2030-02-01", "2030-02-02", "2030-02-04"} {
			x := task.Task{Title: "回访", CustomerID: cb.ID, DueOn: d}
			if err := svc.Create(ctx, f.AgentB, &x); err != nil {
				t.Fatal(err)
			}
			theirs = append(theirs, x.ID)
		}
		order := func(ts []task.Task) []guanxi.ID {
			ts = slices.Clone(ts)
			slices.SortFunc(ts, func(a, b task.Task) int {
				if a.DueOn != b.DueOn {
					if a.DueOn < b.DueOn {
						return -1
					}
					return 1
				}
				return int(a.ID - b.ID)
			})
			var ids []guanxi.ID
			for _, x := range ts {
				ids = append(ids, x.ID)
			}
			return ids
		}
		for _, n := range []int{1, 2, 3, 7, 50} {
			got, pages := taskPages(t, svc, f.AgentA1, task.ListQuery{}, n)
			if want := order(mine); !slices.Equal(got, want) {
				t.Fatalf("owner list at %d a page: %v, want %v", n, got, want)
			}
			if want := (len(mine) + n - 1) / n; pages != want {
				t.Fatalf("owner list at %d a page: %d pages", n, pages)
			}
			got, _ = taskPages(t, svc, f.AgentA1, task.ListQuery{CustomerID: c1.ID}, n)
			if want := order(ofC1); !slices.Equal(got, want) {
				t.Fatalf("customer list at %d a page: %v, want %v", n, got, want)
			}
		}
		// The due range still holds on later pages.
		got, _ := taskPages(t, svc, f.AgentA1, task.ListQuery{DueFrom: "2030-02-02", DueTo: "2030-02-02"}, 1)
		if len(got) != 2 {
			t.Fatalf("one day: %v", got)
		}
		// A manager of branch A pages through A1's tasks; agent B, handed
		// A1's cursor, sees only its own rows after that position.
		got, _ = taskPages(t, svc, f.ManagerA, task.ListQuery{OwnerID: f.AgentA1.UserID}, 2)
		if !slices.Equal(got, order(mine)) {
			t.Fatalf("manager: %v", got)
		}
		first, err := svc.Page(ctx, f.AgentA1, task.ListQuery{Limit: 2})
		if err != nil || first.NextCursor == "" {
			t.Fatalf("first page: %+v %v", first, err)
		}
		for _, q := range []task.ListQuery{
			{OwnerID: f.AgentA1.UserID, Cursor: first.NextCursor, Limit: 200},
			{CustomerID: c1.ID, Cursor: first.NextCursor, Limit: 200},
		} {
			p, err := svc.Page(ctx, f.AgentB, q)
			if q.CustomerID != 0 {
				if guanxi.KindOf(err) != guanxi.KindNotFound {
					t.Fatalf("agent B reads A1's customer's tasks: %+v %v", p, err)
				}
				continue
			}
			if err != nil || len(p.Items) != 0 {
				t.Fatalf("agent B with A1's cursor: %+v %v", p, err)
			}
		}
		p, err := svc.Page(ctx, f.AgentB, task.ListQuery{Cursor: first.NextCursor, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var seen []guanxi.ID
		for _, x := range p.Items {
			if x.OwnerID != f.AgentB.UserID || x.CustomerID != cb.ID {
				t.Fatalf("agent B sees %+v", x)
			}
			seen = append(seen, x.ID)
		}
		// A1's first page ends among A1's tasks of 2030-02-01, made before
		// all of B's: every one of B's tasks comes after the cursor.
		if !slices.Equal(seen, theirs) {
			t.Fatalf("agent B after the cursor: %v of %v", seen, theirs)
		}
		for _, bad := range []string{"x", "2030-02-01", "2030-02-01.", "2030-13-01.5", "2030-02-01.0", "2030-02-01.-3",
			"2030-02-01.abc", ".5", "2030-2-1.5"} {
			_, err := svc.Page(ctx, f.AgentA1, task.ListQuery{Cursor: bad})
			e := guanxi.AsError(err)
			if e.Kind != guanxi.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "cursor" || e.Fields[0].Key != "validation.cursor" {
				t.Fatalf("cursor %q: %v", bad, err)
			}
		}
	})
}
