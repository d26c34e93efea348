package jobs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// maxErrorLen keeps last_error readable on the admin page.
const maxErrorLen = 2000

// Work claims and runs due jobs one after another until none is due or ctx
// ends (the app.Periodic worker, every second on every instance). A job
// of a kind with no handler here is never claimed, so it stays queued.
func (s *Service) Work(ctx context.Context, _ time.Time) error {
	for ctx.Err() == nil {
		kinds := s.Kinds()
		if len(kinds) == 0 {
			return nil
		}
		now := s.now()
		j, ok, err := s.Store.ClaimJob(ctx, kinds, s.Owner, now, now.Add(s.lease()))
		if err != nil || !ok {
			return err
		}
		s.run(ctx, j)
	}
	return nil
}

// run runs one claimed job and records its outcome. The lease is renewed
// every Lease/3 while the handler works; if renewal finds the lease lost,
// the handler's context is cancelled and its outcome is not recorded.
func (s *Service) run(ctx context.Context, j Job) {
	log := s.log().With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	if j.Attempts > j.MaxAttempts {
		// Its last attempt's worker died holding the lease.
		s.fail(ctx, j, errors.New("lease expired during the last attempt"), log)
		return
	}
	h := s.handler(j.Kind)
	if h == nil { // unregistered between claim and run; put it back
		s.release(ctx, j, log)
		return
	}
	hctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		s.heartbeat(hctx, j, stop, cancel)
	}()
	err := call(hctx, h, j)
	close(stop)
	<-beat
	switch {
	case errors.Is(context.Cause(hctx), ErrLeaseLost):
		log.Warn("job lease lost; another worker owns it now")
	case err == nil:
		if ferr := s.Store.FinishJob(context.WithoutCancel(ctx), j.ID, s.Owner, s.now()); ferr != nil {
			log.Warn("job done but not recorded", "err", ferr)
		}
	case ctx.Err() != nil:
		// Shutting down: give the job back now instead of after its lease.
		s.release(ctx, j, log)
	default:
		s.fail(ctx, j, err, log)
	}
}

func (s *Service) heartbeat(ctx context.Context, j Job, stop <-chan struct{}, cancel context.CancelCauseFunc) {
	t := time.NewTicker(s.lease() / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			err := s.Store.ExtendJob(ctx, j.ID, s.Owner, s.now().Add(s.lease()))
			if errors.Is(err, ErrLeaseLost) {
				cancel(ErrLeaseLost)
				return
			}
			if err != nil && ctx.Err() == nil {
				s.log().Warn("job lease not renewed", "job", j.ID, "err", err)
			}
		}
	}
}

// call runs h, turning a panic into the job's error.
func call(ctx context.Context, h Handler, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, j)
}

func (s *Service) fail(ctx context.Context, j Job, cause error, log interface{ Warn(string, ...any) }) {
	now := s.now()
	status, runAt := StatusFailed, now.Add(s.Backoff(j.Attempts))
	if j.Attempts >= j.MaxAttempts {
		status, runAt = StatusDead, now
	}
	msg := cause.Error()
	if len(msg) > maxErrorLen {
		msg = msg[:maxErrorLen]
	}
	log.Warn("job failed", "status", status, "err", msg)
	if err := s.Store.FailJob(context.WithoutCancel(ctx), j.ID, s.Owner, status, runAt, msg, now); err != nil {
		log.Warn("job failure not recorded", "err", err)
	}
}

func (s *Service) release(ctx context.Context, j Job, log interface{ Warn(string, ...any) }) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.Store.ReleaseJob(rctx, j.ID, s.Owner, s.now()); err != nil {
		log.Warn("job not released; it runs again when its lease ends", "err", err)
	}
}

// Backoff is the delay before the retry that follows attempt n (1-based):
// base·2^(n-1) capped, then jittered down by up to half so jobs that failed
// together do not retry together.
func (s *Service) Backoff(n int) time.Duration {
	base, maxD := s.BackoffBase, s.BackoffCap
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if maxD <= 0 {
		maxD = DefaultBackoffCap
	}
	d := maxD
	if n < 1 {
		n = 1
	}
	if n <= 40 {
		if x := base << (n - 1); x > 0 && x < maxD {
			d = x
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
