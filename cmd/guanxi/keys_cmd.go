package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// cmdKeys is `guanxi keys status|rotate|reseal` (encryption at rest,
// TESTPLAN D10).
func cmdKeys(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: want status, rotate or reseal")
	}
	sub := args[0]
	var c config
	fs := baseFlags("keys "+sub, getenv, &c)
	grace := fs.Duration("grace", 3*time.Second, "time running servers get to pick up the changed key file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if _, _, err := keyRing(c, false); err != nil {
		return err
	}
	s, _, err := openWithKeys(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "status":
		return keysStatus(ctx, s, c, stdout)
	case "rotate":
		id, err := fieldcrypt.AddPrimary(c.keyPath())
		if err != nil {
			return err
		}
		s.Keys().Reload()
		if err := s.CheckKeys(ctx); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "keys: key %d added to %s and made primary\n", id, c.keyPath())
		return keysReseal(ctx, s, c, *grace, getenv, stdout)
	case "reseal":
		return keysReseal(ctx, s, c, *grace, getenv, stdout)
	}
	return fmt.Errorf("keys: unknown subcommand %q (want status, rotate or reseal)", sub)
}

func keysStatus(ctx context.Context, s *sqlstore.Store, c config, stdout io.Writer) error {
	counts, err := s.SealedCounts(ctx)
	if err != nil {
		return err
	}
	ids := s.Keys().IDs()
	slices.Sort(ids)
	fmt.Fprintf(stdout, "key file %s: data keys %v, primary %d\n", c.keyPath(), ids, s.Keys().Primary())
	for _, col := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(stdout, "  %s:", col)
		m := counts[col]
		for _, id := range slices.Sorted(maps.Keys(m)) {
			if id == 0 {
				fmt.Fprintf(stdout, " plaintext %d", m[id])
			} else {
				fmt.Fprintf(stdout, " key %d: %d", id, m[id])
			}
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// keysReseal re-seals every value under the primary key while servers run:
// it waits grace so they pick up the key file, re-seals the sealed columns
// and the sealed copies (import files, rejected rows, undo images, export
// files, merge snapshots), waits again for writes that were in flight on
// the old key, and repeats until no value names an old key; then it drops
// the old keys from the key file and records the rotation in the audit log.
func keysReseal(ctx context.Context, s *sqlstore.Store, c config, grace time.Duration, getenv func(string) string, stdout io.Writer) error {
	primary := s.Keys().Primary()
	total := 0
	for pass := 0; ; pass++ {
		if err := sleepCtx(ctx, grace); err != nil {
			return err
		}
		n, err := s.Reseal(ctx)
		total += n
		if err != nil {
			return err
		}
		counts, err := s.SealedCounts(ctx)
		if err != nil {
			return err
		}
		left := 0
		for id, k := range namedKeys(counts) {
			if id != primary {
				left += k
			}
		}
		if left == 0 && n == 0 {
			break
		}
		if pass == 5 {
			return fmt.Errorf("keys: %d values are still written under an old key: copy %s to every instance, then run `guanxi keys reseal`", left, c.keyPath())
		}
	}
	// The safety check, counted afresh right before the drop: a key that
	// any stored value still names (a straggler wrote it since) stays.
	counts, err := s.SealedCounts(ctx)
	if err != nil {
		return err
	}
	named := namedKeys(counts)
	var old, kept []uint32
	for _, id := range s.Keys().IDs() {
		switch {
		case id == primary:
		case named[id] > 0:
			kept = append(kept, id)
		default:
			old = append(old, id)
		}
	}
	slices.Sort(old)
	slices.Sort(kept)
	if len(old) > 0 {
		if err := fieldcrypt.DropKeys(c.keyPath(), old); err != nil {
			return err
		}
		if err := s.ForgetKeys(ctx, old); err != nil {
			return err
		}
	}
	e := audit.New(privacyActor(getenv), audit.ActionKeyRotate, "key", int64(primary),
		map[string]any{"primary": primary, "resealed": total, "retired": old, "kept": kept})
	if err := s.Audit(ctx, e); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "keys: %d values re-sealed under key %d; retired keys %v removed from %s\n", total, primary, old, c.keyPath())
	if len(kept) > 0 {
		fmt.Fprintf(stdout, "keys: keys %v kept: values written since still use them; run `guanxi keys reseal` again\n", kept)
	}
	return nil
}

// namedKeys sums the counts of every sealed column and copy by key id,
// plaintext (0) left out: the keys some stored value still needs.
func namedKeys(counts map[string]map[uint32]int) map[uint32]int {
	out := map[uint32]int{}
	for _, m := range counts {
		for id, k := range m {
			if id != 0 && k > 0 {
				out[id] += k
			}
		}
	}
	return out
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
