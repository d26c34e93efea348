package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/server"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/wire"
)

// openStore opens and migrates the database named by c.
func openStore(ctx context.Context, c config) (*sqlstore.Store, error) {
	s, _, err := openWithKeys(ctx, c)
	return s, err
}

// openWithKeys opens the database of c with its key file (made on the
// first start), migrates it and checks the key file against it; it
// returns how many migrations it applied. A key file it made for a
// database that belongs to another is removed again.
func openWithKeys(ctx context.Context, c config) (*sqlstore.Store, int, error) {
	keys, created, err := keyRing(c, true)
	if err != nil {
		return nil, 0, err
	}
	s, err := sqlstore.Open(ctx, c.dsn(), sqlstore.Options{SyncNormal: c.SyncNormal, Keys: keys})
	if err == nil {
		var n int
		if n, err = s.Migrate(ctx); err == nil {
			return s, n, nil
		}
		s.Close()
	}
	if created && errors.Is(err, sqlstore.ErrKeyMismatch) {
		os.Remove(c.keyPath())
		err = fmt.Errorf("%w (no key file was found at %s)", err, c.keyPath())
	}
	return nil, 0, err
}

// openApp opens the store and wires the services for a one-shot command.
func openApp(ctx context.Context, c config) (*sqlstore.Store, *app.App, error) {
	s, err := openStore(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	a, err := buildApp(ctx, s, newLogger())
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, a, nil
}

// buildApp wires the services over one store.
func buildApp(ctx context.Context, s *sqlstore.Store, log *slog.Logger) (*app.App, error) {
	return wire.App(ctx, s, wire.Options{Log: log, Version: version})
}

// handler is the full HTTP handler of a.
func handler(a *app.App, c config) (http.Handler, error) {
	return wire.Handler(a, server.Config{BehindTLS: c.BehindTLS, TrustProxy: c.TrustProxy,
		Limits: server.Limits{InFlight: c.MaxInFlight, Heavy: c.MaxHeavy, PerUser: c.RatePerUser, Congestion: c.Congestion}})
}

// newLogger logs to standard error; GUANXI_LOG_FILE appends the same lines
// to a file as well (CI collects the logs of the test run's servers there
// to check them for personal data).
func newLogger() *slog.Logger {
	var w io.Writer = os.Stderr
	if path := os.Getenv("GUANXI_LOG_FILE"); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			w = io.MultiWriter(os.Stderr, f) // closed when the process exits
		} else {
			fmt.Fprintf(os.Stderr, "GUANXI_LOG_FILE: %v\n", err)
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
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

// runPeriodic runs p at start and then every p.Every until ctx ends. A
// failed run is logged and retried at the next tick.
func runPeriodic(ctx context.Context, p app.Periodic, log *slog.Logger) {
	t := time.NewTicker(p.Every)
	defer t.Stop()
	for {
		if err := p.Run(ctx, time.Now().UTC()); err != nil && ctx.Err() == nil {
			log.Warn("periodic job failed", "job", p.Name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
