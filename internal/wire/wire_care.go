package wire

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// wireCare sets up care rules and their daily run at 07:00 Shanghai time
// through the job queue (one job per day however many instances run).
func wireCare(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	a.Care = &care.Service{Store: s, Now: time.Now, Loc: task.ChinaTime()}
	if a.Jobs == nil {
		return nil
	}
	a.Jobs.Handle("care.daily", func(ctx context.Context, j jobs.Job) error {
		res, err := a.Care.Run(ctx)
		if err != nil {
			return err
		}
		if a.Log != nil {
			a.Log.Info("care run", "rules", res.Rules, "fired", res.Fired, "suppressed", res.Suppressed,
				"capped", res.Capped, "tasks", res.Tasks, "messages", res.Messages)
		}
		return nil
	})
	if err := a.Jobs.EnsureSchedule(ctx, jobs.Schedule{Name: "care-daily", Cron: "0 7 * * *", TZ: "Asia/Shanghai",
		Kind: "care.daily"}); err != nil {
		return fmt.Errorf("care schedule: %w", err)
	}
	return nil
}
