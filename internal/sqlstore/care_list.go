package sqlstore

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/care"
)

// ListCareEvents returns one page of the events among the customers in
// a's scope, newest first. The cursor is the last id shown; nothing counts
// the table.
func (s *Store) ListCareEvents(ctx context.Context, a guanxi.Actor, q care.EventQuery) (care.EventPage, error) {
	page := care.EventPage{Items: []care.Event{}}
	before, err := idCursor(q.Cursor)
	if err != nil {
		return page, err
	}
	limit := q.Limit
	if limit <= 0 || limit > care.MaxEventLimit {
		limit = care.DefaultEventLimit
	}
	text, args := s.careSQL(withLimit(s.q.CareEventList, limit+1), []any{q.RuleID, q.RuleID, q.CustomerID, q.CustomerID,
		q.Status, q.Status, before}, scopeSub(a))
	if err := s.r.SelectContext(ctx, &page.Items, text, args...); err != nil {
		return page, wrap(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = strconv.FormatInt(page.Items[limit-1].ID, 10)
	}
	for i := range page.Items {
		page.Items[i].CreatedAt = page.Items[i].CreatedAt.UTC()
	}
	return page, nil
}
