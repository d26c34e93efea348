package wire

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// wireJobs sets up the job queue: the service other modules register
// handlers and schedules with, a scheduler tick that enqueues due schedule
// occurrences and prunes done jobs, and a worker that runs due jobs. Both
// run on every instance; claims and unique keys keep them exactly-once.
func wireJobs(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	a.Jobs = &jobs.Service{Store: s, Now: time.Now, Log: a.Log, Owner: jobs.NewOwner()}
	a.Periodic = append(a.Periodic,
		app.Periodic{Name: "job-schedules", Every: 15 * time.Second, Run: a.Jobs.Tick},
		app.Periodic{Name: "jobs", Every: time.Second, Run: a.Jobs.Work},
	)
	return nil
}
