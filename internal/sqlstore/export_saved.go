package sqlstore

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/bulk"
)

func utcFilter(f *bulk.SavedFilter) {
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
}

// SavedFilters lists the actor's filters and those shared with its unit.
func (s *Store) SavedFilters(ctx context.Context, a guanxi.Actor) ([]bulk.SavedFilter, error) {
	var out []bulk.SavedFilter
	if err := s.r.SelectContext(ctx, &out, s.q.SavedFilterList, a.UserID, a.OrgUnitID); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		utcFilter(&out[i])
	}
	return out, nil
}

// SavedFilter returns one filter the actor owns or shares through its unit.
func (s *Store) SavedFilter(ctx context.Context, a guanxi.Actor, id guanxi.ID) (bulk.SavedFilter, error) {
	var f bulk.SavedFilter
	if err := s.r.GetContext(ctx, &f, s.q.SavedFilterGet, id, a.UserID, a.OrgUnitID); err != nil {
		return f, notFound(err, "error.not_found")
	}
	utcFilter(&f)
	return f, nil
}

func filterDetail(f *bulk.SavedFilter) map[string]any {
	return map[string]any{"name": f.Name, "shared": f.Shared(), "q": f.Q, "filter": f.Filter, "sort": f.Sort}
}

// CreateSavedFilter stores a new filter owned by a.
func (s *Store) CreateSavedFilter(ctx context.Context, a guanxi.Actor, f *bulk.SavedFilter) error {
	now := s.nowUTC()
	f.OwnerID, f.Version, f.CreatedAt, f.UpdatedAt = a.UserID, 1, now, now
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &f.ID, s.q.SavedFilterInsert, f.OwnerID, f.OrgUnitID, f.Name, f.Query, f.Q, f.Filter,
			f.Sort, now, now); err != nil {
			return wrap(err)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "saved_filter", f.ID, filterDetail(f)))
	})
}

// UpdateSavedFilter writes f if it is still at version and a owns it.
func (s *Store) UpdateSavedFilter(ctx context.Context, a guanxi.Actor, f *bulk.SavedFilter, version int64) error {
	now := s.nowUTC()
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.SavedFilterUpdate, f.Name, f.OrgUnitID, f.Query, f.Q, f.Filter, f.Sort, now,
			f.ID, a.UserID, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(version)
		}
		f.Version, f.UpdatedAt = version+1, now
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "saved_filter", f.ID, filterDetail(f)))
	})
}

// DeleteSavedFilter removes a's filter if it is still at version.
func (s *Store) DeleteSavedFilter(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.SavedFilterDelete, id, a.UserID, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(version)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionDelete, "saved_filter", id, nil))
	})
}
