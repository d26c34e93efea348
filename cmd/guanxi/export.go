package main

import (
	"context"
	"errors"
	"io"
)

// cmdExport: temporary, filled in by the export work.
func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return errors.New("export: not written yet")
}
