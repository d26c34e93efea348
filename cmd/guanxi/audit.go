package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
)

const auditUsage = `usage: guanxi audit verify
       guanxi audit breach --user U --from T1 --to T2 [--format text|csv]   (T: RFC 3339 or YYYY-MM-DD, UTC; T2 excluded)`

func cmdAudit(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", auditUsage)
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(ctx, args[1:], getenv, stdout)
	case "breach":
		return cmdAuditBreach(ctx, args[1:], getenv, stdout)
	}
	return fmt.Errorf("%s", auditUsage)
}

func cmdAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("audit verify", getenv, &c)
	if err := fs.Parse(args); err != nil {
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

func cliTime(flag, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("--%s: want RFC 3339 or YYYY-MM-DD, got %q", flag, s)
}

// cmdAuditBreach answers "which customers did user U read, list, search,
// export or reveal in [from, to)"; the query is audited as the operator.
func cmdAuditBreach(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("audit breach", getenv, &c)
	user := fs.String("user", "", "user id or sign-in name")
	from := fs.String("from", "", "start (included)")
	to := fs.String("to", "", "end (excluded)")
	format := fs.String("format", "text", "text or csv")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *user == "" || *from == "" || *to == "" || (*format != "text" && *format != "csv") {
		return fmt.Errorf("%s", auditUsage)
	}
	var q accesslog.BreachQuery
	var err error
	if q.From, err = cliTime("from", *from); err != nil {
		return err
	}
	if q.To, err = cliTime("to", *to); err != nil {
		return err
	}
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	b := &accesslog.Breach{Store: s}
	if q.UserID, err = b.ResolveUser(ctx, *user); err != nil {
		return fmt.Errorf("--user %q: unknown user", *user)
	}
	cw := csv.NewWriter(stdout)
	if *format == "csv" {
		head := []string{"customer_id", "number", "name", "total"}
		for _, v := range accesslog.Vias {
			head = append(head, string(v))
		}
		cw.Write(append(head, "first", "last"))
	}
	n := 0
	err = b.Run(ctx, guanxi.SystemActor("cli"), q, *format, func(r accesslog.BreachRow) error {
		n++
		if *format == "text" {
			_, err := fmt.Fprintf(stdout, "%d\t%s\t%s\t%d\t%s\t%s\n", r.CustomerID, r.Number, r.Name, r.Total,
				r.First.Format(time.RFC3339), r.Last.Format(time.RFC3339))
			return err
		}
		rec := []string{strconv.FormatInt(r.CustomerID, 10), csvCell(r.Number), csvCell(r.Name), strconv.FormatInt(r.Total, 10)}
		for _, v := range accesslog.Vias {
			rec = append(rec, strconv.FormatInt(r.Counts[v], 10))
		}
		return cw.Write(append(rec, r.First.Format(time.RFC3339Nano), r.Last.Format(time.RFC3339Nano)))
	})
	cw.Flush()
	if err != nil {
		return err
	}
	if *format == "text" {
		fmt.Fprintf(stdout, "breach: user %d, %s to %s: %d customers\n", q.UserID, q.From.Format(time.RFC3339), q.To.Format(time.RFC3339), n)
	}
	return cw.Error()
}

// csvCell defuses spreadsheet formulas in names (TESTPLAN C6).
func csvCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
