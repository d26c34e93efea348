package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// aptPages pages through q (at page size n) as a and returns every id in
// the order read and the number of pages.
func aptPages(t *testing.T, svc *appointment.Service, a guanxi.Actor, q appointment.ListQuery, n int) ([]guanxi.ID, int) {
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

// TestAppointmentPages: paging returns every appointment in scope once in
// (start, id) order, within the dates asked for; a cursor only positions
// the list, so agent B handed agent A1's cursor sees only B's own rows;
// List and Each read whole windows; a malformed cursor is an invalid
// "cursor" field.
func TestAppointmentPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		f := newAptFixture(t, s, st.Admin, 3)
		ca := mkCustomer(t, s, st.AgentA1, "甲三", "13800138111", "")
		cc := mkCustomer(t, s, st.AgentA1, "甲四", "13800138112", "")
		cb := mkCustomer(t, s, st.AgentB, "乙二", "13800138113", "")
		// Three share 7 January 09:00, so the id orders them across pages.
		var mine []appointment.Appointment
		for _, b := range []struct {
			c         guanxi.ID
			day, hour int
		}{{ca.ID, 8, 9}, {ca.ID, 7, 9}, {cc.ID, 7, 10}, {cc.ID, 7, 9}, {ca.ID, 7, 10}, {ca.ID, 7, 9}} {
			mine = append(mine, f.book(t, st.AgentA1, b.c, f.at(b.day, b.hour)))
		}
		theirs := []appointment.Appointment{f.book(t, st.AgentB, cb.ID, f.at(7, 11)), f.book(t, st.AgentB, cb.ID, f.at(8, 10))}
		order := func(as ...[]appointment.Appointment) []guanxi.ID {
			all := slices.Concat(as...)
			slices.SortFunc(all, func(x, y appointment.Appointment) int {
				if c := x.StartsAt.Compare(y.StartsAt); c != 0 {
					return c
				}
				return int(x.ID - y.ID)
			})
			var ids []guanxi.ID
			for _, x := range all {
				ids = append(ids, x.ID)
			}
			return ids
		}
		for _, n := range []int{1, 2, 4, 6, 200} {
			got, pages := aptPages(t, f.svc, st.AgentA1, appointment.ListQuery{}, n)
			if want := order(mine); !slices.Equal(got, want) || pages != (len(want)+n-1)/n {
				t.Fatalf("A1 at %d a page: %v in %d pages, want %v", n, got, pages, want)
			}
		}
		if got, _ := aptPages(t, f.svc, st.ManagerA, appointment.ListQuery{}, 4); !slices.Equal(got, order(mine)) {
			t.Fatalf("manager A: %v", got)
		}
		if got, _ := aptPages(t, f.svc, st.Admin, appointment.ListQuery{}, 3); !slices.Equal(got, order(mine, theirs)) {
			t.Fatalf("admin: %v", got)
		}
		// The dates still bound later pages.
		got, _ := aptPages(t, f.svc, st.AgentA1, appointment.ListQuery{From: "2030-01-07", To: "2030-01-07"}, 2)
		if want := order(mine)[:5]; !slices.Equal(got, want) {
			t.Fatalf("7 January: %v, want %v", got, want)
		}
		first, err := f.svc.Page(ctx, st.AgentA1, appointment.ListQuery{Limit: 2})
		if err != nil || first.NextCursor == "" {
			t.Fatalf("first page: %+v %v", first, err)
		}
		p, err := f.svc.Page(ctx, st.AgentB, appointment.ListQuery{Cursor: first.NextCursor})
		var seen []guanxi.ID
		for _, x := range p.Items {
			seen = append(seen, x.ID)
		}
		if err != nil || !slices.Equal(seen, order(theirs)) {
			t.Fatalf("agent B with A1's cursor: %v %v", seen, err)
		}
		p, err = f.svc.Page(ctx, st.AgentB, appointment.ListQuery{CustomerID: ca.ID, Cursor: first.NextCursor})
		if err != nil || len(p.Items) != 0 {
			t.Fatalf("agent B lists A1's customer: %+v %v", p, err)
		}
		// List and Each read the whole window, or List the first q.Limit.
		all, err := f.svc.List(ctx, st.AgentA1, appointment.ListQuery{})
		if err != nil || len(all) != len(mine) || all[0].ID != order(mine)[0] {
			t.Fatalf("list: %+v %v", all, err)
		}
		if some, err := f.svc.List(ctx, st.AgentA1, appointment.ListQuery{Limit: 4}); err != nil || len(some) != 4 {
			t.Fatalf("list of 4: %d %v", len(some), err)
		}
		n := 0
		if err := f.svc.Each(ctx, st.Admin, appointment.ListQuery{}, func(ps []appointment.Appointment) error {
			n += len(ps)
			return nil
		}); err != nil || n != len(mine)+len(theirs) {
			t.Fatalf("each: %d %v", n, err)
		}
		for _, bad := range []string{"x", "123", "123.", ".5", "abc.5", "123.0", "123.-1", "123.x", "1.2.3"} {
			_, err := f.svc.Page(ctx, st.AgentA1, appointment.ListQuery{Cursor: bad})
			e := guanxi.AsError(err)
			if e.Kind != guanxi.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "cursor" || e.Fields[0].Key != "validation.cursor" {
				t.Fatalf("cursor %q: %v", bad, err)
			}
		}
	})
}
