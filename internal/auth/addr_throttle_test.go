package auth

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// auditStore adds Audit to fakeStore (invalid usernames audit alone).
type auditStore struct{ *fakeStore }

func (a auditStore) Audit(_ context.Context, es ...audit.Entry) error {
	a.audit = append(a.audit, es...)
	return nil
}

func (a auditStore) addrLockouts() []audit.Entry {
	var out []audit.Entry
	for _, e := range a.audit {
		if e.Action == audit.ActionLockout && strings.Contains(e.Detail, `"scope":"address"`) {
			out = append(out, e)
		}
	}
	return out
}

// TestLoginThrottlePerAddressFakeClock: with the default settings (20
// failures in 10 minutes), one address spraying usernames is refused with
// TooMany and the wait; other addresses, and callers without one, are not;
// a right password forgives only its own username's failures.
func TestLoginThrottlePerAddressFakeClock(t *testing.T) {
	hash, _ := HashPasswordWith(CheapParams(), "Right-Password-1")
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	fs := auditStore{&fakeStore{users: map[string]staff.User{
		"li":   {ID: 7, Username: "li", PasswordHash: hash, Role: guanxi.RoleAgent, PasswordChangedAt: now},
		"wang": {ID: 9, Username: "wang", PasswordHash: hash, Role: guanxi.RoleAgent, PasswordChangedAt: now},
	}}}
	s := &Service{Store: fs, Now: func() time.Time { return now }, Params: CheapParams()}
	ctx := context.Background()
	const spray = "203.0.113.9"

	// li mistypes twice, then signs in; 16 other names fail meanwhile.
	for i := range 2 {
		if _, err := s.Login(ctx, "li", "typo", spray); guanxi.KindOf(err) != guanxi.KindUnauthorized {
			t.Fatalf("typo %d: %v", i, err)
		}
	}
	for i := range 16 {
		now = now.Add(10 * time.Second)
		name := fmt.Sprintf("user%02d", i)
		if i == 5 {
			name = "" // invalid names count as well
		}
		if _, err := s.Login(ctx, name, "Spring2026!", spray); guanxi.KindOf(err) != guanxi.KindUnauthorized {
			t.Fatalf("spray %d: %v", i, err)
		}
	}
	if _, err := s.Login(ctx, "li", "Right-Password-1", spray); err != nil {
		t.Fatalf("li from the spraying address before the threshold: %v", err)
	}
	// 16 failures remain (li's two are forgiven): the fourth failure more
	// is the 20th and blocks the address.
	for i := range 4 {
		now = now.Add(10 * time.Second)
		_, err := s.Login(ctx, fmt.Sprintf("more%d", i), "Spring2026!", spray)
		if guanxi.KindOf(err) != guanxi.KindUnauthorized {
			t.Fatalf("failure %d after li's success: %v", 17+i, err)
		}
		if got := len(fs.addrLockouts()); got != map[bool]int{true: 1, false: 0}[i == 3] {
			t.Fatalf("after failure %d: %d address lockouts audited", 17+i, got)
		}
	}
	e := fs.addrLockouts()[0]
	if e.Addr != spray || e.ObjectID != nil || !strings.Contains(e.Detail, `"failures":20`) || !strings.Contains(e.Detail, `"window_minutes":10`) {
		t.Fatalf("address lockout entry %+v", e)
	}

	// Blocked: known, unknown and right passwords all get the same refusal.
	attempts := len(fs.attempts)
	now = now.Add(time.Minute)
	var first *guanxi.Error
	for _, try := range [][2]string{{"li", "Right-Password-1"}, {"nobody", "x"}, {"wang", "wrong"}, {"", ""}} {
		_, err := s.Login(ctx, try[0], try[1], spray)
		ge := guanxi.AsError(err)
		if ge.Kind != guanxi.KindTooMany || ge.Key != "auth.login_throttled" || ge.Args["seconds"] != 540 || ge.Args["minutes"] != 9 {
			t.Fatalf("%s from the blocked address: %v %v", try[0], err, ge.Args)
		}
		if first == nil {
			first = ge
		} else if fmt.Sprint(first.Args) != fmt.Sprint(ge.Args) {
			t.Fatalf("refusals differ: %v vs %v", first.Args, ge.Args)
		}
	}
	if len(fs.attempts) != attempts {
		t.Fatal("refused attempts were recorded: they must cost nothing")
	}
	// The same /64 of IPv6 is one address; IPv4 neighbours are not.
	if _, err := s.Login(ctx, "wang", "Right-Password-1", "203.0.113.10"); err != nil {
		t.Fatalf("another address is blocked: %v", err)
	}
	if _, err := s.Login(ctx, "wang", "Right-Password-1", ""); err != nil {
		t.Fatalf("a caller without an address is blocked: %v", err)
	}
	for i := range 20 {
		s.Login(ctx, fmt.Sprintf("v6user%d", i), "x", fmt.Sprintf("2001:db8:5:6::%x", i+1))
	}
	if _, err := s.Login(ctx, "wang", "Right-Password-1", "2001:db8:5:6:ffff::1"); guanxi.KindOf(err) != guanxi.KindTooMany {
		t.Fatalf("rotating addresses within one /64 escaped: %v", err)
	}

	// The block lasts the window from the 20th failure.
	now = now.Add(9 * time.Minute)
	if _, err := s.Login(ctx, "li", "Right-Password-1", spray); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
