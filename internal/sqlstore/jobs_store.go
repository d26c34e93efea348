package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

type jobQueries struct {
	JobEnqueue       string `q:"job-enqueue"`
	JobClaim         string `q:"job-claim"`
	JobExtend        string `q:"job-extend"`
	JobFinish        string `q:"job-finish"`
	JobFail          string `q:"job-fail"`
	JobRelease       string `q:"job-release"`
	JobRetry         string `q:"job-retry"`
	JobVersion       string `q:"job-version"`
	JobColumns       string `q:"job-columns"`
	JobGet           string `q:"job-get"`
	JobList          string `q:"job-list"`
	JobCounts        string `q:"job-counts"`
	JobPrune         string `q:"job-prune"`
	JobScheduleSave  string `q:"job-schedule-save"`
	JobScheduleList  string `q:"job-schedule-list"`
	JobScheduleFired string `q:"job-schedule-fired"`
}

// jobTime is t in UTC at the microsecond both engines keep.
func jobTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// jobScan reads payload as text: database/sql cannot scan a TEXT column
// into json.RawMessage.
type jobScan struct {
	jobs.Job
	PayloadText string `db:"payload_text"`
}

type jobRowScan struct {
	jobs.Row
	PayloadText string `db:"payload_text"`
}

func jobUTC(j *jobs.Job, payload string) {
	j.RunAt = j.RunAt.UTC()
	j.Payload = json.RawMessage(payload)
}

// ClaimJob leases the next due job of one of kinds, or a running one whose
// lease ended (its worker died), to owner until until. The attempt is
// counted at the claim, so a worker killed mid-job still used it.
func (s *Store) ClaimJob(ctx context.Context, kinds []string, owner string, now, until time.Time) (jobs.Job, bool, error) {
	var j jobScan
	k, err := json.Marshal(kinds)
	if err != nil {
		return j.Job, false, wrap(err)
	}
	now = jobTime(now)
	err = s.w.GetContext(ctx, &j, s.q.JobClaim, owner, jobTime(until), now, now, string(k), now, string(k))
	if err == sql.ErrNoRows {
		return j.Job, false, nil
	}
	if err != nil {
		return j.Job, false, wrap(err)
	}
	jobUTC(&j.Job, j.PayloadText)
	return j.Job, true, nil
}

// leaseHeld turns "no row changed" into jobs.ErrLeaseLost.
func leaseHeld(res sql.Result, err error) error {
	if err != nil {
		return wrap(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(err)
	} else if n == 0 {
		return jobs.ErrLeaseLost
	}
	return nil
}

// ExtendJob renews owner's lease on a running job.
func (s *Store) ExtendJob(ctx context.Context, id guanxi.ID, owner string, until time.Time) error {
	return leaseHeld(s.w.ExecContext(ctx, s.q.JobExtend, jobTime(until), id, owner))
}

// FinishJob marks owner's running job done.
func (s *Store) FinishJob(ctx context.Context, id guanxi.ID, owner string, now time.Time) error {
	now = jobTime(now)
	return leaseHeld(s.w.ExecContext(ctx, s.q.JobFinish, now, now, id, owner))
}

// FailJob records a failed attempt: status failed with the retry time, or
// dead, keeping lastError either way.
func (s *Store) FailJob(ctx context.Context, id guanxi.ID, owner, status string, runAt time.Time, lastError string, now time.Time) error {
	now = jobTime(now)
	var finished *time.Time
	if status == jobs.StatusDead {
		finished = &now
	}
	return leaseHeld(s.w.ExecContext(ctx, s.q.JobFail, status, jobTime(runAt), lastError, finished, now, id, owner))
}

// ReleaseJob gives a running job back to the queue without counting the
// attempt (the worker is shutting down).
func (s *Store) ReleaseJob(ctx context.Context, id guanxi.ID, owner string, now time.Time) error {
	now = jobTime(now)
	return leaseHeld(s.w.ExecContext(ctx, s.q.JobRelease, now, now, id, owner))
}

// PruneJobs deletes up to limit done jobs finished before before.
func (s *Store) PruneJobs(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.w.ExecContext(ctx, withLimit(s.q.JobPrune, limit), jobTime(before))
	if err != nil {
		return 0, wrap(err)
	}
	n, err := res.RowsAffected()
	return int(n), wrap(err)
}

func jobRowUTC(sc jobRowScan) jobs.Row {
	r := sc.Row
	jobUTC(&r.Job, sc.PayloadText)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	utcPtr(r.ClaimedUntil)
	utcPtr(r.FireTime)
	utcPtr(r.FinishedAt)
	return r
}

// GetJob reads one job.
func (s *Store) GetJob(ctx context.Context, id guanxi.ID) (jobs.Row, error) {
	var r jobRowScan
	if err := s.r.GetContext(ctx, &r, s.q.JobColumns+"\n"+s.q.JobGet, id); err != nil {
		return r.Row, notFound(err, "error.not_found")
	}
	return jobRowUTC(r), nil
}

// ListJobs pages through jobs newest first, filtered by status and kind.
func (s *Store) ListJobs(ctx context.Context, q jobs.ListQuery) ([]jobs.Row, error) {
	cursor := q.Cursor
	if cursor <= 0 {
		cursor = 1<<63 - 1
	}
	var rows []jobRowScan
	if err := s.r.SelectContext(ctx, &rows, withLimit(s.q.JobColumns+"\n"+s.q.JobList, q.Limit),
		q.Status, q.Status, q.Kind, q.Kind, cursor); err != nil {
		return nil, wrap(err)
	}
	out := make([]jobs.Row, 0, len(rows))
	for _, r := range rows {
		out = append(out, jobRowUTC(r))
	}
	return out, nil
}

// CountJobs counts jobs per status.
func (s *Store) CountJobs(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.r.SelectContext(ctx, &rows, s.q.JobCounts); err != nil {
		return nil, wrap(err)
	}
	m := map[string]int{}
	for _, r := range rows {
		m[r.Status] = r.N
	}
	return m, nil
}

// RetryJob puts a failed or dead job back in the queue at version, with
// its audit row in the same transaction.
func (s *Store) RetryJob(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, now time.Time) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := jobTime(now)
		res, err := tx.ExecContext(ctx, s.q.JobRetry, now, now, id, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.JobVersion, id); err != nil {
			return err
		}
		var kind string
		if err := tx.GetContext(ctx, &kind, s.rebind("SELECT kind FROM jobs WHERE id = ?"), id); err != nil {
			return wrap(err)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionJobRetry, "job", id, map[string]any{"kind": kind}))
	})
}
