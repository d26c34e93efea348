package sqlstore

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/consent"
)

// ConsentEvents returns one page of customer id's consent ledger, newest
// first by id, with the current state (NotFound when out of a's scope).
// The cursor is the last id shown; nothing counts the ledger.
func (s *Store) ConsentEvents(ctx context.Context, a guanxi.Actor, id guanxi.ID, q consent.EventQuery) (consent.EventPage, consent.State, error) {
	page := consent.EventPage{Items: []consent.Event{}}
	if !a.Can(guanxi.PermCustomerRead) || !s.visible(ctx, s.r, a, id) {
		return page, nil, guanxi.NotFound("error.not_found")
	}
	before, err := idCursor(q.Cursor)
	if err != nil {
		return page, nil, err
	}
	limit := q.Limit
	if limit <= 0 || limit > consent.MaxEventLimit {
		limit = consent.DefaultEventLimit
	}
	if err := s.r.SelectContext(ctx, &page.Items, s.rebind(withLimit(consentEventsSelect, limit+1)), id, before); err != nil {
		return page, nil, wrap(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = strconv.FormatInt(page.Items[limit-1].ID, 10)
	}
	for i := range page.Items {
		page.Items[i].At = page.Items[i].At.UTC()
	}
	st, err := s.consentState(ctx, s.r, id)
	return page, st, err
}
