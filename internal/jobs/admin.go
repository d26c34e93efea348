package jobs

import (
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Row is a job as the admin page and the API show it.
type Row struct {
	Job
	Status       string     `db:"status" json:"status"`
	LastError    string     `db:"last_error" json:"last_error"`
	ClaimedBy    string     `db:"claimed_by" json:"claimed_by"`
	ClaimedUntil *time.Time `db:"claimed_until" json:"claimed_until,omitempty"`
	ScheduleName string     `db:"schedule_name" json:"schedule,omitempty"`
	FireTime     *time.Time `db:"fire_time" json:"fire_time,omitempty"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time  `db:"updated_at" json:"updated_at"`
	FinishedAt   *time.Time `db:"finished_at" json:"finished_at,omitempty"`
	Version      int64      `db:"version" json:"version"`
}

// Retryable reports whether an admin may put the job back in the queue.
func (r Row) Retryable() bool { return r.Status == StatusFailed || r.Status == StatusDead }

// ListQuery filters the job list; Cursor is the last id of the previous
// page (newest first).
type ListQuery struct {
	Status string
	Kind   string
	Limit  int
	Cursor guanxi.ID
}

func admin(a guanxi.Actor) error {
	if !a.Can(guanxi.PermJobsAdmin) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

// List pages through the jobs, newest first (jobs.admin).
func (s *Service) List(ctx context.Context, a guanxi.Actor, q ListQuery) ([]Row, error) {
	if err := admin(a); err != nil {
		return nil, err
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		return nil, guanxi.Invalid(guanxi.Field("status", "validation.enum"))
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	return s.Store.ListJobs(ctx, q)
}

// Counts is the number of jobs per status (every status present).
func (s *Service) Counts(ctx context.Context, a guanxi.Actor) (map[string]int, error) {
	if err := admin(a); err != nil {
		return nil, err
	}
	m, err := s.Store.CountJobs(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range Statuses {
		m[st] += 0
	}
	return m, nil
}

// Get is one job (jobs.admin).
func (s *Service) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Row, error) {
	if err := admin(a); err != nil {
		return Row{}, err
	}
	return s.Store.GetJob(ctx, id)
}

// Retry puts a failed or dead job back in the queue now with its attempts
// reset, at version (audited). Any other status is a conflict.
func (s *Service) Retry(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) (Row, error) {
	if err := admin(a); err != nil {
		return Row{}, err
	}
	r, err := s.Store.GetJob(ctx, id)
	if err != nil {
		return Row{}, err
	}
	if !r.Retryable() {
		return Row{}, guanxi.Conflict("jobs.error.not_retryable", nil)
	}
	if err := s.Store.RetryJob(ctx, a, id, version, s.now()); err != nil {
		return Row{}, err
	}
	return s.Store.GetJob(ctx, id)
}
