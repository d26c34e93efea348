package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// historyOf keeps the items of a ledger page for the tests that read one.
func historyOf(p consent.EventPage, st consent.State, err error) ([]consent.Event, consent.State, error) {
	return p.Items, st, err
}

// allConsent pages through customer id's ledger limit rows at a time and
// returns the ids in the order read with the number of pages; every row
// must be that customer's.
func allConsent(t *testing.T, svc *consent.Service, a guanxi.Actor, id guanxi.ID, limit int) ([]guanxi.ID, int) {
	t.Helper()
	q := consent.EventQuery{Limit: limit}
	evs, pages := walkPages(t, min(limit, consent.MaxEventLimit), func(cursor string) ([]consent.Event, string, error) {
		q.Cursor = cursor
		p, _, err := svc.History(context.Background(), a, id, q)
		return p.Items, p.NextCursor, err
	})
	out := make([]guanxi.ID, len(evs))
	for i, e := range evs {
		if e.CustomerID != id {
			t.Fatalf("row %d of customer %d", e.ID, e.CustomerID)
		}
		out[i] = e.ID
	}
	return out, pages
}

// TestConsentHistoryPaging: the ledger pages newest first by id: every
// page size returns every row of the customer once, in order, and none of
// another customer's interleaved rows; past the old cap of 1,000 nothing
// is cut off; another branch's agent is refused on every page; a cursor
// that is not one is refused on field cursor.
func TestConsentHistoryPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &consent.Service{Store: s}
		c1 := mkCustomer(t, s, f.AgentA1, "账本客户", "13800138051", "")
		c2 := mkCustomer(t, s, f.AgentA1, "邻居客户", "13800138052", "")
		ins := rebindQ(s, "INSERT INTO consent_events (customer_id, purpose, channel, action, source, at) "+
			"VALUES (?, 'marketing', 'sms', ?, 'consent_page', ?) RETURNING id")
		var mine []guanxi.ID // c1's rows, newest first
		at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		const n = 1003
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n + n/3 {
			c, action := c1.ID, consent.Grant
			if i%4 == 3 {
				c = c2.ID
			}
			if i%2 == 1 {
				action = consent.Withdraw
			}
			var id guanxi.ID
			if err := tx.QueryRowContext(ctx, ins, c, action, at.Add(time.Duration(i)*time.Second)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if c == c1.ID {
				mine = append(mine, id)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(mine)
		for _, limit := range []int{7, 200, len(mine) + 1} {
			got, pages := allConsent(t, svc, f.AgentA1, c1.ID, limit)
			if !slices.Equal(got, mine) {
				t.Fatalf("limit %d: %d rows, want %d (first %v)", limit, len(got), len(mine), got[:min(5, len(got))])
			}
			if want := (len(mine) + min(limit, consent.MaxEventLimit) - 1) / min(limit, consent.MaxEventLimit); pages != want {
				t.Fatalf("limit %d: %d pages, want %d", limit, pages, want)
			}
		}
		// The default page is DefaultEventLimit rows with a cursor to the rest.
		p, st, err := svc.History(ctx, f.AgentA1, c1.ID, consent.EventQuery{})
		if err != nil || len(p.Items) != consent.DefaultEventLimit || p.NextCursor == "" || p.Items[0].ID != mine[0] || len(st) != 0 {
			t.Fatalf("default page: %d rows, next %q, state %v: %v", len(p.Items), p.NextCursor, st, err)
		}
		// Scope: the manager of branch A reads it; agent B neither the first
		// page nor a later one.
		if got, _ := allConsent(t, svc, f.ManagerA, c1.ID, 200); !slices.Equal(got, mine) {
			t.Fatalf("manager A: %d rows, want %d", len(got), len(mine))
		}
		for _, cur := range []string{"", p.NextCursor} {
			if _, _, err := svc.History(ctx, f.AgentB, c1.ID, consent.EventQuery{Cursor: cur}); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Fatalf("agent B, cursor %q: %v", cur, err)
			}
		}
		for _, bad := range []string{"x", "0", "-5", "1.5", "2026-07-01.3"} {
			_, _, err := svc.History(ctx, f.AgentA1, c1.ID, consent.EventQuery{Cursor: bad})
			fe := guanxi.AsError(err).Fields
			if guanxi.KindOf(err) != guanxi.KindInvalid || len(fe) != 1 || fe[0].Field != "cursor" || fe[0].Key != "validation.cursor" {
				t.Fatalf("cursor %q: %v %+v", bad, err, fe)
			}
		}
	})
}
