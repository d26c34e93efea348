package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// eventsOf keeps the items of an event page for the tests that read one.
func eventsOf(p care.EventPage, err error) ([]care.Event, error) { return p.Items, err }

// allEvents pages through the care events limit rows at a time and
// returns the ids in the order read with the number of pages.
func allEvents(t *testing.T, svc *care.Service, a guanxi.Actor, q care.EventQuery, limit int) ([]guanxi.ID, int) {
	t.Helper()
	q.Limit = limit
	evs, pages := walkPages(t, limit, func(cursor string) ([]care.Event, string, error) {
		q.Cursor = cursor
		p, err := svc.Events(context.Background(), a, q)
		return p.Items, p.NextCursor, err
	})
	out := make([]guanxi.ID, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out, pages
}

// TestCareEventPaging: the event list pages newest first by id: every
// page size returns every row of the scope once, in order; the rule filter
// holds on every page; a cursor that is not one is refused on field cursor.
func TestCareEventPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := careService(s, time.Now())
		r1 := &care.Rule{Name: "生日", Kind: care.KindBirthday, Channel: care.ChannelNone, CreateTask: true}
		saveRule(t, s, f.Admin, r1)
		r2 := &care.Rule{Name: "六个月未来店", Kind: care.KindDormancy, Channel: care.ChannelNone, CreateTask: true}
		saveRule(t, s, f.Admin, r2)
		c1 := mkCustomer(t, s, f.AgentA1, "一号客户", "13800138041", "")
		c2 := mkCustomer(t, s, f.AgentA1, "二号客户", "13800138042", "")
		cb := mkCustomer(t, s, f.AgentB, "乙方客户", "13800138043", "")
		ins := "INSERT INTO care_events (rule_id, customer_id, occurrence, kind, event_on, status, channel, owner_id, created_at) " +
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
		if s.Dialect() == sqlstore.Postgres {
			ins = sqlstore.RebindDollarForTest(ins)
		}
		var mine, mineR1 []guanxi.ID // agent A1's events, newest first
		at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		for i := range 11 {
			rule, c, owner := r1, c1, f.AgentA1.UserID
			switch {
			case i%4 == 1:
				rule = r2
			case i%4 == 2:
				c = c2
			case i%4 == 3:
				c, owner = cb, f.AgentB.UserID
			}
			var id guanxi.ID
			q := ins + " RETURNING id"
			if err := s.DB().QueryRowContext(ctx, q, rule.ID, c.ID, fmt.Sprintf("occ-%d", i), rule.Kind, "2026-07-01",
				care.EventFired, "none", owner, at.Add(time.Duration(i)*time.Minute)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if c.ID != cb.ID {
				mine = append(mine, id)
				if rule.ID == r1.ID {
					mineR1 = append(mineR1, id)
				}
			}
		}
		slices.Reverse(mine)
		slices.Reverse(mineR1)
		for _, limit := range []int{1, 2, 3, len(mine), len(mine) + 1, 200} {
			got, pages := allEvents(t, svc, f.AgentA1, care.EventQuery{}, limit)
			if !slices.Equal(got, mine) {
				t.Fatalf("limit %d: got %v, want %v", limit, got, mine)
			}
			if want := (len(mine) + limit - 1) / limit; pages != want {
				t.Fatalf("limit %d: %d pages, want %d", limit, pages, want)
			}
			if got, _ := allEvents(t, svc, f.AgentA1, care.EventQuery{RuleID: r1.ID}, limit); !slices.Equal(got, mineR1) {
				t.Fatalf("rule filter, limit %d: got %v, want %v", limit, got, mineR1)
			}
		}
		// Scope: agent B pages through its own customer's events only; the
		// manager of branch A through A's.
		if got, _ := allEvents(t, svc, f.AgentB, care.EventQuery{}, 1); len(got) != 11-len(mine) {
			t.Fatalf("agent B: %v", got)
		}
		if got, _ := allEvents(t, svc, f.ManagerA, care.EventQuery{}, 2); !slices.Equal(got, mine) {
			t.Fatalf("manager A: got %v, want %v", got, mine)
		}
		for _, bad := range []string{"x", "0", "-5", "1.5", "2026-07-01.3"} {
			_, err := svc.Events(ctx, f.AgentA1, care.EventQuery{Cursor: bad})
			fe := guanxi.AsError(err).Fields
			if guanxi.KindOf(err) != guanxi.KindInvalid || len(fe) != 1 || fe[0].Field != "cursor" || fe[0].Key != "validation.cursor" {
				t.Fatalf("cursor %q: %v %+v", bad, err, fe)
			}
		}
	})
}
