package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// benchAdminPassword is the password of the fresh database's administrator.
const benchAdminPassword = "Guanxi-Bench-2026"

// productDB is a fresh migrated Guanxi database with one administrator,
// as a first `guanxi serve` leaves it.
type productDB struct {
	s     *sqlstore.Store
	a     *app.App
	actor guanxi.Actor
}

func openProductDB(ctx context.Context, dsn string, syncNormal bool) (*productDB, error) {
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{SyncNormal: syncNormal})
	if err != nil {
		return nil, err
	}
	p := &productDB{s: s}
	if err := p.setup(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return p, nil
}

func (p *productDB) setup(ctx context.Context) error {
	if _, err := p.s.Migrate(ctx); err != nil {
		return err
	}
	a, err := buildApp(ctx, p.s, newLogger())
	if err != nil {
		return err
	}
	p.a = a
	if _, err := a.Staff.Bootstrap(ctx, "admin", benchAdminPassword); err != nil {
		return err
	}
	u, err := p.s.UserByUsername(ctx, "admin")
	if err != nil {
		return err
	}
	p.actor = u.Actor("bench")
	return nil
}

func (p *productDB) Close() error { return p.s.Close() }

// benchImportOptions is what a user picks for a first import of an archive:
// create customers, columns mapped from the headers, duplicates by mobile
// skipped, bad rows skipped and reported.
func benchImportOptions() bulk.Options {
	return bulk.Options{Entity: bulk.Customers, Mode: bulk.ModeCreate, Key: bulk.KeyMobile,
		OnError: bulk.ErrorsSkip, OnDuplicate: bulk.DupSkip}
}

// productImport runs one import of path through the importer the way the
// web UI and the CLI do (upload, preview with the automatic mapping,
// start, run to the end) and returns the finished import.
func (p *productDB) productImport(ctx context.Context, path string) (bulk.Import, error) {
	imp := p.a.Imports
	f, err := os.Open(path)
	if err != nil {
		return bulk.Import{}, err
	}
	defer f.Close()
	im, err := imp.Upload(ctx, p.actor, filepath.Base(path), f)
	if err != nil {
		return im, fmt.Errorf("upload: %w", err)
	}
	o := benchImportOptions()
	pv, err := imp.Preview(ctx, p.actor, im.ID, o, 0)
	if err != nil {
		return im, fmt.Errorf("preview: %w", err)
	}
	if pv.MappingErr != nil {
		return im, fmt.Errorf("mapping: %w", pv.MappingErr)
	}
	o.Mapping = pv.Mapping
	if pv.Import.ID != 0 {
		im = pv.Import
	}
	if im, err = imp.Start(ctx, p.actor, im.ID, im.Version, o); err != nil {
		return im, fmt.Errorf("start: %w", err)
	}
	// RunOne runs both passes here, synchronously, as the CLI does.
	if im, err = imp.RunOne(ctx, im.ID); err != nil {
		return im, fmt.Errorf("run: %w", err)
	}
	if im.Status != bulk.StatusDone {
		return im, fmt.Errorf("import #%d ended %s (%s)", im.ID, im.Status, im.ErrorKey)
	}
	return im, nil
}

// convertOnly is a diagnostic, not a ceiling: the import's first half
// alone (open and sniff the file, map it by its headers, convert and
// validate every row) with no database, to tell the import's Go-side cost
// from its writes. A row with problems is an error: the generated file is
// meant to be clean.
func convertOnly(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	r, err := bulk.Open(f, st.Size(), filepath.Base(path), "", bulk.DefaultLimits())
	if err != nil {
		return 0, err
	}
	defer r.Close()
	o := benchImportOptions()
	o.Mapping = bulk.AutoMap(bulk.Customers, r.Header(), nil)
	c, err := bulk.NewConverter(r.Header(), o, nil)
	if err != nil {
		return 0, err
	}
	var n, bad int64
	var first bulk.Problem
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
		if _, probs := c.Convert(row); len(probs) > 0 {
			if bad == 0 {
				first = probs[0]
			}
			bad++
		}
		n++
	}
	if bad > 0 {
		return n, fmt.Errorf("%d rows with problems; first: line %d column %q %s %v value %q",
			bad, first.Line, first.Header, first.Key, first.Args, first.Value)
	}
	return n, nil
}
