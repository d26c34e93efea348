package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/renewal"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// dueOf keeps the items of a due page for the tests that read one page.
func dueOf(p renewal.DuePage, err error) ([]renewal.DueItem, error) { return p.Items, err }

// allDue pages through the due list limit rows at a time and returns
// every row with the number of pages read.
func allDue(t *testing.T, svc *renewal.Service, a guanxi.Actor, q renewal.DueQuery, limit int) ([]renewal.DueItem, int) {
	t.Helper()
	q.Limit = limit
	return walkPages(t, limit, func(cursor string) ([]renewal.DueItem, string, error) {
		q.Cursor = cursor
		p, err := svc.Due(context.Background(), a, q)
		return p.Items, p.NextCursor, err
	})
}

// dueLine is one line per row: period, name and status.
func dueLine(items []renewal.DueItem, names map[guanxi.ID]string) string {
	var b []string
	for _, d := range items {
		b = append(b, d.PeriodDue+" "+names[d.ID]+" "+d.Status())
	}
	return strings.Join(b, ", ")
}

// TestRenewalDuePaging: the due list pages by (due date, holding) across
// its pending and decided halves: every page size returns every row once
// in order, a holding with a decided and a pending period in the window
// shows both, the scope and the filters still apply, and a cursor that is
// not one is refused on field cursor.
func TestRenewalDuePaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := renewalService(s)
		c1 := mkCustomer(t, s, f.AgentA1, "一号网吧", "13800138031", "")
		c2 := mkCustomer(t, s, f.AgentA1, "二号网吧", "13800138032", "")
		cb := mkCustomer(t, s, f.AgentB, "乙方网吧", "13800138033", "")
		names := map[guanxi.ID]string{}
		hold := func(name string, c guanxi.ID, a guanxi.Actor, due string) guanxi.ID {
			h := mkHolding(t, s, a, c, "subscription", due, nil)
			names[h.ID] = name
			return h.ID
		}
		// Three on one day, so the holding id breaks the ties.
		h1 := hold("h1", c1.ID, f.AgentA1, "2026-03-05")
		h2 := hold("h2", c2.ID, f.AgentA1, "2026-03-05")
		hold("h3", c1.ID, f.AgentA1, "2026-03-05")
		h4 := hold("h4", c1.ID, f.AgentA1, "2026-03-10")
		hold("h5", c2.ID, f.AgentA1, "2026-03-10")
		h6 := hold("h6", c1.ID, f.AgentA1, "2026-03-20")
		hold("h7", c2.ID, f.AgentA1, "2026-03-20")
		hold("h8", c1.ID, f.AgentA1, "2026-02-20") // overdue
		hold("hb", cb.ID, f.AgentB, "2026-03-05")
		_ = h1
		// h2 renews into the same month: a decided and a pending period.
		for _, d := range []struct {
			id  guanxi.ID
			rec renewal.Record
		}{
			{h2, renewal.Record{Outcome: renewal.Renewed, NewDueOn: "2026-03-20"}},
			{h4, renewal.Record{Outcome: renewal.Lapsed, ReasonCode: "other"}},
			{h6, renewal.Record{Outcome: renewal.Renewed, NewDueOn: "2027-03-20"}},
		} {
			if err := svc.Record(ctx, f.AgentA1, d.id, &d.rec, 0); err != nil {
				t.Fatal(err)
			}
		}
		march := renewal.DueQuery{From: "2026-03-01", To: "2026-03-31", Overdue: true}
		want := "2026-02-20 h8 pending, 2026-03-05 h1 pending, 2026-03-05 h2 renewed, 2026-03-05 h3 pending, " +
			"2026-03-10 h4 lapsed, 2026-03-10 h5 pending, 2026-03-20 h2 pending, 2026-03-20 h6 renewed, 2026-03-20 h7 pending"
		for _, limit := range []int{1, 2, 3, 4, 8, 9, 10, 200} {
			items, pages := allDue(t, svc, f.AgentA1, march, limit)
			if got := dueLine(items, names); got != want {
				t.Fatalf("limit %d:\n got %s\nwant %s", limit, got, want)
			}
			if wantPages := (9 + limit - 1) / limit; pages != wantPages {
				t.Fatalf("limit %d: %d pages, want %d", limit, pages, wantPages)
			}
		}
		// The filters hold on every page.
		for _, c := range []struct {
			q    renewal.DueQuery
			want string
		}{
			{renewal.DueQuery{From: "2026-03-01", To: "2026-03-31", Status: renewal.Pending},
				"2026-03-05 h1 pending, 2026-03-05 h3 pending, 2026-03-10 h5 pending, 2026-03-20 h2 pending, 2026-03-20 h7 pending"},
			{renewal.DueQuery{From: "2026-03-01", To: "2026-03-31", Status: renewal.Renewed},
				"2026-03-05 h2 renewed, 2026-03-20 h6 renewed"},
			{renewal.DueQuery{From: "2026-03-06", To: "2026-03-31"},
				"2026-03-10 h4 lapsed, 2026-03-10 h5 pending, 2026-03-20 h2 pending, 2026-03-20 h6 renewed, 2026-03-20 h7 pending"},
		} {
			if items, _ := allDue(t, svc, f.AgentA1, c.q, 2); dueLine(items, names) != c.want {
				t.Fatalf("%+v:\n got %s\nwant %s", c.q, dueLine(items, names), c.want)
			}
		}
		// Scope: the other branch's agent pages through only its own; the
		// manager of branch A through A's.
		if items, _ := allDue(t, svc, f.AgentB, march, 1); dueLine(items, names) != "2026-03-05 hb pending" {
			t.Fatalf("agent B: %s", dueLine(items, names))
		}
		if items, _ := allDue(t, svc, f.ManagerA, march, 2); dueLine(items, names) != want {
			t.Fatalf("manager A: %s", dueLine(items, names))
		}
		// A cursor from a page is accepted; anything else is refused.
		first, err := svc.Due(ctx, f.AgentA1, renewal.DueQuery{From: "2026-03-01", To: "2026-03-31", Limit: 2})
		if err != nil || first.NextCursor == "" {
			t.Fatalf("first page: %+v %v", first, err)
		}
		for _, bad := range []string{"x", "2026-03-05", "2026-03-05.", "2026-13-01.5", "2026-03-05.0", "2026-03-05.-2",
			fmt.Sprintf("%d", h1), "2026-03-05.1.2"} {
			_, err := svc.Due(ctx, f.AgentA1, renewal.DueQuery{From: "2026-03-01", To: "2026-03-31", Cursor: bad})
			fe := guanxi.AsError(err).Fields
			if guanxi.KindOf(err) != guanxi.KindInvalid || len(fe) != 1 || fe[0].Field != "cursor" || fe[0].Key != "validation.cursor" {
				t.Fatalf("cursor %q: %v %+v", bad, err, fe)
			}
		}
	})
}
