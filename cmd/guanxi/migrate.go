package main

import (
	"context"
	"fmt"
	"io"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("migrate", getenv, &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := sqlstore.Open(ctx, c.dsn(), sqlstore.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	n, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migrate: %s applied (%s)\n", plural(n, "migration", "migrations"), s.Dialect())
	return nil
}
