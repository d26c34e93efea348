package sqlstore

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/privacy"
)

// ListErasures returns one page of the pseudonymous erasure records,
// newest first by id (privacy.admin; the records name no customer, so no
// scope applies). The cursor is the last id shown; nothing counts the
// table.
func (s *Store) ListErasures(ctx context.Context, a guanxi.Actor, q privacy.ErasureQuery) (privacy.ErasurePage, error) {
	page := privacy.ErasurePage{Items: []privacy.Erasure{}}
	if err := canPrivacy(a); err != nil {
		return page, err
	}
	before, err := idCursor(q.Cursor)
	if err != nil {
		return page, err
	}
	limit := q.Limit
	if limit <= 0 || limit > privacy.MaxErasureLimit {
		limit = privacy.DefaultErasureLimit
	}
	if err := s.r.SelectContext(ctx, &page.Items, s.rebind(withLimit(erasureList, limit+1)), before); err != nil {
		return page, wrap(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = strconv.FormatInt(page.Items[limit-1].ID, 10)
	}
	for i := range page.Items {
		page.Items[i].At = page.Items[i].At.UTC()
	}
	return page, nil
}
