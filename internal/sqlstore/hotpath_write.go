package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Customer writes on SQLite run their fixed statements prepared once on
// the writer connection: the profile of concurrent creates put a third of
// their CPU in SQLite's parser and code generator (sqlite3_prepare of the
// same dozen texts, and of a token INSERT whose length varied with the
// name). PostgreSQL needs none of this: pgx caches prepared statements per
// connection by itself.

// tokenChunks are the fixed sizes of the prepared token INSERTs: a
// customer's ~15–45 tokens go in at most six statements, largest first.
var tokenChunks = [...]int{32, 16, 8, 4, 2, 1}

// tokenChunkTexts[i] is the INSERT of tokenChunks[i] rows (SQLite).
var tokenChunkTexts = func() (t [len(tokenChunks)]string) {
	for i, n := range tokenChunks {
		t[i] = tokenInsertText(n)
	}
	return t
}()

func tokenInsertText(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO customer_tokens (token, customer_id) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?)")
	}
	return b.String()
}

// customerWriteQueries are the statements CreateCustomer and
// UpdateCustomer run inside their transaction.
func (s *Store) customerWriteQueries() []string {
	qs := []string{s.q.TransferTarget, s.q.CustomerDuplicates, s.q.SequenceNext, s.q.SettingValue,
		s.q.CustomerInsert, s.q.CustomerUpdate, s.q.CustomerTagInsert, s.q.CustomerTagsDelete, s.q.CustomerTokensDel,
		// appendAudit's (used once it goes through txGet/txExec).
		s.q.AuditHeadLock, s.q.AuditHeadMove}
	return append(qs, tokenChunkTexts[:]...)
}

// prepareWrites prepares qs on the SQLite writer, once each. It must run
// before the transaction: the writer has one connection, and preparing on
// the pool while a transaction holds it would wait for itself. A failure
// leaves the plain path (txGet, txExec parse the text) in place.
func (s *Store) prepareWrites(ctx context.Context, qs []string) {
	if s.dialect != SQLite {
		return
	}
	for _, q := range qs {
		if _, ok := s.wstmts.Load(q); ok {
			continue
		}
		st, err := s.w.PreparexContext(ctx, q)
		if err != nil {
			continue
		}
		if _, loaded := s.wstmts.LoadOrStore(q, st); loaded {
			st.Close()
		}
	}
}

// txStmt returns q's writer statement bound to tx, or nil if q was not
// prepared.
func (s *Store) txStmt(ctx context.Context, tx *sqlx.Tx, q string) *sqlx.Stmt {
	v, ok := s.wstmts.Load(q)
	if !ok {
		return nil
	}
	return tx.StmtxContext(ctx, v.(*sqlx.Stmt))
}

// txGet is tx.GetContext through the prepared statement when there is one.
func (s *Store) txGet(ctx context.Context, tx *sqlx.Tx, dest any, q string, args ...any) error {
	if st := s.txStmt(ctx, tx, q); st != nil {
		return st.GetContext(ctx, dest, args...)
	}
	return tx.GetContext(ctx, dest, q, args...)
}

// txSelect is tx.SelectContext through the prepared statement when there is one.
func (s *Store) txSelect(ctx context.Context, tx *sqlx.Tx, dest any, q string, args ...any) error {
	if st := s.txStmt(ctx, tx, q); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	return tx.SelectContext(ctx, dest, q, args...)
}

// txExec is tx.ExecContext through the prepared statement when there is one.
func (s *Store) txExec(ctx context.Context, tx *sqlx.Tx, q string, args ...any) (sql.Result, error) {
	if st := s.txStmt(ctx, tx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// insertTokens writes c's search tokens: on SQLite in the prepared chunk
// sizes, on PostgreSQL in one multi-row INSERT per 200 (one round trip).
func (s *Store) insertTokens(ctx context.Context, tx *sqlx.Tx, id int64, toks []string) error {
	toks = s.blindTokens(toks)
	args := make([]any, 0, 2*min(len(toks), 200))
	for len(toks) > 0 {
		var q string
		n := min(len(toks), 200)
		if s.dialect == SQLite {
			for i, c := range tokenChunks {
				if c <= len(toks) {
					n, q = c, tokenChunkTexts[i]
					break
				}
			}
		} else {
			q = s.rebind(tokenInsertText(n))
		}
		args = args[:0]
		for _, t := range toks[:n] {
			args = append(args, t, id)
		}
		if _, err := s.txExec(ctx, tx, q, args...); err != nil {
			return wrap(err)
		}
		toks = toks[n:]
	}
	return nil
}
