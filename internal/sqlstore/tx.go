package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
)

// tx runs fn in one write transaction. On SQLite it goes through the single
// writer connection and begins IMMEDIATE; on PostgreSQL it is READ COMMITTED
// with explicit row locks where a use case needs them.
func (s *Store) tx(ctx context.Context, fn func(*sqlx.Tx) error) (err error) {
	t, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		return guanxi.Internal(fmt.Errorf("begin: %w", err))
	}
	defer func() {
		if p := recover(); p != nil {
			t.Rollback()
			panic(p)
		}
		if err != nil {
			t.Rollback()
			return
		}
		if cerr := t.Commit(); cerr != nil {
			err = guanxi.Internal(fmt.Errorf("commit: %w", cerr))
		}
	}()
	return fn(t)
}

// rebind turns ? placeholders into the dialect's form.
func (s *Store) rebind(q string) string {
	if s.dialect == Postgres {
		return sqlx.Rebind(sqlx.DOLLAR, q)
	}
	return q
}

// notFound maps sql.ErrNoRows to a NotFound error with key; other errors are internal.
func notFound(err error, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return guanxi.NotFound(key)
	}
	return wrap(err)
}

// wrap leaves guanxi errors alone and marks everything else internal.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var ge *guanxi.Error
	if errors.As(err, &ge) {
		return err
	}
	return guanxi.Internal(err)
}
