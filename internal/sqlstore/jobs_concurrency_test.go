package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// twoHandles opens two separate stores on one database, like two
// `guanxi serve` processes: one SQLite file, or one PostgreSQL schema.
func twoHandles(t *testing.T, engine string) (dsn string, a, b *sqlstore.Store) {
	t.Helper()
	if engine == "sqlite" {
		dsn = filepath.Join(t.TempDir(), "guanxi.db")
	} else {
		dsn = sqltest.PostgresDSN(t)
	}
	return dsn, openJobStore(t, dsn), openJobStore(t, dsn)
}

func openJobStore(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{SyncNormal: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func eachJobEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}

// Four workers in two services over two store handles run 300 jobs: each
// handler runs exactly once.
func TestJobsTwoInstancesRunEachJobOnce(t *testing.T) {
	eachJobEngine(t, func(t *testing.T, engine string) {
		_, sa, sb := twoHandles(t, engine)
		ctx := context.Background()
		const n = 300
		for i := range n {
			if _, err := sa.EnqueueJob(ctx, jobs.NewJob{Kind: "count", Key: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		runs := map[string]int{}
		handler := func(_ context.Context, j jobs.Job) error {
			mu.Lock()
			runs[j.Key]++
			mu.Unlock()
			return nil
		}
		var services []*jobs.Service
		for _, s := range []*sqlstore.Store{sa, sb, sa, sb} {
			svc := jobService(s, time.Now)
			svc.Handle("count", handler)
			services = append(services, svc)
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(services))
		for _, svc := range services {
			wg.Go(func() {
				// Work returns when nothing is due; the others may still be
				// running the last jobs, so one pass is enough per worker.
				errs <- svc.Work(ctx, time.Now())
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		counts, err := sa.CountJobs(ctx)
		if err != nil || counts[jobs.StatusDone] != n {
			t.Fatalf("counts %v %v, want %d done", counts, err, n)
		}
		if len(runs) != n {
			t.Fatalf("%d distinct jobs ran, want %d", len(runs), n)
		}
		for k, c := range runs {
			if c != 1 {
				t.Fatalf("job %s ran %d times", k, c)
			}
		}
	})
}

// Two schedulers ticking at the same moment enqueue each occurrence once,
// and after downtime only the latest missed occurrence.
func TestJobsScheduleOccurrenceEnqueuedOnce(t *testing.T) {
	eachJobEngine(t, func(t *testing.T, engine string) {
		_, sa, sb := twoHandles(t, engine)
		ctx := context.Background()
		clock := &jobClock{t: time.Date(2026, 6, 1, 0, 0, 30, 0, time.UTC)} // 08:00:30 in Shanghai
		a, b := jobService(sa, clock.Now), jobService(sb, clock.Now)
		sc := jobs.Schedule{Name: "daily-care", Cron: "0 9 * * *", TZ: "Asia/Shanghai", Kind: "care"}
		for _, svc := range []*jobs.Service{a, b} {
			if err := svc.EnsureSchedule(ctx, sc); err != nil {
				t.Fatal(err)
			}
		}
		tickBoth := func() {
			t.Helper()
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, svc := range []*jobs.Service{a, b} {
				wg.Go(func() { errs[i] = svc.Tick(ctx, clock.Now()) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		tickBoth()
		if l, _ := sa.ListJobs(ctx, jobs.ListQuery{Kind: "care", Limit: 10}); len(l) != 0 {
			t.Fatalf("enqueued before 09:00: %+v", l)
		}
		clock.Set(time.Date(2026, 6, 1, 1, 0, 5, 0, time.UTC)) // 09:00:05 Shanghai
		tickBoth()
		tickBoth()
		l, err := sa.ListJobs(ctx, jobs.ListQuery{Kind: "care", Limit: 10})
		if err != nil || len(l) != 1 || l[0].FireTime == nil || !l[0].FireTime.Equal(time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)) ||
			l[0].ScheduleName != "daily-care" {
			t.Fatalf("jobs after 09:00: %+v %v", l, err)
		}
		// Down for three days: one job, for the latest occurrence.
		clock.Set(time.Date(2026, 6, 4, 2, 0, 0, 0, time.UTC))
		tickBoth()
		l, err = sa.ListJobs(ctx, jobs.ListQuery{Kind: "care", Limit: 10})
		if err != nil || len(l) != 2 || !l[0].FireTime.Equal(time.Date(2026, 6, 4, 1, 0, 0, 0, time.UTC)) {
			t.Fatalf("jobs after downtime: %+v %v", l, err)
		}
		list, err := sb.ListSchedules(ctx)
		if err != nil || len(list) != 1 || list[0].LastFireTime == nil || !list[0].LastFireTime.Equal(*l[0].FireTime) ||
			list[0].Version != 1 {
			t.Fatalf("schedules: %+v %v", list, err)
		}
		// Changing the cron updates the schedule in place.
		sc.Cron = "30 9 * * *"
		if err := a.EnsureSchedule(ctx, sc); err != nil {
			t.Fatal(err)
		}
		list, err = sb.ListSchedules(ctx)
		if err != nil || len(list) != 1 || list[0].Cron != "30 9 * * *" || list[0].Version != 2 {
			t.Fatalf("updated schedule: %+v %v", list, err)
		}
		if err := a.EnsureSchedule(ctx, jobs.Schedule{Name: "bad", Cron: "0 25 * * *", Kind: "x"}); err == nil {
			t.Fatal("an invalid cron was saved")
		}
	})
}

// Done jobs older than KeepDone are pruned by the scheduler tick.
func TestJobsPruneDone(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		clock := &jobClock{t: time.Now().UTC()}
		svc := jobService(s, clock.Now)
		svc.KeepDone = time.Hour
		svc.Handle("p", func(context.Context, jobs.Job) error { return nil })
		for _, k := range []string{"old", "new"} {
			if _, err := svc.Enqueue(ctx, jobs.NewJob{Kind: "p", Key: k}); err != nil {
				t.Fatal(err)
			}
			if k == "old" {
				if err := svc.Work(ctx, clock.Now()); err != nil {
					t.Fatal(err)
				}
				clock.Set(clock.Now().Add(2 * time.Hour))
			}
		}
		if err := svc.Work(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := svc.Tick(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		l, err := s.ListJobs(ctx, jobs.ListQuery{Limit: 10})
		if err != nil || len(l) != 1 || l[0].Key != "new" || l[0].Status != jobs.StatusDone {
			t.Fatalf("after prune: %+v %v", l, err)
		}
	})
}

const jobsHelperEnv = "GUANXI_JOBS_HELPER_DSN"

// TestJobsHelperProcess is the worker the kill -9 test starts and kills:
// it claims the one job, whose handler signals readiness and then blocks.
// It does nothing when run as an ordinary test.
func TestJobsHelperProcess(t *testing.T) {
	dsn := os.Getenv(jobsHelperEnv)
	if dsn == "" {
		return
	}
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{SyncNormal: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := jobService(s, time.Now)
	svc.Owner = "helper:" + svc.Owner
	svc.Lease = 2 * time.Second
	svc.Handle("block", func(ctx context.Context, j jobs.Job) error {
		if err := os.WriteFile(os.Getenv("GUANXI_JOBS_HELPER_READY"), []byte(svc.Owner), 0o600); err != nil {
			return err
		}
		select {} // until killed
	})
	svc.Work(ctx, time.Now())
	t.Fatal("the helper's job returned")
}

// A worker killed with SIGKILL mid-job leaves its job to be claimed again
// when its lease ends; the job then runs to done with both attempts counted.
func TestJobsKilledWorkerJobIsRetried(t *testing.T) {
	eachJobEngine(t, func(t *testing.T, engine string) {
		dsn, s, _ := twoHandles(t, engine)
		ctx := context.Background()
		if _, err := s.EnqueueJob(ctx, jobs.NewJob{Kind: "block", Key: "k9"}); err != nil {
			t.Fatal(err)
		}
		id := jobIDByKey(t, s, "block", "k9")
		ready := filepath.Join(t.TempDir(), "ready")
		cmd := exec.Command(os.Args[0], "-test.run=^TestJobsHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), jobsHelperEnv+"="+dsn, "GUANXI_JOBS_HELPER_READY="+ready)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killed := false
		t.Cleanup(func() {
			if !killed {
				cmd.Process.Kill()
				cmd.Wait()
			}
		})
		var owner []byte
		waitFor(t, "the helper to claim the job", func() bool {
			b, err := os.ReadFile(ready)
			owner = b
			return err == nil && len(b) > 0
		})
		r := getJob(t, s, id)
		if r.Status != jobs.StatusRunning || r.ClaimedBy != string(owner) || r.Attempts != 1 {
			t.Fatalf("claimed by the helper: %+v", r)
		}
		svc := jobService(s, time.Now)
		svc.Lease = 2 * time.Second
		runs := 0
		svc.Handle("block", func(context.Context, jobs.Job) error { runs++; return nil })
		// While the helper lives its lease holds: nothing to claim.
		if err := svc.Work(ctx, time.Now()); err != nil || runs != 0 {
			t.Fatalf("claimed a leased job: runs %d, %v", runs, err)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		killed = true
		waitFor(t, "the job to be run again", func() bool {
			if err := svc.Work(ctx, time.Now()); err != nil {
				t.Fatal(err)
			}
			return runs > 0
		})
		r = getJob(t, s, id)
		if r.Status != jobs.StatusDone || r.Attempts != 2 || runs != 1 || r.ClaimedBy != svc.Owner {
			t.Fatalf("after the kill: %+v runs %d", r, runs)
		}
	})
}

// waitFor polls cond until it holds, failing after a generous deadline
// (a bound on a hang, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
