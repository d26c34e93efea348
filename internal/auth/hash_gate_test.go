package auth

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// waiters reports how many checks of priority p wait at g.
func (g *hashGate) waiters(p int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.wait[p])
}

// TestHashGatePriorities: with the one turn taken, waiting checks are
// served by priority (known, clean, suspect) and newest first among
// equals, and one whose context ends leaves the queue without a turn.
func TestHashGatePriorities(t *testing.T) {
	g := newHashGate(1)
	ctx := context.Background()
	if err := g.acquire(ctx, prioClean); err != nil {
		t.Fatal(err)
	}
	served := make(chan string, 6)
	wait := func(name string, prio, n int) {
		go func() {
			if err := g.acquire(ctx, prio); err != nil {
				t.Error(err)
				return
			}
			served <- name
		}()
		for g.waiters(prio) != n {
			time.Sleep(time.Millisecond)
		}
	}
	wait("suspect", prioSuspect, 1)
	wait("clean1", prioClean, 1)
	wait("known1", prioKnown, 1)
	wait("suspect2", prioSuspect, 2)
	cctx, cancel := context.WithCancel(ctx)
	gone := make(chan error)
	go func() { gone <- g.acquire(cctx, prioClean) }()
	for g.waiters(prioClean) != 2 {
		time.Sleep(time.Millisecond)
	}
	wait("clean2", prioClean, 3)
	wait("known2", prioKnown, 2)
	cancel()
	if err := <-gone; err == nil {
		t.Fatal("a cancelled wait got a turn")
	}
	var order []string
	for range 6 {
		g.release()
		order = append(order, <-served)
	}
	if want := []string{"known2", "known1", "clean2", "clean1", "suspect2", "suspect"}; !slices.Equal(order, want) {
		t.Fatalf("served %v, want %v", order, want)
	}
	g.release()
	if g.free != 1 || g.waiters(prioKnown)+g.waiters(prioClean)+g.waiters(prioSuspect) != 0 {
		t.Fatalf("after all releases: %d free", g.free)
	}
}

// TestHashGateSuspectOnlyWhenIdle: a suspect check waits while any other
// runs, even with a turn free, which a clean check takes at once; it
// starts when the gate falls idle.
func TestHashGateSuspectOnlyWhenIdle(t *testing.T) {
	g := newHashGate(2)
	ctx := context.Background()
	if err := g.acquire(ctx, prioClean); err != nil {
		t.Fatal(err)
	}
	low := make(chan struct{})
	go func() {
		if err := g.acquire(ctx, prioSuspect); err != nil {
			t.Error(err)
		}
		close(low)
	}()
	for g.waiters(prioSuspect) != 1 {
		time.Sleep(time.Millisecond)
	}
	if err := g.acquire(ctx, prioClean); err != nil { // the free turn, at once
		t.Fatal(err)
	}
	g.release()
	select {
	case <-low:
		t.Fatal("the suspect check started while another ran")
	default:
	}
	g.release()
	<-low
	g.release()
	if g.free != 2 {
		t.Fatalf("%d free, want 2", g.free)
	}
}

// TestAddressPriority: an address's first try is clean; after a completed
// sign-in it is known for goodWindow; after a failure, or while another
// try from it runs, it is suspect (which outranks known).
func TestAddressPriority(t *testing.T) {
	hash, _ := HashPasswordWith(CheapParams(), "Right-Password-1")
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	fs := auditStore{&fakeStore{users: map[string]staff.User{
		"li": {ID: 7, Username: "li", PasswordHash: hash, Role: guanxi.RoleAgent, PasswordChangedAt: now},
	}}}
	s := &Service{Store: fs, Now: func() time.Time { return now }, Params: CheapParams()}
	ctx := context.Background()
	const office = "198.51.100.4"
	prio := func() int {
		t.Helper()
		a, err := s.takeAddr(ctx, office, now)
		if err != nil {
			t.Fatal(err)
		}
		defer a.ok("")
		return a.prio
	}
	if p := prio(); p != prioClean {
		t.Fatalf("first try: priority %d, want clean", p)
	}
	if _, err := s.Login(ctx, "li", "Right-Password-1", office); err != nil {
		t.Fatal(err)
	}
	if p := prio(); p != prioKnown {
		t.Fatalf("after a sign-in: priority %d, want known", p)
	}
	running, err := s.takeAddr(ctx, office, now)
	if err != nil {
		t.Fatal(err)
	}
	if p := prio(); p != prioSuspect {
		t.Fatalf("with another try running: priority %d, want suspect", p)
	}
	running.ok("")
	if _, err := s.Login(ctx, "li", "typo", office); guanxi.KindOf(err) != guanxi.KindUnauthorized {
		t.Fatal(err)
	}
	if p := prio(); p != prioSuspect {
		t.Fatalf("a known address after a failure: priority %d, want suspect", p)
	}
	now = now.Add(goodWindow)
	if p := prio(); p != prioClean {
		t.Fatalf("after goodWindow: priority %d, want clean", p)
	}
}

// TestSuspectAddressShedWithoutCounting (TESTPLAN I6): once an address has
// failed it is suspect; its tries wait for the suspect lane, and past
// maxSuspectWaiting waiting they are refused at once with TooMany
// auth.login_busy and a one-second wait, neither checked nor counted,
// while a clean address signs in; with the lane free the suspect address
// is checked as before and blocked after its 20th failure.
func TestSuspectAddressShedWithoutCounting(t *testing.T) {
	hash, _ := HashPasswordWith(CheapParams(), "Right-Password-1")
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	fs := auditStore{&fakeStore{users: map[string]staff.User{
		"li": {ID: 7, Username: "li", PasswordHash: hash, Role: guanxi.RoleAgent, PasswordChangedAt: now},
	}}}
	store := &lockedStore{auditStore: fs}
	s := &Service{Store: store, Now: func() time.Time { return now }, Params: CheapParams()}
	ctx := context.Background()
	const attacker, user = "203.0.113.9", "198.51.100.4"

	if _, err := s.Login(ctx, "nobody", "guess", attacker); guanxi.KindOf(err) != guanxi.KindUnauthorized {
		t.Fatalf("first try: %v", err)
	}
	// The lane is taken: the suspect address's tries wait, then are shed.
	s.suspect <- struct{}{}
	waited := make(chan error, maxSuspectWaiting)
	for range maxSuspectWaiting {
		go func() {
			_, err := s.Login(ctx, "li", "Right-Password-1", attacker)
			waited <- err
		}()
	}
	for s.suspectWaiting.Load() != maxSuspectWaiting {
		time.Sleep(time.Millisecond)
	}
	recorded := store.attemptCount()
	for i := range 50 {
		_, err := s.Login(ctx, "li", "Right-Password-1", attacker)
		e := guanxi.AsError(err)
		if e.Kind != guanxi.KindTooMany || e.Key != "auth.login_busy" || e.Args["seconds"] != 1 {
			t.Fatalf("try %d from the suspect address with the lane full: %v %v", i, err, e.Args)
		}
	}
	if store.attemptCount() != recorded {
		t.Fatal("shed tries were recorded")
	}
	if _, err := s.Login(ctx, "li", "Right-Password-1", user); err != nil {
		t.Fatalf("a clean address while suspects wait: %v", err)
	}
	<-s.suspect
	for range maxSuspectWaiting {
		if err := <-waited; err != nil {
			t.Fatalf("a waiting suspect try: %v", err)
		}
	}
	// The shed tries did not count: the address has 19 failures to go.
	for i := range 19 {
		if _, err := s.Login(ctx, "nobody", "guess", attacker); guanxi.KindOf(err) != guanxi.KindUnauthorized {
			t.Fatalf("failure %d: %v", i+2, err)
		}
	}
	if _, err := s.Login(ctx, "li", "Right-Password-1", attacker); guanxi.AsError(err).Key != "auth.login_throttled" {
		t.Fatalf("after 20 failures: %v", err)
	}
}

// lockedStore serialises the fake store for sign-ins run in parallel.
type lockedStore struct {
	mu sync.Mutex
	auditStore
}

func (l *lockedStore) UserByUsername(ctx context.Context, name string) (staff.User, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.auditStore.UserByUsername(ctx, name)
}

func (l *lockedStore) LoginFailures(ctx context.Context, name string, since time.Time) ([]time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.auditStore.LoginFailures(ctx, name, since)
}

func (l *lockedStore) RecordLoginAttempt(ctx context.Context, at LoginAttempt, es ...audit.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.auditStore.RecordLoginAttempt(ctx, at, es...)
}

func (l *lockedStore) Audit(ctx context.Context, es ...audit.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.auditStore.Audit(ctx, es...)
}

func (l *lockedStore) attemptCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.attempts)
}
