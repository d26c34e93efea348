package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// erasuresOf keeps the items of an erasure page for the tests that read one.
func erasuresOf(p privacy.ErasurePage, err error) ([]privacy.Erasure, error) { return p.Items, err }

// allErasures pages through the erasure records limit rows at a time and
// returns the ids in the order read with the number of pages.
func allErasures(t *testing.T, svc *privacy.Service, a guanxi.Actor, limit int) ([]guanxi.ID, int) {
	t.Helper()
	q := privacy.ErasureQuery{Limit: limit}
	es, pages := walkPages(t, min(limit, privacy.MaxErasureLimit), func(cursor string) ([]privacy.Erasure, string, error) {
		q.Cursor = cursor
		p, err := svc.Erasures(context.Background(), a, q)
		return p.Items, p.NextCursor, err
	})
	out := make([]guanxi.ID, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out, pages
}

// TestErasurePaging: the erasure records page newest first by id: every
// page size returns every record once, in order, past the old cap of 500;
// only privacy.admin reads them, on any page; a cursor that is not one is
// refused on field cursor.
func TestErasurePaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &privacy.Service{Store: s}
		ins := rebindQ(s, "INSERT INTO erasures (pseudonym, at, by_name, reason, rows_json) VALUES (?, ?, 'admin', ?, '{}') RETURNING id")
		var want []guanxi.ID
		at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
		const n = 503
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			var id guanxi.ID
			if err := tx.QueryRowContext(ctx, ins, fmt.Sprintf("%s-%08X", privacy.PseudonymPrefix, i), at.Add(time.Duration(i)*time.Second),
				privacy.Reasons[i%len(privacy.Reasons)]).Scan(&id); err != nil {
				t.Fatal(err)
			}
			want = append(want, id)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(want)
		for _, limit := range []int{2, 9, 200, n + 1} {
			got, pages := allErasures(t, svc, f.Admin, limit)
			if !slices.Equal(got, want) {
				t.Fatalf("limit %d: %d rows, want %d", limit, len(got), len(want))
			}
			if size := min(limit, privacy.MaxErasureLimit); pages != (n+size-1)/size {
				t.Fatalf("limit %d: %d pages", limit, pages)
			}
		}
		p, err := svc.Erasures(ctx, f.Admin, privacy.ErasureQuery{})
		if err != nil || len(p.Items) != privacy.DefaultErasureLimit || p.NextCursor == "" || p.Items[0].At.Location() != time.UTC {
			t.Fatalf("default page: %d rows, next %q: %v", len(p.Items), p.NextCursor, err)
		}
		// The store holds the permission itself, on later pages too.
		for _, a := range []guanxi.Actor{f.ManagerA, f.AgentA1, f.Auditor} {
			if _, err := s.ListErasures(ctx, a, privacy.ErasureQuery{Cursor: p.NextCursor}); guanxi.KindOf(err) != guanxi.KindForbidden {
				t.Fatalf("%s: %v", a.Username, err)
			}
		}
		for _, bad := range []string{"x", "0", "-5", "1.5", "2026-07-01.3"} {
			_, err := svc.Erasures(ctx, f.Admin, privacy.ErasureQuery{Cursor: bad})
			fe := guanxi.AsError(err).Fields
			if guanxi.KindOf(err) != guanxi.KindInvalid || len(fe) != 1 || fe[0].Field != "cursor" || fe[0].Key != "validation.cursor" {
				t.Fatalf("cursor %q: %v %+v", bad, err, fe)
			}
		}
	})
}
