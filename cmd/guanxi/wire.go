package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/guanxi-crm/guanxi/internal/api"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/search"
	"github.com/guanxi-crm/guanxi/internal/server"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/staff"
	"github.com/guanxi-crm/guanxi/internal/web"
)

// openStore opens and migrates the database named by c.
func openStore(ctx context.Context, c config) (*sqlstore.Store, error) {
	s, err := sqlstore.Open(ctx, c.dsn(), sqlstore.Options{SyncNormal: c.SyncNormal})
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// buildApp wires the services over one store.
func buildApp(ctx context.Context, s *sqlstore.Store, log *slog.Logger) (*app.App, error) {
	bundle, err := i18n.New()
	if err != nil {
		return nil, err
	}
	set := &settings.Service{Store: s}
	// A one-second token cache saves a query per API request; revocation
	// clears it at once on this instance.
	au := &auth.Service{Store: s, Settings: set, Now: time.Now, TokenCache: time.Second}
	st := &staff.Service{Store: s, Hash: au.Hash, CheckPolicy: au.CheckPolicy}
	sessions := scs.New()
	sessions.Store = s.Sessions()
	sessions.Lifetime = 12 * time.Hour
	sessions.IdleTimeout = au.IdleTimeout(ctx)
	sessions.Cookie.Name = "guanxi_session"
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	return &app.App{
		Customers: &customer.Service{Store: s, Pinyin: search.Spell},
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
		Version:   version,
	}, nil
}

// handler is the full HTTP handler of a.
func handler(a *app.App, c config) (http.Handler, error) {
	return server.New(a, server.Config{BehindTLS: c.BehindTLS, TrustProxy: c.TrustProxy},
		func(mux *http.ServeMux, a *app.App) error { api.Mount(mux, a); return nil },
		web.Mount)
}

func newLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// housekeeping deletes expired sessions and idempotency records every hour
// until ctx ends.
func housekeeping(ctx context.Context, s *sqlstore.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := s.Sessions().DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("session cleanup", "err", err)
		}
		if _, err := s.ExpireIdem(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
			log.Warn("idempotency cleanup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
