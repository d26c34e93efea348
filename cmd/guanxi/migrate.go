package main

import (
	"context"
	"fmt"
	"io"
)

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("migrate", getenv, &c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, n, err := openWithKeys(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(stdout, "migrate: %s applied (%s)\n", plural(n, "migration", "migrations"), s.Dialect())
	return nil
}
