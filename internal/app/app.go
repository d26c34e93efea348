// Package app holds the services a running Guanxi offers, wired once in cmd
// and handed to the HTTP surfaces (api, web). It does no I/O itself.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/notify"
	"github.com/guanxi-crm/guanxi/internal/outbox"
	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/renewal"
	"github.com/guanxi-crm/guanxi/internal/retention"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/staff"
	"github.com/guanxi-crm/guanxi/internal/survey"
	"github.com/guanxi-crm/guanxi/internal/task"
	"github.com/guanxi-crm/guanxi/internal/ticket"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// App is everything the HTTP surfaces need.
type App struct {
	Customers *customer.Service
	Surveys   *survey.Service
	Tasks     *task.Service    // tasks, the today page, follow-up plans and report
	WorkLogs  *worklog.Service // work logs and visit forms with review
	Tickets   *ticket.Service  // complaints (CMP), SLA clocks and escalation
	Notify    *notify.Service  // in-app notifications
	Staff     *staff.Service
	Auth      *auth.Service
	Settings  *settings.Service
	Audit     *audit.Service
	I18n      *i18n.Bundle
	Sessions  *scs.SessionManager
	Idem      IdempotencyStore
	Health    func(ctx context.Context) error
	Log       *slog.Logger
	Clock     guanxi.Clock
	// Version is the build version shown in the UI and /api/v1/version.
	Version string
	// Periodic is the background work serve runs on a schedule.
	Periodic []Periodic

	// PublicComplaints is the no-login complaint form and status link.
	PublicComplaints *ticket.Public

	// Analytics is the complaint analysis (投诉分析) with its export.
	Analytics *ticket.Analytics

	// Imports loads CSV and .xlsx files (M13); Exports takes lists and
	// reports out as CSV and .xlsx.
	Imports *bulk.Importer
	Exports *bulk.Exporter

	// Jobs is the database job queue and cron schedules; Outbox sends
	// messages; Care runs care rules; Appointments books and reminds;
	// Renewals tracks and analyses subscription and contract renewals.
	Jobs         *jobs.Service
	Outbox       *outbox.Service
	Care         *care.Service
	Appointments *appointment.Service
	Renewals     *renewal.Service

	// Privacy answers data subjects' rights (PIPL 44–47): export, erasure
	// and legal holds. Consent is the per-purpose consent ledger; Retention
	// anonymises customers past the retention rules.
	Privacy   *privacy.Service
	Consent   *consent.Service
	Retention *retention.Service

	// Access buffers the customer access log (who read, listed, searched
	// or exported whom); Breach answers auditors from it; AuditRetention
	// keeps the audit and access logs for at least the legal minimum.
	Access         *accesslog.Log
	Breach         *accesslog.Breach
	AuditRetention *accesslog.Retention

	// Encryption shows auditors how encryption at rest stands (keys and
	// sealed values by key); read-only.
	Encryption *Encryption
}

// Periodic is background work run every Every by each serving instance.
// Run must be idempotent and safe on several instances at once (claims and
// unique keys in the database), so no leader election is needed.
type Periodic struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context, now time.Time) error
}
