package sqlstore_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

var (
	_ scs.Store    = (*sqlstore.SessionStore)(nil)
	_ scs.CtxStore = (*sqlstore.SessionStore)(nil)
)

func TestLoginLockout(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		u := e.user(t, "li", guanxi.RoleAgent, e.head)

		got, err := e.au.Login(ctx, "LI", testPassword, "10.1.1.1")
		if err != nil || got.ID != u.ID || got.OrgPath != e.head.Path {
			t.Fatalf("login: %+v %v", got, err)
		}
		failed := func(err error) {
			t.Helper()
			ge := guanxi.AsError(err)
			if ge.Kind != guanxi.KindUnauthorized || ge.Key != "auth.login_failed" || ge.Args != nil || ge.Fields != nil {
				t.Fatalf("want the generic failure, got %v", err)
			}
		}
		_, err = e.au.Login(ctx, "nobody", testPassword, "10.1.1.1")
		failed(err)
		for i := 0; i < 5; i++ {
			e.now = e.now.Add(time.Minute)
			_, err = e.au.Login(ctx, "li", "wrong password "+itoa(int64(i)), "10.1.1.1")
			failed(err)
		}
		e.now = e.now.Add(time.Minute)
		_, err = e.au.Login(ctx, "li", testPassword, "10.1.1.1")
		failed(err) // locked: the right password is refused the same way
		if auditCount(t, s, "lockout") != 1 || auditCount(t, s, "login_failed") != 7 || auditCount(t, s, "login") != 1 {
			t.Fatalf("audit rows: lockout %d failed %d login %d", auditCount(t, s, "lockout"),
				auditCount(t, s, "login_failed"), auditCount(t, s, "login"))
		}
		// The attempted username is recorded, never the password.
		var details string
		rows, err := s.DB().QueryContext(ctx, "SELECT detail FROM audit_log")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var d string
			rows.Scan(&d)
			details += d
		}
		rows.Close()
		if strings.Contains(details, "wrong password") || strings.Contains(details, testPassword) || !strings.Contains(details, `"username":"nobody"`) {
			t.Fatalf("audit details: %s", details)
		}
		var attempts int
		s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM login_attempts").Scan(&attempts)
		if attempts != 8 {
			t.Fatalf("login_attempts rows %d", attempts)
		}
		// Unknown users lock too, so lockout does not reveal who exists.
		for i := 0; i < 6; i++ {
			_, err = e.au.Login(ctx, "ghost", "x", "10.1.1.2")
			failed(err)
		}
		if auditCount(t, s, "lockout") != 2 {
			t.Fatal("unknown user lockout not recorded")
		}
		// 30 minutes after the fifth failure the lock is over.
		e.now = e.now.Add(29 * time.Minute)
		if _, err := e.au.Login(ctx, "li", testPassword, "10.1.1.1"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		// An admin reset lifts a lock at once and forces a change.
		for i := 0; i < 5; i++ {
			_, err = e.au.Login(ctx, "li", "nope", "10.1.1.1")
			failed(err)
		}
		err = e.au.ResetPassword(ctx, e.admin, u.ID, "Reset-Password-2026")
		if err != nil {
			t.Fatal(err)
		}
		got, err = e.au.Login(ctx, "li", "Reset-Password-2026", "10.1.1.1")
		if err != nil || !got.MustChangePassword {
			t.Fatalf("after reset: %v %v", got.MustChangePassword, err)
		}
		// Disabled users get the generic failure too.
		cur, _ := s.UserByID(ctx, u.ID)
		if err := e.st.SetDisabled(ctx, e.admin, u.ID, cur.Version, true); err != nil {
			t.Fatal(err)
		}
		_, err = e.au.Login(ctx, "li", "Reset-Password-2026", "10.1.1.1")
		failed(err)
		_, err = e.au.UserForSession(ctx, u.ID)
		wantKind(t, err, guanxi.KindUnauthorized, "")
		verifyChain(t, s)
	})
}

func TestPasswordChangeAndHistory(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		u := e.user(t, "wang", guanxi.RoleAgent, e.head)
		me := u.Actor("10.0.0.9")
		if err := e.set.Set(ctx, e.admin, "auth.password_policy", "mlps3", 0); err != nil {
			t.Fatal(err)
		}
		wantKind(t, e.au.ChangePassword(ctx, me, "bad old", "Lanzhou-2026a"), guanxi.KindInvalid, "auth.password_wrong")
		wantKind(t, e.au.ChangePassword(ctx, me, testPassword, "lanzhou2026"), guanxi.KindInvalid, "auth.password_classes")
		wantKind(t, e.au.ChangePassword(ctx, me, testPassword, testPassword), guanxi.KindInvalid, "auth.password_reused")
		pws := []string{testPassword, "Lanzhou-2026a", "Lanzhou-2026b", "Lanzhou-2026c", "Lanzhou-2026d", "Lanzhou-2026e"}
		for i := 1; i < len(pws); i++ {
			if err := e.au.ChangePassword(ctx, me, pws[i-1], pws[i]); err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
		}
		// The last five may not come back; the sixth-oldest may.
		wantKind(t, e.au.ChangePassword(ctx, me, pws[5], pws[1]), guanxi.KindInvalid, "auth.password_reused")
		if err := e.au.ChangePassword(ctx, me, pws[5], pws[0]); err != nil {
			t.Fatalf("password older than the history: %v", err)
		}
		if auditCount(t, s, "password_change") != 6 || auditCount(t, s, "settings_change") != 1 {
			t.Fatal("password audit rows")
		}
		// mlps3: a password older than 90 days must be changed after sign-in.
		e.now = e.now.AddDate(0, 0, 91)
		got, err := e.au.Login(ctx, "wang", pws[0], "")
		if err != nil || !got.MustChangePassword {
			t.Fatalf("expired password: %v %v", got.MustChangePassword, err)
		}
		stored, _ := s.UserByID(ctx, u.ID)
		if !stored.MustChangePassword || stored.Version != got.Version {
			t.Fatalf("flag not stored: %+v", stored)
		}
		// Reset needs user.admin.
		wantKind(t, e.au.ResetPassword(ctx, me, u.ID, "Lanzhou-2026z"), guanxi.KindForbidden, "")
		verifyChain(t, s)
	})
}

func TestAPITokens(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		li := e.user(t, "li", guanxi.RoleAgent, e.head)
		zhao := e.user(t, "zhao", guanxi.RoleAgent, e.head)

		plain, tok, err := e.au.CreateToken(ctx, li.Actor(""), li.ID, "脚本")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, "gx_") || !strings.HasPrefix(plain, tok.Prefix) || tok.ID == 0 {
			t.Fatalf("token %q %+v", plain, tok)
		}
		// Only the hash is stored.
		var stored string
		s.DB().QueryRowContext(ctx, "SELECT hash FROM api_tokens").Scan(&stored)
		if stored != auth.HashAPIToken(plain) || strings.Contains(stored, plain[3:]) {
			t.Fatal("plaintext stored")
		}
		_, _, err = e.au.CreateToken(ctx, li.Actor(""), zhao.ID, "x")
		wantKind(t, err, guanxi.KindForbidden, "")
		_, _, err = e.au.CreateToken(ctx, li.Actor(""), li.ID, " ")
		wantKind(t, err, guanxi.KindInvalid, "validation.required")

		u, err := e.au.AuthenticateToken(ctx, plain)
		if err != nil || u.ID != li.ID {
			t.Fatalf("authenticate: %v %v", u, err)
		}
		ts, err := e.au.ListTokens(ctx, li.Actor(""), li.ID)
		if err != nil || len(ts) != 1 || ts[0].LastUsedAt == nil {
			t.Fatalf("list: %+v %v", ts, err)
		}
		for _, bad := range []string{"", "gx_", "gx_nope", plain + "x", strings.TrimPrefix(plain, "gx_")} {
			_, err := e.au.AuthenticateToken(ctx, bad)
			wantKind(t, err, guanxi.KindUnauthorized, "auth.token_invalid")
		}
		// Someone else's token is not found; the owner revokes it.
		wantKind(t, e.au.RevokeToken(ctx, zhao.Actor(""), tok.ID), guanxi.KindNotFound, "")
		if err := e.au.RevokeToken(ctx, li.Actor(""), tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.au.RevokeToken(ctx, li.Actor(""), tok.ID); err != nil {
			t.Fatal("second revoke", err)
		}
		_, err = e.au.AuthenticateToken(ctx, plain)
		wantKind(t, err, guanxi.KindUnauthorized, "auth.token_invalid")

		// A disabled user's token stops working.
		p2, _, err := e.au.CreateToken(ctx, e.admin, zhao.ID, "ops")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.st.SetDisabled(ctx, e.admin, zhao.ID, zhao.Version, true); err != nil {
			t.Fatal(err)
		}
		_, err = e.au.AuthenticateToken(ctx, p2)
		wantKind(t, err, guanxi.KindUnauthorized, "auth.token_invalid")
		if auditCount(t, s, "token_create") != 2 || auditCount(t, s, "token_revoke") != 1 {
			t.Fatal("token audit rows")
		}

		// With the cache: revocation is immediate, other changes show within the TTL.
		e.au.TokenCache = time.Second
		p3, t3, err := e.au.CreateToken(ctx, e.admin, li.ID, "cached")
		if err != nil {
			t.Fatal(err)
		}
		p4, _, _ := e.au.CreateToken(ctx, e.admin, li.ID, "cached2")
		for _, p := range []string{p3, p4, p3} {
			if _, err := e.au.AuthenticateToken(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.au.RevokeToken(ctx, e.admin, t3.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.au.AuthenticateToken(ctx, p3)
		wantKind(t, err, guanxi.KindUnauthorized, "auth.token_invalid")
		if _, err := e.au.AuthenticateToken(ctx, p4); err != nil {
			t.Fatal(err)
		}
		cur, _ := s.UserByID(ctx, li.ID)
		if err := e.st.SetDisabled(ctx, e.admin, li.ID, cur.Version, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.au.AuthenticateToken(ctx, p4); err != nil {
			t.Fatal("cached within the TTL", err)
		}
		e.now = e.now.Add(1001 * time.Millisecond)
		_, err = e.au.AuthenticateToken(ctx, p4)
		wantKind(t, err, guanxi.KindUnauthorized, "auth.token_invalid")
		verifyChain(t, s)
	})
}

func TestSessionStore(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		ss := s.Sessions()
		data := []byte{0, 1, 2, 0xff, 'x'}
		if err := ss.CommitCtx(ctx, "tok1", data, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := ss.Commit("old", []byte("o"), time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		b, ok, err := ss.FindCtx(ctx, "tok1")
		if err != nil || !ok || !bytes.Equal(b, data) {
			t.Fatalf("find: %v %v %v", b, ok, err)
		}
		// Commit replaces.
		if err := ss.Commit("tok1", []byte("new"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if b, ok, _ := ss.Find("tok1"); !ok || string(b) != "new" {
			t.Fatalf("replace: %q", b)
		}
		if _, ok, err := ss.Find("old"); ok || err != nil {
			t.Fatal("expired session found")
		}
		if _, ok, err := ss.Find("missing"); ok || err != nil {
			t.Fatal("missing session found")
		}
		n, err := ss.DeleteExpiredSessions(ctx)
		if err != nil || n != 1 {
			t.Fatalf("delete expired: %d %v", n, err)
		}
		if err := ss.DeleteCtx(ctx, "tok1"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := ss.Find("tok1"); ok {
			t.Fatal("deleted session found")
		}

		// Through scs itself.
		m := scs.New()
		m.Store = ss
		c1, _ := m.Load(ctx, "")
		m.Put(c1, "user_id", int64(42))
		token, _, err := m.Commit(c1)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := m.Load(ctx, token)
		if err != nil || m.GetInt64(c2, "user_id") != 42 {
			t.Fatalf("scs round trip: %v", err)
		}
	})
}

func TestSettingsStore(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newAuthEnv(t, s)
		if v, err := e.set.Get(ctx, "customer.number_prefix"); err != nil || v != "KH" {
			t.Fatalf("default: %q %v", v, err)
		}
		if err := e.set.Set(ctx, e.admin, "customer.number_prefix", "GX", 0); err != nil {
			t.Fatal(err)
		}
		if v, _ := e.set.Get(ctx, "customer.number_prefix"); v != "GX" {
			t.Fatalf("after set: %q", v)
		}
		// A second first write and a wrong version are stale.
		wantKind(t, e.set.Set(ctx, e.admin, "customer.number_prefix", "AB", 0), guanxi.KindPreconditionFailed, "error.stale")
		wantKind(t, e.set.Set(ctx, e.admin, "customer.number_prefix", "AB", 7), guanxi.KindPreconditionFailed, "error.stale")
		if err := e.set.Set(ctx, e.admin, "customer.number_prefix", "AB", 1); err != nil {
			t.Fatal(err)
		}
		wantKind(t, e.set.Set(ctx, e.admin, "auth.lockout_threshold", "0", 0), guanxi.KindInvalid, "settings.out_of_range")
		wantKind(t, e.set.Set(ctx, e.admin, "no.such", "1", 0), guanxi.KindNotFound, "")
		wantKind(t, e.set.Set(ctx, guanxi.Actor{UserID: 5, Role: guanxi.RoleAuditor}, "auth.lockout_threshold", "3", 0), guanxi.KindForbidden, "")
		if err := e.set.Set(ctx, e.admin, "auth.lockout_threshold", "3", 0); err != nil {
			t.Fatal(err)
		}
		if n := e.set.Int(ctx, "auth.lockout_threshold"); n != 3 {
			t.Fatal(n)
		}
		all, err := e.set.All(ctx, e.admin)
		if err != nil || len(all) != len(settings.Defs()) {
			t.Fatalf("all: %v %v", all, err)
		}
		for _, st := range all {
			switch st.Key {
			case "customer.number_prefix":
				if st.Value != "AB" || st.Version != 2 || st.UpdatedAt == nil {
					t.Fatalf("%+v", st)
				}
			case "auth.idle_timeout_minutes":
				if st.Value != "30" || st.Version != 0 {
					t.Fatalf("%+v", st)
				}
			}
		}
		if d := e.au.IdleTimeout(ctx); d != 30*time.Minute {
			t.Fatal(d)
		}
		if auditCount(t, s, "settings_change") != 3 {
			t.Fatal("settings audit rows")
		}
		var detail string
		s.DB().QueryRowContext(ctx, "SELECT detail FROM audit_log WHERE action = 'settings_change' ORDER BY seq LIMIT 1").Scan(&detail)
		if !strings.Contains(detail, `"before":"KH"`) || !strings.Contains(detail, `"after":"GX"`) {
			t.Fatalf("detail %s", detail)
		}
		verifyChain(t, s)
	})
}
