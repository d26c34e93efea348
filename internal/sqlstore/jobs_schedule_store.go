package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// SaveSchedule creates a schedule or updates it by name; an unchanged
// schedule is left alone (every instance calls this at start).
func (s *Store) SaveSchedule(ctx context.Context, sc jobs.Schedule, now time.Time) error {
	payload := "{}"
	if len(sc.Payload) > 0 {
		payload = string(sc.Payload)
	}
	now = jobTime(now)
	_, err := s.w.ExecContext(ctx, s.q.JobScheduleSave, sc.Name, sc.Cron, sc.TZ, sc.Kind, payload, now, now)
	return wrap(err)
}

// ListSchedules reads every schedule by name.
func (s *Store) ListSchedules(ctx context.Context) ([]jobs.ScheduleRow, error) {
	var rows []struct {
		jobs.ScheduleRow
		PayloadText string `db:"payload_text"`
	}
	if err := s.r.SelectContext(ctx, &rows, s.q.JobScheduleList); err != nil {
		return nil, wrap(err)
	}
	out := make([]jobs.ScheduleRow, 0, len(rows))
	for _, x := range rows {
		r := x.ScheduleRow
		r.Payload = json.RawMessage(x.PayloadText)
		r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		utcPtr(r.LastFireTime)
		out = append(out, r)
	}
	return out, nil
}

// FireSchedule enqueues sc's occurrence at fire and moves its last fire
// time forward, in one transaction. The unique (schedule_name, fire_time)
// index makes a second instance's insert of the same occurrence a no-op.
func (s *Store) FireSchedule(ctx context.Context, sc jobs.ScheduleRow, fire, now time.Time) (ok bool, err error) {
	fire = jobTime(fire)
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		ok, err = s.insertJobTx(ctx, tx, jobs.NewJob{Kind: sc.Kind, Key: sc.Name + "@" + fire.Format(time.RFC3339),
			Payload: sc.Payload, RunAt: fire}, sc.Name, &fire)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q.JobScheduleFired, fire, sc.ID, fire)
		return wrap(err)
	})
	return ok, err
}
