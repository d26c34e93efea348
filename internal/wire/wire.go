// Package wire builds a running Guanxi from a store: the services, the
// session manager and the HTTP handler. cmd/guanxi and the end-to-end test
// environment use the same wiring, so tests run what users run.
package wire

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/guanxi-crm/guanxi/internal/api"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/notify"
	"github.com/guanxi-crm/guanxi/internal/ratelimit"
	"github.com/guanxi-crm/guanxi/internal/search"
	"github.com/guanxi-crm/guanxi/internal/server"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/staff"
	"github.com/guanxi-crm/guanxi/internal/survey"
	"github.com/guanxi-crm/guanxi/internal/task"
	"github.com/guanxi-crm/guanxi/internal/ticket"
	"github.com/guanxi-crm/guanxi/internal/web"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// Options tune the wiring; the zero value is production.
type Options struct {
	Log     *slog.Logger
	Version string
	// HashParams are the argon2id costs (zero: production defaults).
	HashParams auth.Params
}

// App wires the services over one store.
func App(ctx context.Context, s *sqlstore.Store, o Options) (*app.App, error) {
	bundle, err := i18n.New()
	if err != nil {
		return nil, err
	}
	set := &settings.Service{Store: s}
	// A one-second token cache saves a query per API request; revocation
	// clears it at once on this instance.
	au := &auth.Service{Store: s, Settings: set, Now: time.Now, TokenCache: time.Second, Params: o.HashParams}
	st := &staff.Service{Store: s, Hash: au.Hash, CheckPolicy: au.CheckPolicy}
	sessions := scs.New()
	sessions.Store = s.Sessions()
	sessions.Lifetime = 12 * time.Hour
	sessions.IdleTimeout = au.IdleTimeout(ctx)
	sessions.Cookie.Name = "guanxi_session"
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	// Public survey links: 30 requests a minute per address, per instance.
	surveys := &survey.Service{Store: s, Settings: set, Log: log, Limiter: ratelimit.New(30, time.Minute)}
	tasks := &task.Service{Store: s, Loc: task.ChinaTime(), Now: time.Now}
	tickets := &ticket.Service{Store: s, Settings: set, Now: time.Now}
	customers := &customer.Service{Store: s, Pinyin: search.Spell, Merges: s}
	imports := &bulk.Importer{Store: s, Log: log, Now: time.Now}
	exports := bulk.NewExporter(s, customers, bundle)
	surveys.Complaints = tickets // a low survey score opens one complaint (idempotent per answer)
	a := &app.App{
		Customers: customers,
		Surveys:   surveys,
		Tasks:     tasks,
		WorkLogs:  &worklog.Service{Store: s, Now: time.Now},
		Tickets:   tickets,
		Notify:    &notify.Service{Store: s},
		Staff:     st,
		Auth:      au,
		Settings:  set,
		Audit:     &audit.Service{Store: s},
		I18n:      bundle,
		Sessions:  sessions,
		Idem:      s,
		Health:    s.Ping,
		Log:       log,
		Clock:     time.Now,
		Version:   o.Version,
		Periodic: []app.Periodic{
			{Name: "survey-complaints", Every: 5 * time.Minute, Run: surveys.OpenPendingComplaints},
			{Name: "follow-up-plans", Every: 10 * time.Minute, Run: tasks.Job},
			{Name: "ticket-sla", Every: time.Minute, Run: tickets.RunSLA},
			{Name: "duplicate-scan", Every: 24 * time.Hour, Run: customers.DuplicateScanJob},
			{Name: "imports", Every: 2 * time.Second, Run: imports.RunPending},
			{Name: "exports", Every: 15 * time.Second, Run: exports.Run},
		},
		// The public complaint form: 5 complaints an hour per address and
		// 60 a minute in all, status pages 30 a minute per address (per
		// instance); a person takes at least 3 s to fill the form.
		PublicComplaints: &ticket.Public{Tickets: tickets, Store: s, Log: log,
			PerAddr: ratelimit.New(5, time.Hour), Global: ratelimit.New(60, time.Minute),
			Lookups: ratelimit.New(30, time.Minute), MinFill: 3 * time.Second, MaxAge: 24 * time.Hour},
		Analytics: &ticket.Analytics{Store: s, Settings: set, Now: time.Now},
		Imports:   imports,
		Exports:   exports,
	}
	a.Encryption = &app.Encryption{Store: s, Keys: s.Keys()}
	// Each module wires itself in its own file; jobs first, as the others
	// register handlers and schedules with it.
	for _, w := range []func(context.Context, *app.App, *sqlstore.Store) error{
		wireJobs, wireOutbox, wireCare, wireAppointments, wireRenewals,
		wireConsent, wirePrivacy, wireAccessLog,
	} {
		if err := w(ctx, a, s); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Handler is the full HTTP handler of a: API and web pages.
func Handler(a *app.App, cfg server.Config) (http.Handler, error) {
	return server.New(a, cfg,
		func(mux *http.ServeMux, a *app.App) error { api.Mount(mux, a); return nil },
		web.Mount)
}
