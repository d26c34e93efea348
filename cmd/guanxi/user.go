package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

const userUsage = `usage: guanxi user create --username NAME --name NAME --role ROLE [--unit ID] [--password-stdin]
       guanxi user mfa-reset USERNAME`

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "mfa-reset" {
		return cmdUserMFAReset(ctx, args[1:], getenv, stdout)
	}
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%s", userUsage)
	}
	var c config
	fs := baseFlags("user create", getenv, &c)
	username := fs.String("username", "", "sign-in name")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "agent", "admin, manager, agent, credit or auditor")
	unit := fs.Int64("unit", 0, "org unit id (default: the head office)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, a, err := openApp(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	sys := guanxi.SystemActor("cli")
	if *unit == 0 {
		units, err := a.Staff.ListUnits(ctx, sys)
		if err != nil {
			return err
		}
		if len(units) == 0 {
			return fmt.Errorf("no org unit yet: start `guanxi serve` once to create the head office")
		}
		*unit = units[0].ID
	}
	pw, generated := randomPassword(), true
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password: %w", err)
		}
		pw, generated = strings.TrimRight(line, "\r\n"), false
	}
	u := &staff.User{Username: *username, Name: *name, Role: guanxi.Role(*role), OrgUnitID: *unit}
	if err := a.Staff.CreateUser(ctx, sys, u, pw); err != nil {
		return describe(a, err)
	}
	fmt.Fprintf(stdout, "user %q created (id %d, role %s)\n", u.Username, u.ID, u.Role)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n", pw)
	}
	return nil
}

// cmdUserMFAReset removes a user's second factor, for an administrator
// locked out by a lost phone; audited as mfa.disable by "cli".
func cmdUserMFAReset(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var c config
	fs := baseFlags("user mfa-reset", getenv, &c)
	// The username may come before or after the flags.
	var name []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[:1], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := append(name, fs.Args()...)
	if len(rest) != 1 {
		return fmt.Errorf("%s", userUsage)
	}
	s, a, err := openApp(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByUsername(ctx, strings.ToLower(strings.TrimSpace(rest[0])))
	if err != nil {
		return fmt.Errorf("user %q: %w", rest[0], describe(a, err))
	}
	if err := a.Auth.ResetMFA(ctx, guanxi.SystemActor("cli"), u.ID); err != nil {
		return fmt.Errorf("user %q: %w", u.Username, describe(a, err))
	}
	fmt.Fprintf(stdout, "two-step verification of %s removed; they sign in with the password alone until they set it up again\n", u.Username)
	return nil
}

func cmdToken(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: guanxi token create --user NAME [--name LABEL]")
	}
	var c config
	fs := baseFlags("token create", getenv, &c)
	username := fs.String("user", "", "user the token acts as")
	label := fs.String("name", "cli", "label to recognise the token by")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, a, err := openApp(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByUsername(ctx, strings.ToLower(strings.TrimSpace(*username)))
	if err != nil {
		return fmt.Errorf("user %q: %w", *username, describe(a, err))
	}
	plain, _, err := a.Auth.CreateToken(ctx, guanxi.SystemActor("cli"), u.ID, *label)
	if err != nil {
		return describe(a, err)
	}
	fmt.Fprintf(stdout, "API token for %s (shown once; store it now):\n%s\n", u.Username, plain)
	return nil
}
