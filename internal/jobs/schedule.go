package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// ScheduleRow is a stored schedule.
type ScheduleRow struct {
	ID           guanxi.ID       `db:"id" json:"id"`
	Name         string          `db:"name" json:"name"`
	Cron         string          `db:"cron" json:"cron"`
	TZ           string          `db:"tz" json:"tz"`
	Kind         string          `db:"kind" json:"kind"`
	Payload      json.RawMessage `db:"payload" json:"payload"`
	LastFireTime *time.Time      `db:"last_fire_time" json:"last_fire_time,omitempty"`
	CreatedAt    time.Time       `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time       `db:"updated_at" json:"updated_at"`
	Version      int64           `db:"version" json:"version"`
	// Next is the next occurrence in the schedule's zone (zero if the
	// expression no longer parses).
	Next time.Time `db:"-" json:"next,omitempty"`
}

// pruneBatch bounds the done jobs one scheduler tick deletes.
const pruneBatch = 500

// EnsureSchedule creates the schedule, or updates its cron, time zone and
// payload, by name.
func (s *Service) EnsureSchedule(ctx context.Context, sc Schedule) error {
	if sc.TZ == "" {
		sc.TZ = DefaultTZ
	}
	var f guanxi.Fields
	if sc.Name == "" {
		f.Add("name", "validation.required")
	}
	if sc.Kind == "" {
		f.Add("kind", "validation.required")
	}
	if len(sc.Payload) > 0 && !json.Valid(sc.Payload) {
		f.Add("payload", "jobs.error.payload")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if _, err := ParseCron(sc.Cron, sc.TZ); err != nil {
		return err
	}
	return s.Store.SaveSchedule(ctx, sc, s.now())
}

// Tick enqueues each schedule's latest due occurrence and prunes old done
// jobs (the app.Periodic scheduler, every 15 s on every instance; the
// unique (schedule, fire_time) key makes each occurrence one job).
func (s *Service) Tick(ctx context.Context, _ time.Time) error {
	now := s.now()
	list, err := s.Store.ListSchedules(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, sc := range list {
		c, err := ParseCron(sc.Cron, sc.TZ)
		if err != nil {
			s.log().Warn("schedule does not parse", "schedule", sc.Name, "cron", sc.Cron, "tz", sc.TZ)
			continue
		}
		after := sc.CreatedAt
		if sc.LastFireTime != nil {
			after = *sc.LastFireTime
		}
		fire, ok := c.LatestDue(after, now)
		if !ok {
			continue
		}
		if _, err := s.Store.FireSchedule(ctx, sc, fire.UTC(), now); err != nil {
			errs = append(errs, err)
		}
	}
	keep := s.KeepDone
	if keep <= 0 {
		keep = DefaultKeepDone
	}
	if _, err := s.Store.PruneJobs(ctx, now.Add(-keep), pruneBatch); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Schedules lists the schedules with their next fire time (jobs.admin).
func (s *Service) Schedules(ctx context.Context, a guanxi.Actor) ([]ScheduleRow, error) {
	if !a.Can(guanxi.PermJobsAdmin) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	list, err := s.Store.ListSchedules(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for i := range list {
		if c, err := ParseCron(list[i].Cron, list[i].TZ); err == nil {
			list[i].Next = c.Next(now)
		}
	}
	return list, nil
}
