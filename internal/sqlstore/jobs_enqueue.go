package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// enqueueJobTx queues j in the caller's transaction, so the job exists
// exactly when the change that caused it commits. A job whose (Kind, Key)
// is already queued (or kept, until done jobs are pruned) is left alone and
// reported as not inserted.
func (s *Store) enqueueJobTx(ctx context.Context, tx *sqlx.Tx, j jobs.NewJob) (bool, error) {
	return s.insertJobTx(ctx, tx, j, "", nil)
}

// EnqueueJob queues j on its own (see enqueueJobTx).
func (s *Store) EnqueueJob(ctx context.Context, j jobs.NewJob) (ok bool, err error) {
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		ok, err = s.enqueueJobTx(ctx, tx, j)
		return err
	})
	return ok, err
}

// insertJobTx inserts a job; schedule and fire name a schedule's
// occurrence, unique like a dedupe key.
func (s *Store) insertJobTx(ctx context.Context, tx *sqlx.Tx, j jobs.NewJob, schedule string, fire *time.Time) (bool, error) {
	var f guanxi.Fields
	if j.Kind == "" {
		f.Add("kind", "validation.required")
	}
	if len(j.Payload) > 0 && !json.Valid(j.Payload) {
		f.Add("payload", "jobs.error.payload")
	}
	if err := f.Err(); err != nil {
		return false, err
	}
	payload := "{}"
	if len(j.Payload) > 0 {
		payload = string(j.Payload)
	}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = jobs.DefaultMaxAttempts
	}
	now := s.nowUTC()
	at := now
	if !j.RunAt.IsZero() {
		at = j.RunAt.UTC().Truncate(time.Microsecond)
	}
	res, err := tx.ExecContext(ctx, s.q.JobEnqueue, j.Kind, j.Key, payload, j.MaxAttempts, at, schedule, fire, now, now)
	if err != nil {
		return false, wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err)
}
