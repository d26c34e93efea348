package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// JobOut is a background job as admins see it.
type JobOut struct {
	ID           guanxi.ID       `json:"id"`
	Kind         string          `json:"kind"`
	Key          string          `json:"key"`
	Payload      json.RawMessage `json:"payload"`
	Status       string          `json:"status" enum:"queued,running,done,failed,dead"`
	Attempts     int             `json:"attempts"`
	MaxAttempts  int             `json:"max_attempts"`
	RunAt        time.Time       `json:"run_at" doc:"When it runs next (failed: its retry time)"`
	LastError    string          `json:"last_error,omitempty"`
	ClaimedBy    string          `json:"claimed_by,omitempty" doc:"host:pid:random of the worker that ran it last"`
	ClaimedUntil *time.Time      `json:"claimed_until,omitempty" doc:"End of the running worker's lease"`
	Schedule     string          `json:"schedule,omitempty"`
	FireTime     *time.Time      `json:"fire_time,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	FinishedAt   *time.Time      `json:"finished_at,omitempty"`
	Version      int64           `json:"version"`
}

// JobScheduleOut is a periodic schedule.
type JobScheduleOut struct {
	Name         string          `json:"name"`
	Cron         string          `json:"cron"`
	TZ           string          `json:"tz" doc:"IANA time zone the cron expression is read in"`
	Kind         string          `json:"kind"`
	Payload      json.RawMessage `json:"payload"`
	Next         *time.Time      `json:"next,omitempty" doc:"Next occurrence, in the schedule's zone"`
	LastFireTime *time.Time      `json:"last_fire_time,omitempty" doc:"Occurrence last enqueued"`
}

func jobOut(r jobs.Row) JobOut {
	p := r.Payload
	if len(p) == 0 {
		p = json.RawMessage("{}")
	}
	return JobOut{ID: r.ID, Kind: r.Kind, Key: r.Key, Payload: p, Status: r.Status, Attempts: r.Attempts,
		MaxAttempts: r.MaxAttempts, RunAt: r.RunAt, LastError: r.LastError, ClaimedBy: r.ClaimedBy,
		ClaimedUntil: r.ClaimedUntil, Schedule: r.ScheduleName, FireTime: r.FireTime, CreatedAt: r.CreatedAt,
		FinishedAt: r.FinishedAt, Version: r.Version}
}

type jobListParams struct {
	Status string `query:"status" enum:"queued,running,done,failed,dead"`
	Kind   string `query:"kind" maxLength:"100"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default 50"`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page"`
}

type jobRetryIn struct {
	ID      guanxi.ID `path:"id" doc:"Job id"`
	IfMatch string    `header:"If-Match"`
}

func (h *Handler) jobRoutes(api humaAPI) {
	js := h.app.Jobs
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/jobs", ID: "list-jobs", Perm: guanxi.PermJobsAdmin},
		"Background jobs, newest first", func(ctx context.Context, a guanxi.Actor, in *jobListParams) (*struct{ Body Page[JobOut] }, error) {
			var cursor guanxi.ID
			if in.Cursor != "" {
				c, err := strconv.ParseInt(in.Cursor, 10, 64)
				if err != nil || c <= 0 {
					return nil, guanxi.Invalid(guanxi.Field("cursor", "validation.cursor"))
				}
				cursor = c
			}
			limit := in.Limit
			if limit <= 0 {
				limit = 50
			}
			list, err := js.List(ctx, a, jobs.ListQuery{Status: in.Status, Kind: in.Kind, Limit: limit, Cursor: cursor})
			if err != nil {
				return nil, err
			}
			out := &struct{ Body Page[JobOut] }{Body: Page[JobOut]{Items: make([]JobOut, 0, len(list))}}
			for _, r := range list {
				out.Body.Items = append(out.Body.Items, jobOut(r))
			}
			if len(list) == limit {
				out.Body.NextCursor = strconv.FormatInt(list[len(list)-1].ID, 10)
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/jobs/{id}/retry", ID: "retry-job", Perm: guanxi.PermJobsAdmin},
		"Put a failed or dead job back in the queue (If-Match required)",
		func(ctx context.Context, a guanxi.Actor, in *jobRetryIn) (*one[JobOut], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			r, err := js.Retry(ctx, a, in.ID, v)
			if err != nil {
				return nil, err
			}
			return &one[JobOut]{ETag: etag(r.Version), Body: jobOut(r)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/job-schedules", ID: "list-job-schedules", Perm: guanxi.PermJobsAdmin},
		"Periodic schedules with their next fire time", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[JobScheduleOut], error) {
			list, err := js.Schedules(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[JobScheduleOut]{Body: []JobScheduleOut{}}
			for _, sc := range list {
				o := JobScheduleOut{Name: sc.Name, Cron: sc.Cron, TZ: sc.TZ, Kind: sc.Kind, Payload: sc.Payload,
					LastFireTime: sc.LastFireTime}
				if len(o.Payload) == 0 {
					o.Payload = json.RawMessage("{}")
				}
				if !sc.Next.IsZero() {
					if loc, err := time.LoadLocation(sc.TZ); err == nil {
						n := sc.Next.In(loc)
						o.Next = &n
					}
				}
				out.Body = append(out.Body, o)
			}
			return out, nil
		})
}
