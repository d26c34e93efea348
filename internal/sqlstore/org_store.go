package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

type orgQueries struct {
	UnitByID        string `q:"unit-by-id"`
	UnitsAll        string `q:"units-all"`
	UnitCount       string `q:"unit-count"`
	UnitInsert      string `q:"unit-insert"`
	UnitSetPath     string `q:"unit-set-path"`
	UnitUpdate      string `q:"unit-update"`
	UnitMoveSubtree string `q:"unit-move-subtree"`
	UnitVersion     string `q:"unit-version"`
	UnitMoveLock    string `q:"unit-move-lock"`
}

func utcPtr(t *time.Time) {
	if t != nil {
		*t = t.UTC()
	}
}

func unitUTC(u *staff.OrgUnit) {
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
}

// Unit returns one org unit.
func (s *Store) Unit(ctx context.Context, id guanxi.ID) (staff.OrgUnit, error) {
	var u staff.OrgUnit
	if err := s.r.GetContext(ctx, &u, s.q.UnitByID, id); err != nil {
		return u, notFound(err, "error.not_found")
	}
	unitUTC(&u)
	return u, nil
}

// Units returns the whole tree ordered by path (parents before children).
func (s *Store) Units(ctx context.Context) ([]staff.OrgUnit, error) {
	var us []staff.OrgUnit
	if err := s.r.SelectContext(ctx, &us, s.q.UnitsAll); err != nil {
		return nil, wrap(err)
	}
	for i := range us {
		unitUTC(&us[i])
	}
	return us, nil
}

// insertUnit adds u under its parent (or as the root) inside tx.
func (s *Store) insertUnit(ctx context.Context, tx *sqlx.Tx, u *staff.OrgUnit) error {
	now := s.nowUTC()
	parentPath := "/"
	if u.ParentID != nil {
		var parent staff.OrgUnit
		if err := tx.GetContext(ctx, &parent, s.q.UnitByID, *u.ParentID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return guanxi.Invalid(guanxi.Field("parent_id", "staff.unit_unknown"))
			}
			return wrap(err)
		}
		parentPath = parent.Path
	}
	if err := tx.GetContext(ctx, &u.ID, s.q.UnitInsert, u.ParentID, u.Name, u.Kind, now, now); err != nil {
		return wrap(err)
	}
	u.Path = staff.UnitPath(parentPath, u.ID)
	if _, err := tx.ExecContext(ctx, s.q.UnitSetPath, u.Path, u.ID); err != nil {
		return wrap(err)
	}
	u.Version, u.CreatedAt, u.UpdatedAt = 1, now, now
	return nil
}

// InsertUnit stores u under its parent, sets its path and audits.
func (s *Store) InsertUnit(ctx context.Context, u *staff.OrgUnit, entry audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := s.insertUnit(ctx, tx, u); err != nil {
			return err
		}
		entry.ObjectID = &u.ID
		return s.appendAudit(ctx, tx, entry)
	})
}

// UpdateUnitRow writes u at version. When its parent changed, the move is
// refused if the new parent lies in u's own subtree, and every descendant's
// path is rewritten in the same transaction.
func (s *Store) UpdateUnitRow(ctx context.Context, u *staff.OrgUnit, version int64, entry audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.UnitMoveLock); err != nil {
			return wrap(err)
		}
		var cur staff.OrgUnit
		if err := tx.GetContext(ctx, &cur, s.q.UnitByID, u.ID); err != nil {
			return notFound(err, "error.not_found")
		}
		if cur.Version != version {
			return guanxi.Stale(cur.Version)
		}
		newPath := cur.Path
		moved := (cur.ParentID == nil) != (u.ParentID == nil) ||
			(cur.ParentID != nil && u.ParentID != nil && *cur.ParentID != *u.ParentID)
		if moved {
			if u.ParentID == nil {
				return guanxi.Invalid(guanxi.Field("parent_id", "validation.required"))
			}
			var parent staff.OrgUnit
			if err := tx.GetContext(ctx, &parent, s.q.UnitByID, *u.ParentID); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return guanxi.Invalid(guanxi.Field("parent_id", "staff.unit_unknown"))
				}
				return wrap(err)
			}
			if !staff.CanMoveUnder(cur.Path, parent.Path) {
				return guanxi.Invalid(guanxi.Field("parent_id", "staff.unit_cycle"))
			}
			newPath = staff.UnitPath(parent.Path, u.ID)
		}
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.UnitUpdate, u.ParentID, u.Name, u.Kind, newPath, now, u.ID, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.UnitVersion, u.ID); err != nil {
			return err
		}
		if moved {
			if _, err := tx.ExecContext(ctx, s.q.UnitMoveSubtree, newPath, len(cur.Path)+1, now, cur.Path+"%", u.ID); err != nil {
				return wrap(err)
			}
		}
		u.Path, u.Version, u.UpdatedAt = newPath, version+1, now
		return s.appendAudit(ctx, tx, entry)
	})
}
