package sqlstore

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// CalendarNotices returns the admin-entered years of the business calendar.
func (s *Store) CalendarNotices(ctx context.Context) ([]ticket.CalendarNotice, error) {
	var out []ticket.CalendarNotice
	if err := s.r.SelectContext(ctx, &out, s.q.CalendarNotices); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].UpdatedAt = out[i].UpdatedAt.UTC()
	}
	return out, nil
}

// SaveCalendarNotice inserts a year (version 0) or replaces it at version.
func (s *Store) SaveCalendarNotice(ctx context.Context, a guanxi.Actor, n *ticket.CalendarNotice, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		var by any
		if a.UserID != 0 {
			by = a.UserID
		}
		var q string
		var args []any
		if version == 0 {
			q, args = s.q.CalendarNoticeInsert, []any{n.Year, n.Source, n.Text, by, now}
		} else {
			q, args = s.q.CalendarNoticeUpdate, []any{n.Source, n.Text, by, now, n.Year, version}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return wrap(err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			if version == 0 {
				return guanxi.Invalid(guanxi.FieldError{Field: "year", Key: "calendar.duplicate_year", Args: map[string]any{"year": n.Year}})
			}
			return guanxi.Stale(version + 1)
		}
		n.Version, n.UpdatedAt = version+1, now
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionSettings, "calendar_notice", guanxi.ID(n.Year),
			map[string]any{"year": n.Year, "source": n.Source}))
	})
}

// WorkingHours returns the units that have their own working hours.
func (s *Store) WorkingHours(ctx context.Context) ([]ticket.UnitHours, error) {
	var out []ticket.UnitHours
	if err := s.r.SelectContext(ctx, &out, s.q.WorkingHours); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].UpdatedAt = out[i].UpdatedAt.UTC()
	}
	return out, nil
}

// SaveWorkingHours sets a unit's hours: insert at version 0, else update.
func (s *Store) SaveWorkingHours(ctx context.Context, a guanxi.Actor, h *ticket.UnitHours, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		var path string
		if err := tx.GetContext(ctx, &path, s.q.TicketUnitPath, h.OrgUnitID); err != nil {
			return guanxi.Invalid(guanxi.Field("org_unit_id", "staff.unit_unknown"))
		}
		now := s.nowUTC()
		var res interface{ RowsAffected() (int64, error) }
		var err error
		if version == 0 {
			res, err = tx.ExecContext(ctx, s.q.WorkingHoursInsert, h.OrgUnitID, h.Hours, now)
		} else {
			res, err = tx.ExecContext(ctx, s.q.WorkingHoursUpdate, h.Hours, now, h.OrgUnitID, version)
		}
		if err != nil {
			return wrap(err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return guanxi.Stale(version + 1)
		}
		h.Version, h.UpdatedAt, h.Path = version+1, now, path
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionSettings, "working_hours", h.OrgUnitID,
			map[string]any{"hours": h.Hours}))
	})
}
