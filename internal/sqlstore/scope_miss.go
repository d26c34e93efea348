package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
)

// A scoped read finds nothing both for a missing id and for another
// agent's object; the caller gets the same 404 either way. Only on that
// miss, the store asks whether the row exists at all: if it does, the
// miss becomes guanxi.OutOfScope, which the API and web adapters audit as
// an access denial (TESTPLAN E1: a probe of other agents' ids leaves a
// trace). The extra primary-key read runs on the 404 path only.

// Unscoped existence checks of the tables read by id in scope.
const (
	customerExists    = "SELECT 1 FROM customers WHERE id = ?"
	ticketExists      = "SELECT 1 FROM tickets WHERE id = ?"
	taskExists        = "SELECT 1 FROM tasks WHERE id = ?"
	appointmentExists = "SELECT 1 FROM appointments WHERE id = ?"
)

// scopeMiss turns err, the result of a scoped read of row id, into
// OutOfScope when it is a miss and exists (an unscoped existence check)
// finds the row; any other err is returned as notFound would.
func (s *Store) scopeMiss(ctx context.Context, q sqlx.QueryerContext, exists string, id guanxi.ID, err error) error {
	if !errors.Is(err, sql.ErrNoRows) && guanxi.KindOf(err) != guanxi.KindNotFound {
		return wrap(err)
	}
	if q == nil {
		q = s.r
	}
	var one int
	if sqlx.GetContext(ctx, q, &one, s.rebind(exists), id) == nil {
		return guanxi.OutOfScope("error.not_found")
	}
	return guanxi.NotFound("error.not_found")
}
