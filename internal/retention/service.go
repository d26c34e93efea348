package retention

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/privacy"
)

// Store is what the run needs from storage. Each purge batch is its own
// transaction, so a killed run keeps what it committed and a re-run
// carries on from there.
type Store interface {
	RetentionRules(ctx context.Context, a guanxi.Actor) ([]Rule, error)
	StartRetentionRun(ctx context.Context, a guanxi.Actor) (guanxi.ID, error)
	FinishRetentionRun(ctx context.Context, a guanxi.Actor, id guanxi.ID, counts map[string]int64, runErr error) error
	// RetentionCustomers is one page of expired customers (id > after,
	// not held, not yet anonymised).
	RetentionCustomers(ctx context.Context, kind string, cutoff time.Time, after guanxi.ID, limit int) ([]guanxi.ID, error)
	// RetentionPurge deletes up to limit expired, unheld records of kind in
	// one transaction and returns how many went.
	RetentionPurge(ctx context.Context, kind string, cutoff time.Time, limit int) (int, error)
	SaveRetentionRule(ctx context.Context, a guanxi.Actor, r *Rule) error
	RetentionRuns(ctx context.Context, a guanxi.Actor, limit int) ([]Run, error)
}

// Anonymiser erases one customer (sqlstore.AnonymiseCustomer); it refuses
// a held customer with an error wrapping privacy.ErrLegalHold.
type Anonymiser interface {
	AnonymiseCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID, reason string) error
}

// Service applies the rules.
type Service struct {
	Store      Store
	Anonymiser Anonymiser
	Now        func() time.Time
	Batch      int // rows per purge transaction; 500 when zero
	// Enqueue puts a run of JobKind on the job queue under key (once per
	// key); nil when no job queue is wired.
	Enqueue func(ctx context.Context, key string, payload []byte) (bool, error)
}

// RunLater queues a run now (privacy.admin) for the job queue's worker,
// keyed by the minute so a double click queues one; false when one is
// already queued.
func (s *Service) RunLater(ctx context.Context, a guanxi.Actor) (bool, error) {
	if !a.Can(guanxi.PermPrivacyAdmin) {
		return false, guanxi.Forbidden("error.forbidden")
	}
	if s.Enqueue == nil {
		return false, guanxi.Conflict("retention.no_jobs", nil)
	}
	p, _ := json.Marshal(map[string]string{"by": a.Username})
	return s.Enqueue(ctx, "retention-now-"+s.Now().UTC().Format("200601021504"), p)
}

func (s *Service) batch() int {
	if s.Batch > 0 {
		return s.Batch
	}
	return 500
}

// Rules lists the rules (privacy.admin).
func (s *Service) Rules(ctx context.Context, a guanxi.Actor) ([]Rule, error) {
	return s.Store.RetentionRules(ctx, a)
}

// SaveRule changes a rule's days and switch at r.Version (privacy.admin).
func (s *Service) SaveRule(ctx context.Context, a guanxi.Actor, r *Rule) error {
	return s.Store.SaveRetentionRule(ctx, a, r)
}

// Runs lists the latest runs with their counts (privacy.admin).
func (s *Service) Runs(ctx context.Context, a guanxi.Actor, limit int) ([]Run, error) {
	return s.Store.RetentionRuns(ctx, a, limit)
}

// Run applies every enabled rule as actor a (the job uses a system actor
// with privacy.admin) and records the run with its counts.
func (s *Service) Run(ctx context.Context, a guanxi.Actor) (map[string]int64, error) {
	if !a.Can(guanxi.PermPrivacyAdmin) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	rules, err := s.Store.RetentionRules(ctx, a)
	if err != nil {
		return nil, err
	}
	id, err := s.Store.StartRetentionRun(ctx, a)
	if err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	runErr := s.apply(ctx, a, rules, counts)
	// A cancelled run is still recorded, on a context that is not cancelled.
	if err := s.Store.FinishRetentionRun(context.WithoutCancel(ctx), a, id, counts, runErr); err != nil && runErr == nil {
		runErr = err
	}
	return counts, runErr
}

func (s *Service) apply(ctx context.Context, a guanxi.Actor, rules []Rule, counts map[string]int64) error {
	now := s.Now()
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		cutoff := r.Cutoff(now)
		if ActionOf(r.Kind) == ActionAnonymise {
			if err := s.anonymise(ctx, a, r.Kind, cutoff, counts); err != nil {
				return err
			}
			continue
		}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			n, err := s.Store.RetentionPurge(ctx, r.Kind, cutoff, s.batch())
			if err != nil {
				return err
			}
			counts[r.Kind] += int64(n)
			if n < s.batch() {
				break
			}
		}
	}
	return nil
}

func (s *Service) anonymise(ctx context.Context, a guanxi.Actor, kind string, cutoff time.Time, counts map[string]int64) error {
	var after guanxi.ID
	for {
		ids, err := s.Store.RetentionCustomers(ctx, kind, cutoff, after, s.batch())
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return err
			}
			after = id
			err := s.Anonymiser.AnonymiseCustomer(ctx, a, id, privacy.ReasonRetention)
			switch {
			case err == nil:
				counts[kind]++
			case errors.Is(err, privacy.ErrLegalHold):
				counts[CountHeld]++ // a hold set since the page was read
			case guanxi.KindOf(err) == guanxi.KindConflict || guanxi.KindOf(err) == guanxi.KindNotFound:
				// anonymised or gone meanwhile: nothing left to do
			default:
				return err
			}
		}
		if len(ids) < s.batch() {
			return nil
		}
	}
}
