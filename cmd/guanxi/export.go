package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

const exportUsage = "usage: guanxi export customers --out FILE.xlsx|FILE.csv [--q TEXT] [--filter JSON] [--saved ID] [--sort FIELD] [--as USERNAME] [--unmasked --reason TEXT] [--include holdings,transactions,interactions] [--lang zh-CN|en]"

// cmdExport writes a customer list to a file, whatever its size, as the
// operator (or as --as USERNAME, with that user's scope and masking); the
// export is audited like one from the UI.
func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != bulk.ExportCustomers {
		return errors.New(exportUsage)
	}
	var c config
	fs := baseFlags("export customers", getenv, &c)
	out := fs.String("out", "", "output file; .xlsx or .csv picks the format")
	q := fs.String("q", "", "search text, as in the list's search box")
	filter := fs.String("filter", "", "filter in the JSON filter language")
	saved := fs.Int64("saved", 0, "saved filter id (of the --as user)")
	sort := fs.String("sort", "", "sort field, - prefixed for descending")
	as := fs.String("as", "", "export as this user (scope and masking); default: the operator, who sees everything masked")
	unmasked := fs.Bool("unmasked", false, "include the sensitive fields the user may reveal, in clear (needs --reason)")
	reason := fs.String("reason", "", "why the export is unmasked (audited)")
	lang := fs.String("lang", "", "language of headers and labels (default: the user's, else zh-CN)")
	include := fs.String("include", "", "extra .xlsx sheets: holdings,transactions,interactions")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n%s", err, exportUsage)
	}
	var format bulk.Format
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".xlsx":
		format = bulk.FormatXLSX
	case ".csv":
		format = bulk.FormatCSV
	default:
		return errors.New("--out must name a .xlsx or .csv file\n" + exportUsage)
	}
	s, a, err := openApp(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	defer a.Access.Close() // the exported customers' access rows, before the store closes
	actor := guanxi.SystemActor("cli")
	actor.Lang = i18n.Default
	if *as != "" {
		u, err := s.UserByUsername(ctx, *as)
		if err != nil {
			return fmt.Errorf("--as %s: %s", *as, a.I18n.T("en", guanxi.AsError(err).Key, nil))
		}
		if u.Disabled {
			return fmt.Errorf("--as %s: the user is disabled", *as)
		}
		actor = u.Actor("cli")
	}
	if *lang == "" {
		*lang = actor.Lang
	}
	req := bulk.ExportRequest{Kind: bulk.ExportCustomers, Format: format, Q: *q, Sort: *sort, SavedFilterID: *saved,
		Unmasked: *unmasked, Reason: *reason, Lang: *lang}
	if *filter != "" {
		req.Filter = []byte(*filter)
	}
	if *include != "" {
		req.Include = strings.Split(*include, ",")
	}
	// Write next to the target and rename at the end: a failed export
	// leaves no half file behind.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".guanxi-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 256<<10)
	start := time.Now()
	last := start
	n, err := a.Exports.WriteTo(ctx, actor, req, bw, func(rows int64) {
		if now := time.Now(); now.Sub(last) >= time.Second {
			last = now
			fmt.Fprintf(stdout, "export: %d rows (%.0f rows/s)\n", rows, float64(rows)/now.Sub(start).Seconds())
		}
	})
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if ge := guanxi.AsError(err); ge.Kind != guanxi.KindInternal {
			msg := a.I18n.T("en", ge.Key, ge.Args)
			for _, f := range ge.Fields {
				msg += "; " + f.Field + ": " + a.I18n.T("en", f.Key, f.Args)
			}
			return errors.New("export: " + msg)
		}
		return err
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(stdout, "export: %s to %s in %s (%s rows/s)\n", plural(int(n), "row", "rows"), *out,
		d.Round(time.Millisecond), strconv.FormatFloat(float64(n)/max(d.Seconds(), 1e-9), 'f', 0, 64))
	return nil
}
