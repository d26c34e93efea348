package main

import (
	"context"
	"errors"
	"io"
)

// cmdImport: temporary, filled in by the import work.
func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return errors.New("import: not written yet")
}
