package wire

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// auditRetentionJob is the job kind of the daily audit and access log purge.
const auditRetentionJob = "audit-retention"

// wireAccessLog sets up the customer access log, the auditors' breach
// query and the audit/access log retention with its daily purge at 03:10
// Shanghai time (one run a day however many instances serve). The caller
// closes a.Access on shutdown so buffered rows reach the database.
func wireAccessLog(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	profile := func(ctx context.Context) string {
		p, _ := a.Settings.Get(ctx, settings.PasswordPolicy)
		return p
	}
	a.Access = &accesslog.Log{Store: s, Now: time.Now, Log: a.Log}
	a.Breach = &accesslog.Breach{Store: s, Profile: profile}
	a.AuditRetention = &accesslog.Retention{Store: s, Now: time.Now, Profile: profile}
	if a.Exports != nil {
		a.Exports.Access = a.Access
	}
	if a.Jobs == nil {
		return nil
	}
	a.Jobs.Handle(auditRetentionJob, func(ctx context.Context, _ jobs.Job) error {
		res, err := a.AuditRetention.Purge(ctx)
		if a.Log != nil {
			a.Log.Info("audit retention", "audit_rows", res.AuditRows, "access_rows", res.AccessRows, "error", err)
		}
		return err
	})
	if err := a.Jobs.EnsureSchedule(ctx, jobs.Schedule{Name: "audit-retention-daily", Cron: "10 3 * * *", TZ: "Asia/Shanghai",
		Kind: auditRetentionJob}); err != nil {
		return fmt.Errorf("audit retention schedule: %w", err)
	}
	return nil
}
