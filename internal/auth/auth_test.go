package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

func TestHashAndCheck(t *testing.T) {
	h, err := HashPasswordWith(CheapParams(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("not a PHC argon2id string: %s", h)
	}
	if !CheckPassword(h, "correct horse battery") || CheckPassword(h, "correct horse batterY") {
		t.Fatal("check mismatch")
	}
	h2, _ := HashPasswordWith(CheapParams(), "correct horse battery")
	if h == h2 {
		t.Fatal("salt not random")
	}
	for _, bad := range []string{"", "x", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAA",
		strings.Replace(h, "t=1", "t=0", 1)} {
		if CheckPassword(bad, "x") {
			t.Fatalf("malformed hash %q matched", bad)
		}
	}
}

func TestDefaultParamsCost(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	start := time.Now()
	h, err := HashPassword("Some-Password-1")
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	t.Logf("argon2id default params: %v per hash (%s)", d, h[:30])
	if !CheckPassword(h, "Some-Password-1") {
		t.Fatal("default hash does not verify")
	}
}

func TestPolicies(t *testing.T) {
	asvs, _ := PolicyByName("asvs")
	mlps, _ := PolicyByName("mlps3")
	if _, ok := PolicyByName("none"); ok {
		t.Fatal("unknown preset")
	}
	cases := []struct {
		p        Policy
		pw, user string
		key      string // "" = accepted
	}{
		{asvs, "short", "li", "auth.password_too_short"},
		{asvs, "elevenchars", "li", "auth.password_too_short"},
		{asvs, "twelve chars", "li", ""},
		{asvs, "alllowercaseletters", "li", ""}, // no composition rules
		{asvs, "长城长城长城长城长城长城", "li", ""},        // counted in characters
		{asvs, "Password1234", "li", "auth.password_common"},
		{asvs, "qwerty123456", "li", "auth.password_common"},
		{asvs, "administrator", "administrator", "auth.password_username"},
		{asvs, "zhangsan.2026x", "zhangsan", ""}, // asvs only refuses the username itself
		{asvs, strings.Repeat("a", 129), "li", "validation.too_long"},
		{asvs, "", "li", "validation.required"},
		{mlps, "Ab1!", "li", "auth.password_too_short"},
		{mlps, "abcdefgh", "li", "auth.password_classes"},
		{mlps, "abcdefg1", "li", "auth.password_classes"},
		{mlps, "Lanzhou8a", "li", ""},
		{mlps, "lanzhou1!", "li", ""},
		{mlps, "Zhangsan1!", "zhangsan", "auth.password_username"},
		{mlps, "P@ssw0rd", "li", "auth.password_common"},
	}
	for _, c := range cases {
		err := c.p.Check(c.pw, c.user)
		got := ""
		if err != nil {
			e := guanxi.AsError(err)
			if e.Kind != guanxi.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "password" {
				t.Fatalf("%s %q: bad error %v", c.p.Name, c.pw, err)
			}
			got = e.Fields[0].Key
		}
		if got != c.key {
			t.Errorf("%s %q: got %q, want %q", c.p.Name, c.pw, got, c.key)
		}
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if !mlps.Expired(now.Add(-91*24*time.Hour), now) || mlps.Expired(now.Add(-89*24*time.Hour), now) || asvs.Expired(now.AddDate(-5, 0, 0), now) {
		t.Fatal("max age")
	}
}

func TestLockedUntil(t *testing.T) {
	l := Lockout{Threshold: 5, Window: 15 * time.Minute, Duration: 30 * time.Minute}
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	at := func(mins ...int) []time.Time {
		var out []time.Time
		for _, m := range mins {
			out = append(out, t0.Add(time.Duration(m)*time.Minute))
		}
		return out
	}
	if u := l.LockedUntil(at(0, 1, 2, 3)); !u.IsZero() {
		t.Fatal("4 failures locked")
	}
	if u := l.LockedUntil(at(0, 1, 2, 3, 14)); !u.Equal(t0.Add(44 * time.Minute)) {
		t.Fatalf("5 in window: %v", u)
	}
	if u := l.LockedUntil(at(0, 1, 2, 3, 16)); !u.IsZero() {
		t.Fatal("5 spread over 16 minutes locked")
	}
	// After a lock, the failures that caused it do not count again.
	if u := l.LockedUntil(at(0, 1, 2, 3, 4, 40)); !u.Equal(t0.Add(34 * time.Minute)) {
		t.Fatalf("relock: %v", u)
	}
}

func TestNewAPIToken(t *testing.T) {
	p, prefix, h := NewAPIToken()
	if !strings.HasPrefix(p, "gx_") || len(p) != 3+52 || !strings.HasPrefix(p, prefix) || len(prefix) != 11 {
		t.Fatalf("token %q prefix %q", p, prefix)
	}
	if h != HashAPIToken(p) || len(h) != 64 || strings.Contains(h, p) {
		t.Fatal("hash")
	}
	p2, _, _ := NewAPIToken()
	if p == p2 {
		t.Fatal("not random")
	}
}

// fakeStore keeps just enough in memory for Login.
type fakeStore struct {
	Store
	users    map[string]staff.User
	attempts []LoginAttempt
	audit    []audit.Entry
}

func (f *fakeStore) UserByUsername(_ context.Context, name string) (staff.User, error) {
	u, ok := f.users[name]
	if !ok {
		return u, guanxi.NotFound("error.not_found")
	}
	return u, nil
}

func (f *fakeStore) LoginFailures(_ context.Context, name string, since time.Time) ([]time.Time, error) {
	var out []time.Time
	for _, a := range f.attempts {
		if a.Username != name || a.At.Before(since) {
			continue
		}
		switch a.Result {
		case AttemptOK, AttemptUnlock:
			out = out[:0]
		case AttemptFailed:
			out = append(out, a.At)
		}
	}
	return out, nil
}

func (f *fakeStore) RecordLoginAttempt(_ context.Context, a LoginAttempt, es ...audit.Entry) error {
	f.attempts = append(f.attempts, a)
	f.audit = append(f.audit, es...)
	if a.ExpireUserID != 0 {
		for k, u := range f.users {
			if u.ID == a.ExpireUserID {
				u.MustChangePassword = true
				f.users[k] = u
			}
		}
	}
	return nil
}

func TestLoginLockoutFakeClock(t *testing.T) {
	hash, _ := HashPasswordWith(CheapParams(), "Right-Password-1")
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	fs := &fakeStore{users: map[string]staff.User{
		"li":  {ID: 7, Username: "li", PasswordHash: hash, Role: guanxi.RoleAgent, PasswordChangedAt: now},
		"off": {ID: 8, Username: "off", PasswordHash: hash, Role: guanxi.RoleAgent, Disabled: true, PasswordChangedAt: now},
	}}
	s := &Service{Store: fs, Now: func() time.Time { return now }, Params: CheapParams()}
	ctx := context.Background()

	sameErr := func(err error) {
		t.Helper()
		e := guanxi.AsError(err)
		if e.Kind != guanxi.KindUnauthorized || e.Key != "auth.login_failed" || len(e.Fields) != 0 {
			t.Fatalf("error %v", err)
		}
	}
	if u, err := s.Login(ctx, " LI ", "Right-Password-1", "10.0.0.1"); err != nil || u.ID != 7 {
		t.Fatalf("login: %v %v", u, err)
	}
	_, err := s.Login(ctx, "nobody", "x", "10.0.0.1")
	sameErr(err)
	_, err = s.Login(ctx, "off", "Right-Password-1", "10.0.0.1")
	sameErr(err)
	for i := 0; i < 5; i++ {
		now = now.Add(time.Minute)
		_, err = s.Login(ctx, "li", "wrong", "10.0.0.1")
		sameErr(err)
	}
	// Locked: even the right password fails, with the same error.
	now = now.Add(time.Minute)
	_, err = s.Login(ctx, "li", "Right-Password-1", "10.0.0.1")
	sameErr(err)
	now = now.Add(28 * time.Minute)
	_, err = s.Login(ctx, "li", "Right-Password-1", "10.0.0.1")
	sameErr(err)
	now = now.Add(2 * time.Minute) // 30 minutes after the fifth failure
	if _, err := s.Login(ctx, "li", "Right-Password-1", "10.0.0.1"); err != nil {
		t.Fatalf("after lockout: %v", err)
	}
	var actions []string
	for _, e := range fs.audit {
		actions = append(actions, e.Action)
		if strings.Contains(e.Detail, "Right-Password") || strings.Contains(e.Detail, "wrong") {
			t.Fatalf("password in audit: %s", e.Detail)
		}
	}
	want := "login login_failed login_failed login_failed login_failed login_failed login_failed login_failed lockout login_failed login_failed login"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("audit:\n got %s\nwant %s", got, want)
	}
	// Unknown users lock the same way.
	for i := 0; i < 6; i++ {
		_, err = s.Login(ctx, "ghost", "x", "")
		sameErr(err)
	}
	if last := fs.attempts[len(fs.attempts)-1]; last.Result != AttemptLocked {
		t.Fatalf("unknown user not locked: %+v", last)
	}
}

func TestLoginPasswordMaxAge(t *testing.T) {
	hash, _ := HashPasswordWith(CheapParams(), "Right-Password-1")
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	fs := &fakeStore{users: map[string]staff.User{
		"li": {ID: 7, Username: "li", PasswordHash: hash, Role: guanxi.RoleAgent, PasswordChangedAt: now.AddDate(0, 0, -100)},
	}}
	s := &Service{Store: fs, Now: func() time.Time { return now }, Params: CheapParams()}
	u, err := s.Login(context.Background(), "li", "Right-Password-1", "")
	if err != nil || u.MustChangePassword {
		t.Fatalf("asvs has no max age: %v %v", u.MustChangePassword, err)
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("Some-Password-1"); err != nil {
			b.Fatal(err)
		}
	}
}
