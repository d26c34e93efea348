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
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Job is one unit of background work of a registered kind.
type Job struct {
	ID          guanxi.ID       `db:"id" json:"id"`
	Kind        string          `db:"kind" json:"kind"`
	Key         string          `db:"dedupe_key" json:"key"`
	Payload     json.RawMessage `db:"payload" json:"payload"`
	Attempts    int             `db:"attempts" json:"attempts"` // including the current run
	MaxAttempts int             `db:"max_attempts" json:"max_attempts"`
	RunAt       time.Time       `db:"run_at" json:"run_at"`
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

// Handler runs one job; an error schedules a retry with backoff. The
// context ends when the process shuts down or the job's lease is lost.
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

// Job statuses. A failed job waits for its retry at run_at; a dead one ran
// out of attempts and keeps its last error until an admin retries it.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
	StatusDead    = "dead"
)

// Statuses lists the statuses in the order the admin page shows them.
var Statuses = []string{StatusQueued, StatusRunning, StatusFailed, StatusDead, StatusDone}

// Defaults of the Service's zero values.
const (
	DefaultMaxAttempts = 8
	DefaultLease       = 5 * time.Minute
	DefaultBackoffBase = 10 * time.Second
	DefaultBackoffCap  = time.Hour
	DefaultKeepDone    = 7 * 24 * time.Hour
	DefaultTZ          = "Asia/Shanghai"
)

// ErrLeaseLost means another worker holds the job now (our lease ended).
var ErrLeaseLost = errors.New("jobs: lease lost")

// Service runs the queue.
type Service struct {
	Store Store
	Now   func() time.Time
	Log   *slog.Logger

	// Owner names this process in claimed_by (host:pid:random); see NewOwner.
	Owner string
	// Lease is how long a claim lasts without a heartbeat; the worker
	// extends it every Lease/3 while the handler runs.
	Lease time.Duration
	// BackoffBase and BackoffCap bound the retry delay (exponential, with jitter).
	BackoffBase, BackoffCap time.Duration
	// KeepDone is how long done jobs stay before the scheduler prunes them.
	KeepDone time.Duration

	mu       sync.RWMutex
	handlers map[string]Handler
}

// Store is what the service needs from storage.
type Store interface {
	EnqueueJob(ctx context.Context, j NewJob) (bool, error)
	// ClaimJob leases the next due job of one of kinds (or one whose lease
	// ended) to owner until until, counting the attempt.
	ClaimJob(ctx context.Context, kinds []string, owner string, now, until time.Time) (Job, bool, error)
	ExtendJob(ctx context.Context, id guanxi.ID, owner string, until time.Time) error
	FinishJob(ctx context.Context, id guanxi.ID, owner string, now time.Time) error
	FailJob(ctx context.Context, id guanxi.ID, owner string, status string, runAt time.Time, lastError string, now time.Time) error
	ReleaseJob(ctx context.Context, id guanxi.ID, owner string, now time.Time) error
	PruneJobs(ctx context.Context, before time.Time, limit int) (int, error)

	GetJob(ctx context.Context, id guanxi.ID) (Row, error)
	ListJobs(ctx context.Context, q ListQuery) ([]Row, error)
	CountJobs(ctx context.Context) (map[string]int, error)
	RetryJob(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, now time.Time) error

	SaveSchedule(ctx context.Context, sc Schedule, now time.Time) error
	ListSchedules(ctx context.Context) ([]ScheduleRow, error)
	// FireSchedule enqueues the occurrence at fire of sc (once, whoever
	// calls) and records it as the schedule's last fire time.
	FireSchedule(ctx context.Context, sc ScheduleRow, fire, now time.Time) (bool, error)
}

// Handle registers the handler of a job kind. Handlers are looked up when a
// job runs, so a kind may be registered after the worker started.
func (s *Service) Handle(kind string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handlers == nil {
		s.handlers = map[string]Handler{}
	}
	s.handlers[kind] = h
}

func (s *Service) handler(kind string) Handler {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.handlers[kind]
}

// Kinds lists the registered job kinds, sorted.
func (s *Service) Kinds() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.handlers))
	for k := range s.handlers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Enqueue adds a job outside any other change (a module that enqueues as
// part of its own change uses its store's transaction instead).
func (s *Service) Enqueue(ctx context.Context, j NewJob) (bool, error) {
	if j.RunAt.IsZero() {
		j.RunAt = s.now() // the service's clock, which tests set
	}
	return s.Store.EnqueueJob(ctx, j)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}
