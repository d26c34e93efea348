package main

import (
	"context"
	"fmt"
	"io"
)

func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: guanxi audit verify")
	}
	var c config
	fs := baseFlags("audit verify", getenv, &c)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	broken, checked, err := s.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if broken != 0 {
		fmt.Fprintf(stdout, "audit: chain BROKEN at seq %d (%d rows verified before it)\n", broken, checked)
		return fmt.Errorf("audit chain broken at seq %d", broken)
	}
	fmt.Fprintf(stdout, "audit: chain intact, %d rows verified\n", checked)
	return nil
}
