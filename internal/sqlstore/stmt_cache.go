package sqlstore

import (
	"context"
	"sync"

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

// maxBounded bounds the statements boundedStmt prepares: list texts
// follow the shape of user-written filters.
const maxBounded = 128

// boundedStmt is readStmt for list texts when ok: it prepares at most
// maxBounded distinct ones, then returns nil (the caller parses the text
// per request, as before). Parsing the 35-column list query was ~40 % of a
// filtered page's store CPU.
func (s *Store) boundedStmt(ctx context.Context, q string, ok bool) *sqlx.Stmt {
	if !ok {
		return nil
	}
	if v, found := s.stmts.Load(q); found {
		return v.(*sqlx.Stmt)
	}
	if s.bounded.Add(1) > maxBounded {
		s.bounded.Add(-1)
		return nil
	}
	st, err := s.readStmt(ctx, q)
	if err != nil {
		s.bounded.Add(-1)
		return nil
	}
	return st
}

// closeStmts releases the cached statements.
func (s *Store) closeStmts() {
	for _, m := range []*sync.Map{&s.stmts, &s.wstmts} {
		m.Range(func(k, v any) bool {
			v.(*sqlx.Stmt).Close()
			m.Delete(k)
			return true
		})
	}
}
