package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/guanxi-crm/guanxi"
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
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	return loadDemo(ctx, s, c.DemoCustomers, c.Seed, stdout)
}

// loadDemo fills an empty database; a database with customers is left alone.
func loadDemo(ctx context.Context, s *sqlstore.Store, n int, seed uint64, stdout io.Writer) error {
	hash, err := auth.HashPassword(demoPassword)
	if err != nil {
		return err
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
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo: loaded %s in %s (seed %d); staff password %q\n",
		plural(n, "customer", "customers"), time.Since(start).Round(time.Millisecond), seed, demoPassword)
	return nil
}
