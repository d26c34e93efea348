package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/retention"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// cancelAfter cancels the run's context after n purge batches: a kill in
// the middle of a run.
type cancelAfter struct {
	*sqlstore.Store
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) RetentionPurge(ctx context.Context, kind string, cutoff time.Time, limit int) (int, error) {
	n, err := c.Store.RetentionPurge(ctx, kind, cutoff, limit)
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return n, err
}

// TestRetentionRun is TESTPLAN D7: expired records are purged or
// anonymised, records of held customers kept; a run cancelled between
// batches keeps what it committed and a re-run completes idempotently.
func TestRetentionRun(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		admin := f.Admin
		cs := &customer.Service{Store: s}
		mk := func(name string) guanxi.ID {
			c := newCustomer(name, "", f.AgentA1.UserID)
			if err := cs.Create(ctx, f.AgentA1, c); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := s.DB().ExecContext(ctx, rebindQ(s, q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		now := time.Now().UTC()
		old, recent := now.AddDate(0, 0, -400), now.AddDate(0, 0, -5)
		binOld, binHeld, binRecent, live, liveHeld := mk("回收站旧"), mk("回收站保全"), mk("回收站新"), mk("在用"), mk("在用保全")
		exec("UPDATE customers SET deleted_at = ? WHERE id IN (?, ?)", old, binOld, binHeld)
		exec("UPDATE customers SET deleted_at = ? WHERE id = ?", recent, binRecent)
		for _, id := range []guanxi.ID{binHeld, liveHeld} {
			if _, err := s.SetLegalHold(ctx, admin, id, "诉讼 2026-001"); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 5; i++ {
			for _, id := range []guanxi.ID{live, liveHeld} {
				exec("INSERT INTO interactions (customer_id, channel, occurred_at, summary, created_at) VALUES (?, 'phone', ?, '旧记录', ?)", id, old, old)
			}
			exec("INSERT INTO interactions (customer_id, channel, occurred_at, summary, created_at) VALUES (?, 'phone', ?, '新记录', ?)", live, recent, recent)
		}
		for i, st := range []string{"sent", "dead", "queued"} {
			exec(`INSERT INTO outbox_messages (channel, purpose, customer_id, template, send_after, idem_key, status, next_attempt_at, created_at, updated_at)
VALUES ('sms', 'care', ?, 'care.greeting', ?, ?, ?, ?, ?, ?)`, live, old, "ret-"+st, st, old, old, old)
			_ = i
		}

		for _, id := range []guanxi.ID{live, liveHeld} {
			var wl guanxi.ID
			if err := s.DB().QueryRowContext(ctx, rebindQ(s, `INSERT INTO work_logs (kind, author_id, work_on, content, person_visited, created_at, updated_at)
VALUES ('visit', ?, ?, '拜访', '客户本人', ?, ?) RETURNING id`), f.AgentA1.UserID, old.Format("2006-01-02"), old, old).Scan(&wl); err != nil {
				t.Fatal(err)
			}
			exec("INSERT INTO work_log_customers (work_log_id, customer_id) VALUES (?, ?)", wl, id)
		}

		// Rule changes: privacy.admin only, version-checked, audited.
		rules, err := s.RetentionRules(ctx, admin)
		if err != nil || len(rules) != len(retention.Kinds) {
			t.Fatal(rules, err)
		}
		var inter retention.Rule
		for _, r := range rules {
			if r.Kind == retention.KindInteractions {
				inter = r
			}
		}
		inter.Days, inter.Enabled = 30, true
		if err := s.SaveRetentionRule(ctx, f.ManagerA, &inter); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("manager: %v", err)
		}
		stale := inter
		if err := s.SaveRetentionRule(ctx, admin, &inter); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveRetentionRule(ctx, admin, &stale); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale save: %v", err)
		}
		bad := inter
		bad.Days = 0
		if err := s.SaveRetentionRule(ctx, admin, &bad); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("days 0: %v", err)
		}
		for _, r := range rules {
			if r.Kind == retention.KindVisitLogs {
				r.Enabled, r.Days = true, 30
				if err := s.SaveRetentionRule(ctx, admin, &r); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n := auditRows(t, s, "retention.rule"); n != 2 {
			t.Fatalf("%d rule audit rows", n)
		}

		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := s.DB().QueryRowContext(ctx, rebindQ(s, q), args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// First run: killed after the first purge batch of two rows.
		runCtx, cancel := context.WithCancel(ctx)
		killer := &cancelAfter{Store: s, n: 1, cancel: cancel}
		svc := &retention.Service{Store: killer, Anonymiser: s, Now: time.Now, Batch: 2}
		first, err := svc.Run(runCtx, guanxi.SystemActor("retention"))
		if err == nil || first[retention.KindCustomersDeleted] != 1 || first[retention.KindInteractions] != 2 {
			t.Fatalf("cancelled run: %v %v", first, err)
		}
		left := count("SELECT COUNT(*) FROM interactions WHERE customer_id = ?", live)
		if left != 8 {
			t.Fatalf("after the kill %d interactions of the live customer, want 8", left)
		}

		// Re-run completes; a third run finds nothing.
		svc = &retention.Service{Store: s, Anonymiser: s, Now: time.Now, Batch: 2}
		counts, err := svc.Run(ctx, guanxi.SystemActor("retention"))
		if err != nil {
			t.Fatal(err)
		}
		if counts[retention.KindInteractions] != 3 || counts[retention.KindOutbox] != 2 || counts[retention.KindCustomersDeleted] != 0 {
			t.Fatalf("counts %v", counts)
		}
		again, err := svc.Run(ctx, guanxi.SystemActor("retention"))
		if err != nil {
			t.Fatal(err)
		}
		for k, n := range again {
			if n != 0 {
				t.Fatalf("re-run changed %s: %d", k, n)
			}
		}

		if n := count("SELECT COUNT(*) FROM interactions WHERE customer_id = ?", live); n != 5 {
			t.Fatalf("live customer keeps %d interactions, want the 5 recent", n)
		}
		if n := count("SELECT COUNT(*) FROM interactions WHERE customer_id = ?", liveHeld); n != 5 {
			t.Fatalf("held customer keeps %d interactions, want 5", n)
		}
		if n := count("SELECT COUNT(*) FROM work_log_customers WHERE customer_id IN (?, ?)", live, liveHeld); n != 1 ||
			count("SELECT COUNT(*) FROM work_log_customers WHERE customer_id = ?", liveHeld) != 1 {
			t.Fatalf("visit logs left %d, want only the held customer's", n)
		}
		if n := count("SELECT COUNT(*) FROM outbox_messages WHERE idem_key LIKE 'ret-%'"); n != 1 {
			t.Fatalf("%d outbox messages left, want the queued one", n)
		}
		name := func(id guanxi.ID) string {
			var n string
			if err := s.DB().QueryRowContext(ctx, rebindQ(s, "SELECT name FROM customers WHERE id = ?"), id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if !strings.HasPrefix(name(binOld), privacy.PseudonymPrefix) {
			t.Fatalf("expired customer not anonymised: %s", name(binOld))
		}
		if name(binHeld) != "回收站保全" || name(binRecent) != "回收站新" || name(live) != "在用" {
			t.Fatal("held or unexpired customer changed")
		}
		runs, err := s.RetentionRuns(ctx, admin, 10)
		if err != nil || len(runs) != 3 || runs[2].Status != retention.RunFailed || runs[1].Status != retention.RunDone ||
			runs[1].Counts[retention.KindInteractions] != 3 {
			t.Fatalf("runs %+v %v", runs, err)
		}
		if n := auditRows(t, s, "retention.run"); n != 3 {
			t.Fatalf("%d run audit rows", n)
		}
	})
}
