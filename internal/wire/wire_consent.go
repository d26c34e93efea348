package wire

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/retention"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

var (
	_ consent.Store        = (*sqlstore.Store)(nil)
	_ retention.Store      = (*sqlstore.Store)(nil)
	_ retention.Anonymiser = (*sqlstore.Store)(nil)
)

// wireConsent sets up the consent ledger and the retention rules with
// their daily run at 02:30 Shanghai time through the job queue (one run
// per day however many instances serve).
func wireConsent(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	a.Consent = &consent.Service{Store: s}
	a.Retention = &retention.Service{Store: s, Anonymiser: s, Now: time.Now}
	if a.Jobs == nil {
		return nil
	}
	a.Retention.Enqueue = func(ctx context.Context, key string, payload []byte) (bool, error) {
		return a.Jobs.Enqueue(ctx, jobs.NewJob{Kind: retention.JobKind, Key: key, Payload: payload})
	}
	a.Jobs.Handle(retention.JobKind, func(ctx context.Context, j jobs.Job) error {
		var p struct {
			By string `json:"by"`
		}
		_ = json.Unmarshal(j.Payload, &p)
		name := "retention"
		if p.By != "" {
			name += ":" + p.By // "run now" names who asked
		}
		counts, err := a.Retention.Run(ctx, guanxi.SystemActor(name))
		if a.Log != nil {
			a.Log.Info("retention run", "counts", counts, "error", err)
		}
		return err
	})
	if err := a.Jobs.EnsureSchedule(ctx, jobs.Schedule{Name: "retention-daily", Cron: "30 2 * * *", TZ: "Asia/Shanghai",
		Kind: retention.JobKind}); err != nil {
		return fmt.Errorf("retention schedule: %w", err)
	}
	return nil
}
