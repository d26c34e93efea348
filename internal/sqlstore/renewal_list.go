package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/renewal"
)

// ListRenewalDue returns one page of the pending and the decided periods
// of the window, merged in (due date, holding id) order: each list reads
// one row past the page after the cursor, so the merge knows whether a
// next page exists without counting anything.
func (s *Store) ListRenewalDue(ctx context.Context, a guanxi.Actor, q renewal.DueQuery) (renewal.DuePage, error) {
	page := renewal.DuePage{Items: []renewal.DueItem{}}
	afterDue, afterID, err := dayCursor(q.Cursor)
	if err != nil {
		return page, err
	}
	limit := q.Limit
	if limit <= 0 || limit > renewal.MaxLimit {
		limit = renewal.DefaultLimit
	}
	// The window's start rises to the cursor's date: the index on the due
	// date then starts where the page does.
	from := func(f string) string { return max(f, afterDue) }
	out := []renewal.DueItem{}
	if q.Status == "" || q.Status == renewal.Pending {
		start := q.From
		if q.Overdue {
			start = "0000-01-01"
		}
		text, args := s.scoped(withLimit(s.q.RenewalDuePending, limit+1), a, from(start), q.To, q.Kind, q.Kind,
			q.OwnerID, q.OwnerID, afterDue, afterID)
		if err := s.r.SelectContext(ctx, &out, text, args...); err != nil {
			return page, wrap(err)
		}
	}
	if q.Status != renewal.Pending {
		outcome := q.Status
		var decided []renewal.DueItem
		text, args := s.scoped(withLimit(s.q.RenewalDueDecided, limit+1), a, from(q.From), q.To, outcome, outcome,
			q.Kind, q.Kind, q.OwnerID, q.OwnerID, afterDue, afterID)
		if err := s.r.SelectContext(ctx, &decided, text, args...); err != nil {
			return page, wrap(err)
		}
		out = append(out, decided...)
	}
	slices.SortFunc(out, func(x, y renewal.DueItem) int {
		return cmp.Or(strings.Compare(x.PeriodDue, y.PeriodDue), cmp.Compare(x.ID, y.ID))
	})
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		page.NextCursor = last.PeriodDue + "." + strconv.FormatInt(last.ID, 10)
	}
	for i := range out {
		decodeRenewalHolding(&out[i].Holding)
	}
	page.Items = out
	return page, nil
}
