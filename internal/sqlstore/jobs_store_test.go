package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// jobClock is a settable clock for job tests.
type jobClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *jobClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *jobClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func jobService(s *sqlstore.Store, now func() time.Time) *jobs.Service {
	return &jobs.Service{Store: s, Now: now, Log: quietLog(), Owner: jobs.NewOwner()}
}

func getJob(t *testing.T, s *sqlstore.Store, id guanxi.ID) jobs.Row {
	t.Helper()
	r, err := s.GetJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// jobIDByKey finds the job of kind with key through the admin list.
func jobIDByKey(t *testing.T, s *sqlstore.Store, kind, key string) guanxi.ID {
	t.Helper()
	list, err := s.ListJobs(context.Background(), jobs.ListQuery{Kind: kind, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.Key == key {
			return r.ID
		}
	}
	t.Fatalf("no %s job with key %q", kind, key)
	return 0
}

func TestJobsDedupeKey(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		for i, c := range []struct {
			j    jobs.NewJob
			want bool
		}{
			{jobs.NewJob{Kind: "mail", Key: "k1"}, true},
			{jobs.NewJob{Kind: "mail", Key: "k1", Payload: json.RawMessage(`{"x":1}`)}, false},
			{jobs.NewJob{Kind: "sms", Key: "k1"}, true},
			{jobs.NewJob{Kind: "mail"}, true}, // no key: never deduplicated
			{jobs.NewJob{Kind: "mail"}, true},
		} {
			got, err := s.EnqueueJob(ctx, c.j)
			if err != nil || got != c.want {
				t.Fatalf("case %d: inserted %v, %v; want %v", i, got, err, c.want)
			}
		}
		n, err := s.CountJobs(ctx)
		if err != nil || n[jobs.StatusQueued] != 4 {
			t.Fatalf("counts %v %v, want 4 queued", n, err)
		}
		if _, err := s.EnqueueJob(ctx, jobs.NewJob{Kind: ""}); err == nil {
			t.Fatal("a job without kind was accepted")
		}
		if _, err := s.EnqueueJob(ctx, jobs.NewJob{Kind: "x", Payload: json.RawMessage(`{bad`)}); err == nil {
			t.Fatal("a job with invalid JSON was accepted")
		}
	})
}

func TestJobsBackoffThenDead(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		clock := &jobClock{t: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
		svc := jobService(s, clock.Now)
		svc.BackoffBase, svc.BackoffCap = time.Minute, 10*time.Minute
		calls := 0
		svc.Handle("flaky", func(ctx context.Context, j jobs.Job) error {
			calls++
			if string(j.Payload) != `{"n":1}` {
				t.Errorf("payload %s", j.Payload)
			}
			return fmt.Errorf("upstream down (%d)", j.Attempts)
		})
		if _, err := svc.Enqueue(ctx, jobs.NewJob{Kind: "flaky", Key: "a", Payload: json.RawMessage(`{"n":1}`), MaxAttempts: 4}); err != nil {
			t.Fatal(err)
		}
		id := jobIDByKey(t, s, "flaky", "a")
		var prevDelay time.Duration
		for attempt := 1; attempt <= 3; attempt++ {
			if err := svc.Work(ctx, clock.Now()); err != nil {
				t.Fatal(err)
			}
			r := getJob(t, s, id)
			if r.Status != jobs.StatusFailed || r.Attempts != attempt || r.LastError != fmt.Sprintf("upstream down (%d)", attempt) {
				t.Fatalf("after attempt %d: %+v", attempt, r)
			}
			full := min(time.Minute<<(attempt-1), 10*time.Minute)
			delay := r.RunAt.Sub(clock.Now())
			if delay < full/2 || delay > full {
				t.Fatalf("attempt %d: retry in %v, want within [%v, %v]", attempt, delay, full/2, full)
			}
			if attempt == 3 && delay <= prevDelay/2 {
				t.Fatalf("backoff did not grow: %v after %v", delay, prevDelay)
			}
			prevDelay = delay
			// Not due yet: nothing runs.
			if err := svc.Work(ctx, clock.Now()); err != nil || calls != attempt {
				t.Fatalf("ran before its retry time: calls %d, %v", calls, err)
			}
			clock.Set(r.RunAt)
		}
		if err := svc.Work(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		r := getJob(t, s, id)
		if r.Status != jobs.StatusDead || r.Attempts != 4 || r.LastError != "upstream down (4)" || r.FinishedAt == nil {
			t.Fatalf("after the last attempt: %+v", r)
		}
		clock.Set(clock.Now().Add(24 * time.Hour))
		if err := svc.Work(ctx, clock.Now()); err != nil || calls != 4 {
			t.Fatalf("a dead job ran again: calls %d, %v", calls, err)
		}
	})
}

func TestJobsRetryDeadJob(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := jobService(s, time.Now)
		fail := true
		runs := 0
		svc.Handle("once", func(context.Context, jobs.Job) error {
			runs++
			if fail {
				return errors.New("boom")
			}
			return nil
		})
		if _, err := svc.Enqueue(ctx, jobs.NewJob{Kind: "once", Key: "r", MaxAttempts: 1}); err != nil {
			t.Fatal(err)
		}
		id := jobIDByKey(t, s, "once", "r")
		if _, err := svc.Retry(ctx, f.Admin, id, 2); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("retry of a queued job: %v, want conflict", err)
		}
		if err := svc.Work(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		r := getJob(t, s, id)
		if r.Status != jobs.StatusDead || r.LastError != "boom" {
			t.Fatalf("%+v", r)
		}
		if _, err := svc.Retry(ctx, f.AgentA1, id, r.Version); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent retry: %v, want forbidden", err)
		}
		if _, err := svc.Retry(ctx, f.Admin, id, r.Version-1); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale retry: %v, want stale", err)
		}
		got, err := svc.Retry(ctx, f.Admin, id, r.Version)
		if err != nil || got.Status != jobs.StatusQueued || got.Attempts != 0 || got.Version != r.Version+1 {
			t.Fatalf("retry: %+v %v", got, err)
		}
		fail = false
		if err := svc.Work(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if r := getJob(t, s, id); r.Status != jobs.StatusDone || runs != 2 || r.LastError != "" {
			t.Fatalf("after retry: %+v runs %d", r, runs)
		}
		entries, err := s.ListAudit(ctx, audit.Filter{Action: audit.ActionJobRetry, Limit: 10})
		if err != nil || len(entries) != 1 || entries[0].ObjectID == nil || *entries[0].ObjectID != id {
			t.Fatalf("audit rows %+v %v", entries, err)
		}
	})
}

func TestJobsUnregisteredKindStaysQueued(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc := jobService(s, time.Now)
		svc.Handle("known", func(context.Context, jobs.Job) error { return nil })
		for _, k := range []string{"unknown", "known"} {
			if _, err := svc.Enqueue(ctx, jobs.NewJob{Kind: k, Key: "1"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.Work(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if r := getJob(t, s, jobIDByKey(t, s, "unknown", "1")); r.Status != jobs.StatusQueued || r.Attempts != 0 {
			t.Fatalf("unknown kind: %+v", r)
		}
		if r := getJob(t, s, jobIDByKey(t, s, "known", "1")); r.Status != jobs.StatusDone {
			t.Fatalf("known kind: %+v", r)
		}
		// A handler registered later is found at run time.
		svc.Handle("unknown", func(context.Context, jobs.Job) error { return nil })
		if err := svc.Work(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if r := getJob(t, s, jobIDByKey(t, s, "unknown", "1")); r.Status != jobs.StatusDone || r.Attempts != 1 {
			t.Fatalf("late handler: %+v", r)
		}
	})
}

// On shutdown the running job goes back to the queue without using an attempt.
func TestJobsShutdownReleasesJob(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		svc := jobService(s, time.Now)
		started := make(chan struct{})
		svc.Handle("slow", func(ctx context.Context, j jobs.Job) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		if _, err := svc.Enqueue(ctx, jobs.NewJob{Kind: "slow", Key: "s"}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error)
		go func() { done <- svc.Work(ctx, time.Now()) }()
		<-started
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		r := getJob(t, s, jobIDByKey(t, s, "slow", "s"))
		if r.Status != jobs.StatusQueued || r.Attempts != 0 || r.ClaimedBy != "" || r.ClaimedUntil != nil {
			t.Fatalf("released job: %+v", r)
		}
	})
}

func TestJobsListFiltersAndPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := jobService(s, time.Now)
		for i := range 5 {
			kind := "a"
			if i%2 == 1 {
				kind = "b"
			}
			if _, err := svc.Enqueue(ctx, jobs.NewJob{Kind: kind, Key: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		page1, err := svc.List(ctx, f.Admin, jobs.ListQuery{Kind: "a", Status: jobs.StatusQueued, Limit: 2})
		if err != nil || len(page1) != 2 || page1[0].Key != "4" || page1[1].Key != "2" {
			t.Fatalf("page 1: %+v %v", page1, err)
		}
		page2, err := svc.List(ctx, f.Admin, jobs.ListQuery{Kind: "a", Limit: 2, Cursor: page1[1].ID})
		if err != nil || len(page2) != 1 || page2[0].Key != "0" {
			t.Fatalf("page 2: %+v %v", page2, err)
		}
		if l, err := svc.List(ctx, f.Admin, jobs.ListQuery{Status: jobs.StatusDead}); err != nil || len(l) != 0 {
			t.Fatalf("dead: %+v %v", l, err)
		}
		if _, err := svc.List(ctx, f.Admin, jobs.ListQuery{Status: "nope"}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("bad status: %v", err)
		}
		if _, err := svc.List(ctx, f.ManagerA, jobs.ListQuery{}); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("manager: %v", err)
		}
		c, err := svc.Counts(ctx, f.Admin)
		if err != nil || c[jobs.StatusQueued] != 5 || c[jobs.StatusDead] != 0 || len(c) != len(jobs.Statuses) {
			t.Fatalf("counts %v %v", c, err)
		}
	})
}
