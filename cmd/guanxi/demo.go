package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/demo"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// demoPassword is the password of every demo staff account.
const demoPassword = "Guanxi-Demo-2026"

func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("demo", getenv, &c)
	fs.IntVar(&c.DemoCustomers, "customers", 10000, "number of customers")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed (the same seed gives the same data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, a, err := openApp(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	return loadDemoWithActivity(ctx, s, a, c.DemoCustomers, c.Seed, stdout)
}

// loadDemoWithActivity loads the demo customers and, when it did, the day-to-
// day work on top of them (complaints, surveys, follow-ups, work logs).
func loadDemoWithActivity(ctx context.Context, s *sqlstore.Store, a *app.App, n int, seed uint64, stdout io.Writer) error {
	loaded, err := loadDemo(ctx, s, n, seed, stdout)
	if err != nil || !loaded {
		return err
	}
	return demoActivity(ctx, a, seed, n, stdout)
}

// loadDemo fills an empty database and reports whether it did; a database
// with customers is left alone.
func loadDemo(ctx context.Context, s *sqlstore.Store, n int, seed uint64, stdout io.Writer) (bool, error) {
	hash, err := auth.HashPassword(demoPassword)
	if err != nil {
		return false, err
	}
	start := time.Now()
	last := time.Now()
	err = s.LoadDemo(ctx, demo.New(seed, n), hash, func(done, total int) {
		if time.Since(last) > time.Second || done == total {
			fmt.Fprintf(stdout, "demo: %d/%d customers\n", done, total)
			last = time.Now()
		}
	})
	if guanxi.KindOf(err) == guanxi.KindConflict {
		fmt.Fprintln(stdout, "demo: the database already has customers; nothing loaded")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := s.Analyze(ctx); err != nil {
		return false, err
	}
	fmt.Fprintf(stdout, "demo: loaded %s in %s (seed %d); staff password %q\n",
		plural(n, "customer", "customers"), time.Since(start).Round(time.Millisecond), seed, demoPassword)
	return true, nil
}
