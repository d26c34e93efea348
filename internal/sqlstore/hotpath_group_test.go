package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

func groupCustomer(i int, mobile string) *customer.Customer {
	return &customer.Customer{Kind: customer.Person, Name: fmt.Sprintf("客户%d", i), Mobile: mobile, OwnerID: 1,
		Market: customer.MarketPersonal, Stage: customer.StageCustomer, Tags: []string{"vip"}}
}

func countRows(t *testing.T, s *Store, q string) int {
	t.Helper()
	var n int
	if err := s.w.Get(&n, q); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGroupCommitIsolation runs concurrent creates, a third of them
// duplicates of a committed customer: each duplicate gets its own
// conflict, every other create commits with its tokens and audit row, and
// the numbers and the audit chain stay gapless.
func TestGroupCommitIsolation(t *testing.T) {
	s := createStore(t)
	ctx := context.Background()
	if err := s.CreateCustomer(ctx, benchAdmin, groupCustomer(0, "13900000000")); err != nil {
		t.Fatal(err)
	}
	const n = 60
	shared := groupShared.Load()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			mobile := fmt.Sprintf("1380000%04d", i)
			if i%3 == 0 {
				mobile = "13900000000"
			}
			errs[i] = s.CreateCustomer(ctx, benchAdmin, groupCustomer(i, mobile))
		})
	}
	wg.Wait()
	t.Logf("%d shared transactions", groupShared.Load()-shared)
	for i, err := range errs {
		if i%3 == 0 && guanxi.KindOf(err) != guanxi.KindConflict {
			t.Errorf("duplicate %d: %v", i, err)
		}
		if i%3 != 0 && err != nil {
			t.Errorf("create %d: %v", i, err)
		}
	}
	want := 1 + n - n/3
	if got := countRows(t, s, "SELECT COUNT(*) FROM customers"); got != want {
		t.Fatalf("%d customers, want %d", got, want)
	}
	if got := countRows(t, s, "SELECT COUNT(*) FROM customers WHERE number = printf('KH%08d', id)"); got != want {
		t.Errorf("customer numbers not gapless: %d of %d match their id", got, want)
	}
	if got := countRows(t, s, "SELECT COUNT(DISTINCT customer_id) FROM customer_tokens"); got != want {
		t.Errorf("tokens for %d customers, want %d", got, want)
	}
	if got := countRows(t, s, "SELECT COUNT(*) FROM audit_log WHERE action = 'create'"); got != want {
		t.Errorf("%d create audit rows, want %d", got, want)
	}
	if got := countRows(t, s, "SELECT COUNT(*) FROM audit_log"); got != countRows(t, s, "SELECT MAX(seq) FROM audit_log") {
		t.Errorf("audit sequence has gaps")
	}
}

// TestGroupCommitFailures drives one shared transaction directly: an
// error and a panic undo only their own work; a failed COMMIT fails every
// caller and keeps nothing.
func TestGroupCommitFailures(t *testing.T) {
	s := createStore(t)
	ins := func(name string) func(*sqlx.Tx) error {
		return func(tx *sqlx.Tx) error {
			_, err := tx.Exec("INSERT INTO sequences (name, value) VALUES (?, 1)", name)
			return err
		}
	}
	boom := errors.New("boom")
	run := func(fns ...func(*sqlx.Tx) error) []groupResult {
		batch := make([]*groupReq, len(fns))
		for i, fn := range fns {
			batch[i] = &groupReq{fn: fn, done: make(chan groupResult, 1)}
		}
		s.runGroup(batch)
		out := make([]groupResult, len(fns))
		for i, r := range batch {
			out[i] = <-r.done
		}
		return out
	}
	res := run(ins("a"),
		func(tx *sqlx.Tx) error { ins("b")(tx); return boom },
		func(tx *sqlx.Tx) error { ins("c")(tx); panic("bad") },
		ins("d"))
	if res[0].err != nil || res[3].err != nil || !errors.Is(res[1].err, boom) || res[2].panic != "bad" {
		t.Fatalf("results %+v", res)
	}
	if got := countRows(t, s, "SELECT COUNT(*) FROM sequences WHERE name IN ('a','b','c','d')"); got != 2 {
		t.Fatalf("%d rows kept, want a and d", got)
	}
	groupCommit = func(tx *sqlx.Tx) error { return errors.New("disk gone") }
	defer func() { groupCommit = func(tx *sqlx.Tx) error { return tx.Commit() } }()
	res = run(ins("e"), func(*sqlx.Tx) error { return boom }, ins("f"))
	if guanxi.KindOf(res[0].err) != guanxi.KindInternal || guanxi.KindOf(res[2].err) != guanxi.KindInternal || !errors.Is(res[1].err, boom) {
		t.Fatalf("after failed commit: %+v", res)
	}
	if got := countRows(t, s, "SELECT COUNT(*) FROM sequences WHERE name IN ('e','f')"); got != 0 {
		t.Fatalf("%d rows of a failed commit kept", got)
	}
}
