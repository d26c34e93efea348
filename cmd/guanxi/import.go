package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

const importUsage = "usage: guanxi import customers|contacts|holdings|transactions|interactions FILE [--db DSN] [--data DIR] " +
	"[--as USERNAME] [--mapping TEMPLATE] [--mode create|update|upsert] [--key number|id_number|mobile|phone] " +
	"[--on-error abort|skip] [--duplicates skip|update|review] [--sheet NAME] [--dry-run] [--report PATH] [--lang zh-CN|en]"

// importCLI is one run of the import command.
type importCLI struct {
	a      *app.App
	imp    *bulk.Importer
	actor  guanxi.Actor
	lang   string
	out    io.Writer
	tty    bool
	report string
}

func (c *importCLI) t(key string, args map[string]any) string { return c.a.I18n.T(c.lang, key, args) }

func (c *importCLI) say(key string, args map[string]any) { fmt.Fprintln(c.out, c.t(key, args)) }

// errText renders a guanxi error with its field errors in the CLI's language.
func (c *importCLI) errText(err error) error {
	ge := guanxi.AsError(err)
	if ge.Kind == guanxi.KindInternal {
		return err
	}
	msg := c.t(ge.Key, ge.Args)
	for _, f := range ge.Fields {
		msg += "; " + f.Field + ": " + c.t(f.Key, f.Args)
	}
	return errors.New(msg)
}

// cmdImport loads a file as a user (default the first admin): upload,
// map, start and run it here with a progress display, then a summary and
// the error report next to the file. Imports left running by a process
// that died are resumed first.
func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) < 1 || !slices.Contains(bulk.Entities, bulk.Entity(args[0])) {
		return errors.New(importUsage)
	}
	entity := bulk.Entity(args[0])
	var c config
	fs := baseFlags("import", getenv, &c)
	as := fs.String("as", "", "import as this user (scope, owner of new customers); default the first administrator")
	mapping := fs.String("mapping", "", "name of a saved mapping template (default: map by the headers)")
	mode := fs.String("mode", "create", "create, update or upsert")
	key := fs.String("key", "", "number, id_number, mobile (phone): identifies customers (default: mobile when mapped)")
	onError := fs.String("on-error", "skip", "abort (a bad row writes nothing) or skip (bad rows are reported)")
	dups := fs.String("duplicates", "skip", "a row whose key exists: skip, update or review (create and queue for merge)")
	sheet := fs.String("sheet", "", ".xlsx sheet (default the first)")
	dry := fs.Bool("dry-run", false, "only check the file: nothing is written to customers")
	report := fs.String("report", "", "error report path (.csv or .xlsx; default next to the file)")
	lang := fs.String("lang", "", "language of messages and the report (default the user's)")
	batch := fs.Int("batch", 0, "rows per write transaction (tuning; default 2000)")
	deferAt := fs.Int64("defer-tokens-at", 0, "imports of at least this many rows build the search index at the end (tuning; default 20000)")
	lease := fs.Duration("lease", 0, "how long a stopped run holds the import before another may resume it (tuning; default 15s)")
	rest := args[1:]
	var file string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("%w\n%s", err, importUsage)
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" {
		return errors.New(importUsage)
	}
	if getenv("GOMEMLIMIT") == "" {
		// Keep the collector ahead of a long import's garbage: the goal is
		// a 1M-row file in under 300 MB (SQLite's caches come on top).
		debug.SetMemoryLimit(160 << 20)
	}
	s, a, err := openApp(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	cli := &importCLI{a: a, imp: a.Imports, out: stdout, report: *report}
	if *batch > 0 {
		cli.imp.Batch = *batch
	}
	if *deferAt > 0 {
		cli.imp.DeferTokensAt = *deferAt
	}
	if *lease > 0 {
		cli.imp.Lease = *lease
	}
	if f, ok := stdout.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			cli.tty = true
		}
	}
	if cli.actor, err = importActor(ctx, a, *as); err != nil {
		return err
	}
	cli.lang = *lang
	if cli.lang == "" {
		cli.lang = cli.actor.Lang
	}
	if !slices.Contains(i18n.Langs, cli.lang) {
		cli.lang = i18n.Default
	}
	if err := cli.resume(ctx); err != nil {
		return err
	}
	o := bulk.Options{Entity: entity, Mode: bulk.Mode(*mode), Key: bulk.Key(*key), OnError: bulk.OnError(*onError),
		OnDuplicate: bulk.OnDuplicate(*dups), Sheet: *sheet}
	return cli.run(ctx, file, o, *mapping, *dry)
}

// importActor is --as, or the first active administrator.
func importActor(ctx context.Context, a *app.App, username string) (guanxi.Actor, error) {
	sys := guanxi.SystemActor("cli")
	users, err := a.Staff.ListUsers(ctx, sys, staff.UserQuery{Role: guanxi.RoleAdmin})
	if username != "" {
		users, err = a.Staff.ListUsers(ctx, sys, staff.UserQuery{Q: username, IncludeDisabled: true})
	}
	if err != nil {
		return guanxi.Actor{}, err
	}
	slices.SortFunc(users, func(x, y staff.User) int { return int(x.ID - y.ID) })
	for _, u := range users {
		if (username == "" || u.Username == strings.ToLower(username)) && !u.Disabled {
			return u.Actor("cli"), nil
		}
	}
	if username != "" {
		return guanxi.Actor{}, fmt.Errorf("--as %s: no such active user", username)
	}
	return guanxi.Actor{}, errors.New("no active administrator: create one or pass --as")
}

// resume finishes imports whose runner died (expired lease) before this one
// starts, saying so.
func (c *importCLI) resume(ctx context.Context) error {
	admin := guanxi.SystemActor("cli")
	list, err := c.imp.List(ctx, admin, 200, 0)
	if err != nil {
		return err
	}
	for _, im := range list {
		if im.Status != bulk.StatusRunning {
			continue
		}
		got, err := c.watch(ctx, im, func(ctx context.Context) (bulk.Import, error) { return c.imp.RunOne(ctx, im.ID) })
		switch {
		case guanxi.KindOf(err) == guanxi.KindConflict:
			c.say("import.cli.busy", map[string]any{"id": im.ID, "file": im.FileName})
		case err != nil:
			return err
		default:
			c.say("import.cli.resumed", map[string]any{"id": got.ID, "file": got.FileName, "status": c.t("import.status."+string(got.Status), nil)})
		}
	}
	return nil
}

func (c *importCLI) run(ctx context.Context, file string, o bulk.Options, template string, dry bool) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	up, err := c.imp.Upload(ctx, c.actor, filepath.Base(file), f)
	f.Close()
	if err != nil {
		return c.errText(err)
	}
	c.say("import.cli.uploaded", map[string]any{"id": up.ID, "file": up.FileName, "format": up.Info.Format,
		"encoding": up.Info.Encoding})
	var tid guanxi.ID
	if template != "" {
		ts, err := c.imp.Templates(ctx, c.actor, o.Entity)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.Name == template {
				tid = t.ID
			}
		}
		if tid == 0 {
			return errors.New(c.t("import.cli.no_template", map[string]any{"name": template}))
		}
	}
	pv, err := c.imp.Preview(ctx, c.actor, up.ID, o, tid)
	if err != nil {
		return c.errText(err)
	}
	var pairs []string
	for i, k := range pv.Mapping {
		if k != "" && i < len(pv.Header) {
			pairs = append(pairs, pv.Header[i]+"→"+k)
		}
	}
	c.say("import.cli.mapping", map[string]any{"mapping": strings.Join(pairs, ", ")})
	if pv.MappingErr != nil {
		return c.errText(pv.MappingErr)
	}
	o = pv.Import.Options
	if dry {
		start := time.Now()
		res, err := c.imp.Check(ctx, c.actor, up.ID, o, func(rows int64) {
			if c.tty {
				fmt.Fprintf(c.out, "\r%s", c.t("import.cli.checking", map[string]any{"rows": rows}))
			}
		})
		if c.tty {
			fmt.Fprintln(c.out)
		}
		if err != nil {
			return c.errText(err)
		}
		c.say("import.cli.checked", map[string]any{"rows": res.Total, "bad": res.Bad, "skipped": res.Skipped,
			"seconds": fmt.Sprintf("%.1f", time.Since(start).Seconds())})
		return c.writeReport(file, res.Header, res.Problems)
	}
	if _, err := c.imp.Start(ctx, c.actor, up.ID, up.Version, o); err != nil {
		return c.errText(err)
	}
	im, err := c.watch(ctx, up, func(ctx context.Context) (bulk.Import, error) {
		im, err := c.imp.RunOne(ctx, up.ID)
		// A server's runner on the same database took it first: follow it.
		for guanxi.KindOf(err) == guanxi.KindConflict || (err == nil && (im.Status == bulk.StatusQueued || im.Status == bulk.StatusRunning)) {
			select {
			case <-ctx.Done():
				return im, ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
			im, err = c.imp.Get(ctx, c.actor, up.ID)
		}
		return im, err
	})
	if ctx.Err() != nil {
		c.say("import.cli.interrupted", map[string]any{"id": up.ID})
		return ctx.Err()
	}
	if err != nil {
		return c.errText(err)
	}
	d := time.Duration(0)
	if im.StartedAt != nil && im.FinishedAt != nil {
		d = im.FinishedAt.Sub(*im.StartedAt)
	}
	c.say("import.cli.summary", map[string]any{"id": im.ID, "status": c.t("import.status."+string(im.Status), nil),
		"rows": im.RowsTotal, "created": im.Created, "updated": im.Updated, "skipped": im.Skipped, "bad": im.Bad,
		"review": im.Review, "seconds": fmt.Sprintf("%.1f", d.Seconds()), "rate": fmt.Sprintf("%.0f", im.Rate(time.Now()))})
	if im.Bad+im.Skipped > 0 {
		if err := c.reportFromStore(ctx, file, im.ID); err != nil {
			return err
		}
	}
	if im.Status != bulk.StatusDone {
		key := im.ErrorKey
		if key == "" {
			key = "import.status." + string(im.Status)
		}
		return errors.New(c.t(key, nil))
	}
	return nil
}

// watch runs fn while showing the import's progress: a bar redrawn in
// place on a terminal, a plain line every few seconds otherwise.
func (c *importCLI) watch(ctx context.Context, im bulk.Import, fn func(context.Context) (bulk.Import, error)) (bulk.Import, error) {
	type result struct {
		im  bulk.Import
		err error
	}
	done := make(chan result, 1)
	go func() {
		got, err := fn(ctx)
		done <- result{got, err}
	}()
	every := 3 * time.Second
	if c.tty {
		every = 200 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	drawn := false
	for {
		select {
		case r := <-done:
			if drawn && c.tty {
				fmt.Fprintln(c.out)
			}
			return r.im, r.err
		case <-tick.C:
			cur, meta, err := c.imp.Status(context.WithoutCancel(ctx), guanxi.SystemActor("cli"), im.ID)
			if err != nil {
				continue
			}
			line := c.progressLine(cur, meta)
			if c.tty {
				fmt.Fprintf(c.out, "\r%s\x1b[K", line)
			} else {
				fmt.Fprintln(c.out, line)
			}
			drawn = true
		}
	}
}

func (c *importCLI) progressLine(im bulk.Import, meta bulk.ImportMeta) string {
	switch meta.Phase {
	case bulk.PhaseValidate:
		return c.t("import.cli.checking", map[string]any{"rows": im.RowsTotal})
	case bulk.PhaseRollback, bulk.PhaseUndo:
		return c.t("import.cli.reverting", map[string]any{"removed": meta.Removed, "restored": meta.Restored, "kept": meta.Kept})
	}
	now := time.Now()
	pct := 0.0
	if im.RowsTotal > 0 {
		pct = float64(im.RowsDone) / float64(im.RowsTotal)
	}
	const width = 24
	n := int(pct * width)
	bar := "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
	return bar + " " + c.t("import.cli.progress", map[string]any{"pct": fmt.Sprintf("%3.0f", pct*100),
		"done": im.RowsDone, "total": im.RowsTotal, "rate": fmt.Sprintf("%.0f", im.Rate(now)),
		"bad": im.Bad, "eta": im.Remaining(now).Round(time.Second).String()})
}

// reportPath is --report, or FILE.errors.csv (.xlsx for an .xlsx file)
// next to the imported file.
func (c *importCLI) reportPath(file string) (string, bulk.Format) {
	p := c.report
	if p == "" {
		ext := ".csv"
		if strings.EqualFold(filepath.Ext(file), ".xlsx") {
			ext = ".xlsx"
		}
		p = strings.TrimSuffix(file, filepath.Ext(file)) + ".errors" + ext
	}
	if strings.EqualFold(filepath.Ext(p), ".xlsx") {
		return p, bulk.FormatXLSX
	}
	return p, bulk.FormatCSV
}

func (c *importCLI) reportFromStore(ctx context.Context, file string, id guanxi.ID) error {
	path, format := c.reportPath(file)
	return c.writeFile(path, func(w io.Writer) error {
		return c.imp.Report(ctx, c.actor, id, format, w, c.t)
	})
}

func (c *importCLI) writeReport(file string, header []string, rows []bulk.ProblemRow) error {
	if len(rows) == 0 {
		return nil
	}
	path, format := c.reportPath(file)
	return c.writeFile(path, func(w io.Writer) error {
		if format == bulk.FormatXLSX {
			return bulk.WriteProblemsXLSX(w, header, rows, c.t)
		}
		return bulk.WriteProblemsCSV(w, header, rows, c.t)
	})
}

// writeFile writes through a temporary file renamed at the end, so a failed
// report leaves no half file.
func (c *importCLI) writeFile(path string, fn func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".guanxi-report-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = fn(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	c.say("import.cli.report", map[string]any{"path": path})
	return nil
}
