package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/bulk"
)

type exportQueries struct {
	exportChildQueries
	ExportInsert      string `q:"export-insert"`
	ExportGet         string `q:"export-get"`
	ExportList        string `q:"export-list"`
	ExportByID        string `q:"export-by-id"`
	ExportOwner       string `q:"export-owner"`
	ExportPurgeOld    string `q:"export-purge-old-chunks"`
	ExportNext        string `q:"export-next"`
	ExportClaim       string `q:"export-claim"`
	ExportGiveUp      string `q:"export-give-up"`
	ExportChunksDrop  string `q:"export-chunks-drop"`
	ExportLease       string `q:"export-lease"`
	ExportChunkInsert string `q:"export-chunk-insert"`
	ExportChunk       string `q:"export-chunk"`
	ExportFinish      string `q:"export-finish"`
	ExportFail        string `q:"export-fail"`
	ExportPurgeChunks string `q:"export-purge-chunks"`
	ExportPurgeRows   string `q:"export-purge-rows"`
	SavedFilterList   string `q:"saved-filter-list"`
	SavedFilterGet    string `q:"saved-filter-get"`
	SavedFilterInsert string `q:"saved-filter-insert"`
	SavedFilterUpdate string `q:"saved-filter-update"`
	SavedFilterDelete string `q:"saved-filter-delete"`
}

// seesAllExports: admins see and download every export; others their own.
func seesAllExports(a guanxi.Actor) int {
	if a.System || a.Role == guanxi.RoleAdmin {
		return 1
	}
	return 0
}

func utcJob(j *bulk.ExportJob) {
	j.CreatedAt = j.CreatedAt.UTC()
	for _, t := range []*time.Time{j.LeaseUntil, j.StartedAt, j.FinishedAt, j.ExpiresAt} {
		utcPtr(t)
	}
}

// CreateExport queues a job owned by a.
func (s *Store) CreateExport(ctx context.Context, a guanxi.Actor, j *bulk.ExportJob) error {
	j.UserID, j.Status, j.Version = a.UserID, bulk.ExportQueued, 1
	j.CreatedAt = s.nowUTC()
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		return wrap(tx.GetContext(ctx, &j.ID, s.q.ExportInsert, j.UserID, j.Kind, string(j.Format), j.Params, j.FileName, j.CreatedAt))
	})
}

// GetExport returns a job its owner (or an admin) may see.
func (s *Store) GetExport(ctx context.Context, a guanxi.Actor, id guanxi.ID) (bulk.ExportJob, error) {
	var j bulk.ExportJob
	err := s.r.GetContext(ctx, &j, s.q.ExportGet, id, a.UserID, seesAllExports(a))
	if err != nil {
		return j, notFound(err, "error.not_found")
	}
	utcJob(&j)
	return j, nil
}

// ListExports returns the latest jobs the actor may see.
func (s *Store) ListExports(ctx context.Context, a guanxi.Actor, limit int) ([]bulk.ExportJob, error) {
	var out []bulk.ExportJob
	err := s.r.SelectContext(ctx, &out, withLimit(s.q.ExportList, limit),
		a.UserID, seesAllExports(a))
	if err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		utcJob(&out[i])
	}
	return out, nil
}

// ClaimExport leases the next job: queued, or running with a lease that ran
// out (its instance died; the partial file is dropped and it starts over).
// A job that has used its attempts fails instead.
func (s *Store) ClaimExport(ctx context.Context, now, leaseUntil time.Time, maxAttempts int) (bulk.ExportJob, bool, error) {
	for {
		var id guanxi.ID
		var claimed, gaveUp bool
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			var next struct {
				ID      guanxi.ID `db:"id"`
				Attempt int       `db:"attempt"`
			}
			if err := tx.GetContext(ctx, &next, s.q.ExportNext, now.UTC()); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return nil
				}
				return wrap(err)
			}
			id = next.ID
			if _, err := tx.ExecContext(ctx, s.q.ExportChunksDrop, id); err != nil {
				return wrap(err)
			}
			if next.Attempt >= maxAttempts {
				gaveUp = true
				_, err := tx.ExecContext(ctx, s.q.ExportGiveUp, now.UTC(), id, next.Attempt)
				return wrap(err)
			}
			res, err := tx.ExecContext(ctx, s.q.ExportClaim, leaseUntil.UTC(), now.UTC(), id, next.Attempt)
			if err != nil {
				return wrap(err)
			}
			n, _ := res.RowsAffected()
			claimed = n == 1
			return nil
		})
		if err != nil {
			return bulk.ExportJob{}, false, err
		}
		if id == 0 {
			return bulk.ExportJob{}, false, nil
		}
		if gaveUp || !claimed {
			continue
		}
		var j bulk.ExportJob
		if err := s.w.GetContext(ctx, &j, s.q.ExportByID, id); err != nil {
			return j, false, wrap(err)
		}
		utcJob(&j)
		return j, true, nil
	}
}

// leaseHeld extends the lease of the job's current attempt; another
// instance holding it now is a Conflict.
func (s *Store) leaseHeld(ctx context.Context, tx *sqlx.Tx, id guanxi.ID, attempt int, rows int64, leaseUntil time.Time) error {
	res, err := tx.ExecContext(ctx, s.q.ExportLease, leaseUntil.UTC(), rows, id, attempt)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return guanxi.Conflict("export.lease_lost", nil)
	}
	return nil
}

// AppendExportChunk stores piece seq of the file with the progress so far.
func (s *Store) AppendExportChunk(ctx context.Context, id guanxi.ID, attempt, seq int, data []byte, rows int64, leaseUntil time.Time) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := s.leaseHeld(ctx, tx, id, attempt, rows, leaseUntil); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q.ExportChunkInsert, id, seq, s.keys.SealBytes(data, colExportChunk))
		return wrap(err)
	})
}

// FinishExport marks the job done, tells its owner and appends the audit
// entries in one transaction.
func (s *Store) FinishExport(ctx context.Context, j bulk.ExportJob, entries []audit.Entry) error {
	now := s.nowUTC()
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.ExportFinish, j.Rows, j.Size, now, j.ExpiresAt.UTC(), j.ID, j.Attempt)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Conflict("export.lease_lost", nil)
		}
		args, _ := json.Marshal(map[string]any{"id": j.ID, "file": j.FileName, "rows": j.Rows})
		if _, err := tx.ExecContext(ctx, s.q.NotificationInsert, j.UserID, "export_done", nil, string(args),
			"export:"+strconv.FormatInt(j.ID, 10), now); err != nil {
			return wrap(err)
		}
		return s.appendAudit(ctx, tx, entries...)
	})
}

// FailExport marks the job failed with a message key, drops its partial
// file and tells its owner.
func (s *Store) FailExport(ctx context.Context, id guanxi.ID, attempt int, key string) error {
	now := s.nowUTC()
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.ExportFail, key, now, id, attempt)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil // another instance has it now
		}
		if _, err := tx.ExecContext(ctx, s.q.ExportChunksDrop, id); err != nil {
			return wrap(err)
		}
		var user guanxi.ID
		if err := tx.GetContext(ctx, &user, s.q.ExportOwner, id); err != nil {
			return wrap(err)
		}
		args, _ := json.Marshal(map[string]any{"id": id})
		_, err = tx.ExecContext(ctx, s.q.NotificationInsert, user, "export_failed", nil, string(args), "export-failed:"+strconv.FormatInt(id, 10), now)
		return wrap(err)
	})
}

// ExportChunks streams a job's file, one chunk in memory at a time.
func (s *Store) ExportChunks(ctx context.Context, id guanxi.ID, fn func([]byte) error) error {
	for seq := 1; ; seq++ {
		var data []byte
		err := s.r.GetContext(ctx, &data, s.q.ExportChunk, id, seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return wrap(err)
		}
		if data, err = s.keys.OpenBytes(data, colExportChunk); err != nil {
			return guanxi.Internal(err)
		}
		if err := fn(data); err != nil {
			return err
		}
	}
}

// PurgeExports drops expired files and old job rows.
func (s *Store) PurgeExports(ctx context.Context, now, dropBefore time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.ExportPurgeChunks, now.UTC())
		if err != nil {
			return wrap(err)
		}
		n, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, s.q.ExportPurgeOld, dropBefore.UTC()); err != nil {
			return wrap(err)
		}
		_, err = tx.ExecContext(ctx, s.q.ExportPurgeRows, dropBefore.UTC())
		return wrap(err)
	})
	return int(n), err
}
