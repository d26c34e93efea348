package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
)

type idemQueries struct {
	IdemInsert string `q:"idem-insert"`
	IdemGet    string `q:"idem-get"`
	IdemFinish string `q:"idem-finish"`
	IdemAbort  string `q:"idem-abort"`
	IdemExpire string `q:"idem-expire"`
}

type idemRow struct {
	UserID      guanxi.ID  `db:"user_id"`
	Key         string     `db:"key"`
	Method      string     `db:"method"`
	Path        string     `db:"path"`
	BodyHash    string     `db:"body_hash"`
	Status      int        `db:"status"`
	Headers     string     `db:"headers"`
	Body        []byte     `db:"body"`
	CreatedAt   time.Time  `db:"created_at"`
	CompletedAt *time.Time `db:"completed_at"`
}

// BeginIdem claims (user, key) for a new request, or returns the record of
// the request that claimed it first.
func (s *Store) BeginIdem(ctx context.Context, rec app.IdemRecord) (app.IdemRecord, bool, error) {
	var out app.IdemRecord
	created := false
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.IdemInsert, rec.UserID, rec.Key, rec.Method, rec.Path, rec.BodyHash, s.nowUTC())
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			created = true
			out = rec
			return nil
		}
		var row idemRow
		if err := tx.GetContext(ctx, &row, s.q.IdemGet, rec.UserID, rec.Key); err != nil {
			return wrap(err)
		}
		out = app.IdemRecord{UserID: row.UserID, Key: row.Key, Method: row.Method, Path: row.Path,
			BodyHash: row.BodyHash, Status: row.Status, Body: row.Body, CreatedAt: row.CreatedAt, CompletedAt: row.CompletedAt}
		_ = json.Unmarshal([]byte(row.Headers), &out.Headers)
		return nil
	})
	return out, created, err
}

// FinishIdem stores the response of an in-flight request.
func (s *Store) FinishIdem(ctx context.Context, userID guanxi.ID, key string, status int, headers map[string]string, body []byte) error {
	h, _ := json.Marshal(headers)
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, s.q.IdemFinish, status, string(h), body, s.nowUTC(), userID, key)
		return wrap(err)
	})
}

// AbortIdem forgets an in-flight request that ended without a response to keep.
func (s *Store) AbortIdem(ctx context.Context, userID guanxi.ID, key string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, s.q.IdemAbort, userID, key)
		return wrap(err)
	})
}

// ExpireIdem deletes records older than age.
func (s *Store) ExpireIdem(ctx context.Context, age time.Duration) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.IdemExpire, s.nowUTC().Add(-age))
		if err != nil {
			return wrap(err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
