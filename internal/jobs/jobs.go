// Package jobs is the background job queue and the periodic schedules that
// live in the database (ARCHITECTURE §4): jobs are enqueued in the
// transaction of the change that causes them, claimed with a lease so
// several guanxi processes never run one twice, retried with backoff and
// kept with their error when dead. Schedules are cron expressions with a
// time zone. It does no I/O; the Service declares the Store it needs.
package jobs

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Job is one unit of background work of a registered kind.
type Job struct {
	ID       guanxi.ID       `db:"id" json:"id"`
	Kind     string          `db:"kind" json:"kind"`
	Key      string          `db:"dedupe_key" json:"key"`
	Payload  json.RawMessage `db:"payload" json:"payload"`
	Attempts int             `db:"attempts" json:"attempts"`
	RunAt    time.Time       `db:"run_at" json:"run_at"`
}

// NewJob is a job to enqueue. A non-empty Key makes the enqueue idempotent
// per (Kind, Key).
type NewJob struct {
	Kind        string
	Key         string
	Payload     json.RawMessage
	RunAt       time.Time // zero: now
	MaxAttempts int       // zero: the default
}

// Handler runs one job; an error schedules a retry with backoff.
type Handler func(ctx context.Context, j Job) error

// Schedule enqueues a job of Kind at each time the cron expression Cron
// matches in the time zone TZ (an IANA name, e.g. Asia/Shanghai).
type Schedule struct {
	Name    string
	Cron    string
	TZ      string
	Kind    string
	Payload json.RawMessage
}

// Service runs the queue.
type Service struct {
	Store    Store
	Now      func() time.Time
	Log      *slog.Logger
	handlers map[string]Handler
}

// Store is what the service needs from storage.
type Store interface{}

// Handle registers the handler of a job kind; call it before serving.
func (s *Service) Handle(kind string, h Handler) {
	if s.handlers == nil {
		s.handlers = map[string]Handler{}
	}
	s.handlers[kind] = h
}

// EnsureSchedule creates the schedule, or updates its cron, time zone and
// payload, by name.
func (s *Service) EnsureSchedule(ctx context.Context, sc Schedule) error {
	return nil
}
