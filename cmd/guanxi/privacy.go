package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

const privacyUsage = `usage: guanxi privacy export --customer NUMBER --format json|csv --out FILE
       guanxi privacy erase --customer NUMBER --reason subject_request|consent_withdrawn|purpose_fulfilled|retention_expired|unlawful`

// privacyActor is the system actor of these commands, named after the OS
// user so the audit row says who ran them.
func privacyActor(getenv func(string) string) guanxi.Actor {
	name := getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown"
	}
	return guanxi.SystemActor("cli:" + name)
}

// cmdPrivacy runs a subject access export or an erasure for one customer,
// audited like the same action in the UI.
func cmdPrivacy(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "export" && args[0] != "erase") {
		return errors.New(privacyUsage)
	}
	var c config
	fs := baseFlags("privacy "+args[0], getenv, &c)
	number := fs.String("customer", "", "customer number")
	format := fs.String("format", privacy.FormatJSON, "export: json, or csv (a zip of one CSV per table)")
	out := fs.String("out", "", "export: output file")
	reason := fs.String("reason", "", "erase: reason code")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n%s", err, privacyUsage)
	}
	if *number == "" {
		return errors.New("--customer is required\n" + privacyUsage)
	}
	s, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	a := privacyActor(getenv)
	id, err := privacyCustomerID(ctx, s, a, *number)
	if err != nil {
		return err
	}
	ps := &privacy.Service{Store: s}
	if args[0] == "erase" {
		if err := ps.Erase(ctx, a, id, *reason, *number); err != nil {
			if errors.Is(err, privacy.ErrLegalHold) {
				return fmt.Errorf("customer %s is under a legal hold: release it first", *number)
			}
			return err
		}
		fmt.Fprintf(stdout, "customer %s erased\n", *number)
		return nil
	}
	if *out == "" {
		return errors.New("--out is required\n" + privacyUsage)
	}
	doc, err := ps.Export(ctx, a, id, *format)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if *format == privacy.FormatCSV {
		err = doc.WriteCSVZip(f)
	} else {
		err = doc.WriteJSON(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	rows := 0
	for _, t := range doc.Tables {
		rows += len(t.Rows)
	}
	fmt.Fprintf(stdout, "wrote %s: %d tables, %d rows\n", *out, len(doc.Tables), rows)
	return nil
}

func privacyCustomerID(ctx context.Context, s *sqlstore.Store, a guanxi.Actor, number string) (guanxi.ID, error) {
	id, err := s.PrivacyCustomerID(ctx, a, number)
	if err != nil {
		return 0, fmt.Errorf("customer %s not found", number)
	}
	return id, nil
}
