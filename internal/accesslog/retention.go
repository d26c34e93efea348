package accesslog

import (
	"context"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// RetentionKey is the settings row holding how many days the audit log and
// the access log are kept. It is not one of settings.Defs on purpose: the
// generic settings page must not change it; only Retention.Set does, which
// refuses values below the minimum and audits every refused attempt.
const RetentionKey = "audit.retention_days"

// DefaultRetentionDays applies while no row is stored.
const DefaultRetentionDays = 365

// MaxRetentionDays bounds the setting (10 years).
const MaxRetentionDays = 3650

// RetentionStore is what the retention service needs.
type RetentionStore interface {
	SettingRow(ctx context.Context, key string) (settings.Setting, bool, error)
	SaveSetting(ctx context.Context, key, value string, version int64, entry audit.Entry) error
	Audit(ctx context.Context, entries ...audit.Entry) error
	PurgeAudit(ctx context.Context, a guanxi.Actor, before time.Time, max int) (int64, error)
	PurgeAccess(ctx context.Context, before time.Time, batch int) (int64, error)
}

// Retention keeps the audit and access logs for at least the legal
// minimum and purges what is older.
type Retention struct {
	Store   RetentionStore
	Now     guanxi.Clock
	Profile func(ctx context.Context) string
}

func (r *Retention) profile(ctx context.Context) string {
	if r.Profile == nil {
		return ""
	}
	return r.Profile(ctx)
}

func (r *Retention) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// Days returns the retention in force (never below the minimum) and the
// stored row's version (0 while the default applies).
func (r *Retention) Days(ctx context.Context) (days int, version int64, err error) {
	min := MinRetention(r.profile(ctx))
	row, found, err := r.Store.SettingRow(ctx, RetentionKey)
	if err != nil {
		return 0, 0, err
	}
	days = DefaultRetentionDays
	if found {
		if n, err := strconv.Atoi(row.Value); err == nil {
			days = n
		}
	}
	// A row written around the service (raw SQL) cannot shorten it.
	return max(days, min), row.Version, nil
}

// Set changes the retention. Below the minimum of the profile, or by an
// actor who may not read the audit, it is refused and the attempt is
// audited (audit.protect), so trying is itself on the record.
func (r *Retention) Set(ctx context.Context, a guanxi.Actor, days int, version int64) error {
	profile := r.profile(ctx)
	min := MinRetention(profile)
	refuse := func(outcome string, err error) error {
		e := audit.New(a, audit.ActionAuditProtect, "setting", 0,
			map[string]any{"key": RetentionKey, "days": days, "min": min}).Failed(outcome)
		if aerr := r.Store.Audit(ctx, e); aerr != nil {
			return aerr
		}
		return err
	}
	if !CanReadAudit(a, profile) {
		return refuse("denied", guanxi.Forbidden("error.forbidden"))
	}
	if days < min {
		return refuse("denied", guanxi.Invalid(guanxi.FieldError{Field: "days", Key: "accesslog.retention_min",
			Args: map[string]any{"min": min}}))
	}
	if days > MaxRetentionDays {
		return guanxi.Invalid(guanxi.FieldError{Field: "days", Key: "settings.out_of_range",
			Args: map[string]any{"min": min, "max": MaxRetentionDays}})
	}
	e := audit.New(a, audit.ActionSettings, "setting", 0, map[string]any{"key": RetentionKey, "value": days})
	return r.Store.SaveSetting(ctx, RetentionKey, strconv.Itoa(days), version, e)
}

// Result is what one purge removed.
type Result struct {
	AuditRows, AccessRows int64
	Before                time.Time
}

// Purge removes audit and access rows older than the retention, in
// batches, and records one retention.run summary. It is the daily job.
func (r *Retention) Purge(ctx context.Context) (Result, error) {
	days, _, err := r.Days(ctx)
	if err != nil {
		return Result{}, err
	}
	res := Result{Before: r.now().AddDate(0, 0, -days)}
	sys := guanxi.SystemActor("retention")
	if res.AuditRows, err = r.Store.PurgeAudit(ctx, sys, res.Before, 0); err != nil {
		return res, err
	}
	if res.AccessRows, err = r.Store.PurgeAccess(ctx, res.Before, 5000); err != nil {
		return res, err
	}
	// One summary per run, purged or not (TESTPLAN E1); the audit purge's
	// own per-batch rows (object audit_log) attest the chain's anchor.
	err = r.Store.Audit(ctx, audit.New(sys, audit.ActionRetentionRun, "retention", 0, map[string]any{
		"audit_rows": res.AuditRows, "access_rows": res.AccessRows, "days": days, "before": res.Before.Format(time.RFC3339)}))
	return res, err
}
