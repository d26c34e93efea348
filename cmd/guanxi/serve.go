package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/server"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/wire"
)

// envDuration reads a duration variable; a malformed one is reported by
// the caller, and counts as unset here.
func envDuration(getenv func(string) string, k string) time.Duration {
	d, _ := time.ParseDuration(getenv(k))
	return d
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("serve", getenv, &c)
	fs.StringVar(&c.Addr, "addr", envOr(getenv, "GUANXI_ADDR", "127.0.0.1:8080"), "listen address")
	fs.BoolVar(&c.Demo, "demo", envBool(getenv, "GUANXI_DEMO"), "load demo data into an empty database")
	fs.IntVar(&c.DemoCustomers, "demo-customers", 10000, "customers for --demo")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed for --demo")
	fs.BoolVar(&c.BehindTLS, "tls-proxy", envBool(getenv, "GUANXI_TLS_PROXY"), "served over HTTPS by a proxy: Secure cookies, HSTS")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", envBool(getenv, "GUANXI_TRUST_PROXY"), "take the client address from the last X-Forwarded-For entry (the one the proxy appends)")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", envInt(getenv, "GUANXI_MAX_IN_FLIGHT"), "requests served at once; the excess gets 503 (default 256, -1: no limit)")
	fs.DurationVar(&c.Congestion, "congestion", envDuration(getenv, "GUANXI_CONGESTION"), "the in-flight limit shrinks while runnable goroutines wait longer than this for a CPU (90th percentile; default 5ms, -1s: fixed at --max-in-flight)")
	fs.IntVar(&c.MaxHeavy, "max-heavy", envInt(getenv, "GUANXI_MAX_HEAVY"), "imports, exports and reports served at once (default 4, -1: no limit)")
	fs.IntVar(&c.RatePerUser, "rate-limit-user", envInt(getenv, "GUANXI_RATE_LIMIT_USER"), "requests per second per user or address; the excess gets 429 (default 100, -1: no limit)")
	deadline := fs.Duration("request-deadline", envDuration(getenv, "GUANXI_REQUEST_DEADLINE"), "longest an everyday request may run before its SQL is stopped and it gets 503 (default 10s, -1s: none)")
	heavyDeadline := fs.Duration("heavy-deadline", envDuration(getenv, "GUANXI_HEAVY_DEADLINE"), "the same for imports, exports and reports (default 60s, -1s: none)")
	backupEvery := fs.String("backup-every", getenv("GUANXI_BACKUP_EVERY"), "write a backup this often (e.g. 24h; empty: off); on PostgreSQL set it on one instance")
	backupDir := fs.String("backup-dir", getenv("GUANXI_BACKUP_DIR"), "folder of scheduled backups (default DATA/backups)")
	backupKeep := fs.Int("backup-keep", 7, "scheduled backups to keep")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, k := range []string{"GUANXI_MAX_IN_FLIGHT", "GUANXI_MAX_HEAVY", "GUANXI_RATE_LIMIT_USER"} {
		if v := getenv(k); v != "" {
			if _, err := strconv.Atoi(v); err != nil {
				return fmt.Errorf("%s=%q: want a whole number", k, v)
			}
		}
	}
	for _, k := range []string{"GUANXI_REQUEST_DEADLINE", "GUANXI_HEAVY_DEADLINE"} {
		if v := getenv(k); v != "" {
			if _, err := time.ParseDuration(v); err != nil {
				return fmt.Errorf("%s=%q: want a duration such as 10s", k, v)
			}
		}
	}
	var backupInterval time.Duration
	if *backupEvery != "" {
		d, err := time.ParseDuration(*backupEvery)
		if err != nil || d < time.Minute {
			return fmt.Errorf("--backup-every %q: want a duration of at least 1m, such as 24h", *backupEvery)
		}
		backupInterval = d
	}
	log := newLogger()
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := buildApp(ctx, s, log)
	if err != nil {
		return err
	}
	// Runs before s.Close (defers run last-in first-out): the access log's
	// buffered rows reach the database on shutdown.
	defer func() {
		if err := a.Access.Close(); err != nil {
			log.Error("access log flush at shutdown", "err", err)
		}
	}()
	if c.Demo {
		if err := loadDemoWithActivity(ctx, s, a, c.DemoCustomers, c.Seed, stdout); err != nil {
			return err
		}
	}
	user := envOr(getenv, "GUANXI_ADMIN_USER", "admin")
	pw := getenv("GUANXI_ADMIN_PASSWORD")
	generated := false
	if pw == "" {
		pw, generated = randomPassword(), true
	}
	created, err := a.Staff.Bootstrap(ctx, user, pw)
	if err != nil {
		return fmt.Errorf("create the first administrator: %w", err)
	}
	h, err := wire.Handler(a, server.Config{BehindTLS: c.BehindTLS, TrustProxy: c.TrustProxy,
		Limits: server.Limits{InFlight: c.MaxInFlight, Heavy: c.MaxHeavy, PerUser: c.RatePerUser, Congestion: c.Congestion,
			Deadline: *deadline, HeavyDeadline: *heavyDeadline}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(stdout, "Guanxi %s is running at http://%s (database: %s)\n", version, ln.Addr(), s.Dialect())
	switch {
	case created && generated:
		fmt.Fprintf(stdout, "First administrator created. Sign in as %q with password %q and change it.\n", user, pw)
	case created:
		fmt.Fprintf(stdout, "First administrator %q created from GUANXI_ADMIN_USER / GUANXI_ADMIN_PASSWORD.\n", user)
	case c.Demo:
		fmt.Fprintf(stdout, "Demo staff sign in with password %q (admin, manager, agent, auditor accounts: see the README).\n", demoPassword)
	}
	// Background work stops with ctx; shutdown waits for it before the
	// database closes, so no job is cut off between its statements.
	var bg sync.WaitGroup
	ctx, stopBg := context.WithCancel(ctx)
	defer stopBg()
	bg.Add(1)
	go func() { defer bg.Done(); housekeeping(ctx, s, log) }()
	if backupInterval > 0 {
		a.Periodic = append(a.Periodic, app.Periodic{Name: "backup", Every: backupInterval,
			Run: func(ctx context.Context, _ time.Time) error {
				path, err := backupOnce(ctx, c, "", *backupDir, *backupKeep, "pg_dump")
				if err == nil {
					log.Info("backup written", "file", path)
				}
				return err
			}})
	}
	for _, p := range a.Periodic {
		bg.Add(1)
		go func() { defer bg.Done(); runPeriodic(ctx, p, log) }()
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if s.SQLiteSize() > sqlstore.QuickCheckAtOpen {
		// Too big to check before serving within the start-up goal: check
		// now, and stop serving if the file turns out damaged.
		bg.Add(1)
		go func() {
			defer bg.Done()
			if err := s.QuickCheck(ctx); err != nil && ctx.Err() == nil {
				log.Error("database check failed; stopping", "err", err)
				errc <- err
			}
		}()
	}
	var runErr error
	select {
	case runErr = <-errc:
	case <-ctx.Done():
	}
	stopBg()
	// Drain in-flight requests before closing the database.
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	done := make(chan struct{})
	go func() { bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutCtx.Done():
		log.Warn("background work still running at shutdown")
	}
	if runErr != nil && !errors.Is(runErr, http.ErrServerClosed) {
		return runErr
	}
	fmt.Fprintln(stdout, "Guanxi stopped.")
	return nil
}

// randomPassword is a first-run password that satisfies every policy.
func randomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	rand.Read(b)
	out := make([]byte, len(b))
	for i, x := range b {
		out[i] = alphabet[int(x)%len(alphabet)]
	}
	return string(out[:4]) + "-" + string(out[4:8]) + "-" + string(out[8:12]) + "-" + string(out[12:]) + "#7a"
}
