package sqlstore

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// readStmt returns a prepared statement on the read pool for q, preparing
// it once. Hot reads (a customer by id, scope checks) are built from a few
// fixed fragments, so the cache holds a handful of texts; parsing them on
// every request was the largest cost of GET /customers/{id} on SQLite.
// Only fixed-shape queries go through here, never lists with free filters.
func (s *Store) readStmt(ctx context.Context, q string) (*sqlx.Stmt, error) {
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sqlx.Stmt), nil
	}
	st, err := s.r.PreparexContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sqlx.Stmt), nil
	}
	return st, nil
}

// closeStmts releases the cached statements.
func (s *Store) closeStmts() {
	s.stmts.Range(func(k, v any) bool {
		v.(*sqlx.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}
