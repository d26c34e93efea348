package sqlstore

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// A job enqueued in a transaction that rolls back does not exist; one in a
// transaction that commits does.
func TestJobsEnqueueInCallerTx(t *testing.T) {
	eachTestEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		boom := errors.New("the change failed")
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			if ok, err := s.enqueueJobTx(ctx, tx, jobs.NewJob{Kind: "mail", Key: "rolled-back"}); err != nil || !ok {
				t.Fatalf("enqueue: %v %v", ok, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		err = s.tx(ctx, func(tx *sqlx.Tx) error {
			_, err := s.enqueueJobTx(ctx, tx, jobs.NewJob{Kind: "mail", Key: "committed"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.ListJobs(ctx, jobs.ListQuery{Limit: 10})
		if err != nil || len(list) != 1 || list[0].Key != "committed" {
			t.Fatalf("jobs after rollback and commit: %+v %v", list, err)
		}
		// The rolled-back key is free: the insert really did not happen.
		if ok, err := s.EnqueueJob(ctx, jobs.NewJob{Kind: "mail", Key: "rolled-back"}); err != nil || !ok {
			t.Fatalf("enqueue after rollback: %v %v", ok, err)
		}
	})
}
