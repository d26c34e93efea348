package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/auth"
)

// TestUserMFAReset: `guanxi user mfa-reset NAME` removes a locked-out
// administrator's second factor, audited once as mfa.disable by "cli".
func TestUserMFAReset(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	c := config{Data: data}
	s, a, err := openApp(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Staff.Bootstrap(ctx, "boss", "Boss-Password-2026"); err != nil {
		t.Fatal(err)
	}
	u, err := s.UserByUsername(ctx, "boss")
	if err != nil {
		t.Fatal(err)
	}
	m, err := a.Auth.BeginMFA(ctx, u.Actor(""), false)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := auth.DecodeTOTPSecret(m.Secret)
	if _, err := a.Auth.ConfirmMFA(ctx, u.Actor(""), auth.HOTP(key, auth.TOTPStep(time.Now()), auth.TOTPDigits)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	var out strings.Builder
	if err := run(ctx, []string{"user", "mfa-reset", "boss", "--data", data}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("mfa-reset: %v", err)
	}
	if !strings.Contains(out.String(), "boss") {
		t.Fatalf("output %q", out.String())
	}
	if err := run(ctx, []string{"user", "mfa-reset", "--data", data, "boss"}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("a second reset reported success")
	}
	if err := run(ctx, []string{"user", "mfa-reset", "--data", data, "nobody"}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("reset of an unknown user reported success")
	}

	s, err = openStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.MFA(ctx, u.ID); err == nil {
		t.Fatal("the factor is still there")
	}
	var n int
	var actor, detail string
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*), MAX(actor_name), MAX(detail) FROM audit_log WHERE action = 'mfa.disable'").Scan(&n, &actor, &detail); err != nil {
		t.Fatal(err)
	}
	if n != 1 || actor != "cli" || !strings.Contains(detail, `"reset":true`) {
		t.Fatalf("audit: %d rows, actor %q, detail %s", n, actor, detail)
	}
}
