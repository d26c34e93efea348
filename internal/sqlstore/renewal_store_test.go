package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/renewal"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

func renewalService(s *sqlstore.Store) *renewal.Service {
	return &renewal.Service{Store: s, Now: func() time.Time { return time.Date(2026, 4, 10, 2, 0, 0, 0, time.UTC) }}
}

func mkHolding(t *testing.T, s *sqlstore.Store, a guanxi.Actor, customerID guanxi.ID, kind, due string, attrs map[string]any) *customer.Holding {
	t.Helper()
	h := &customer.Holding{CustomerID: customerID, Kind: customer.HoldingKind(kind), Name: "网吧平台年费", Currency: "CNY",
		DueOn: due, Status: "active", Attrs: attrs}
	if err := s.SaveHolding(context.Background(), a, h, 0); err != nil {
		t.Fatal(err)
	}
	return h
}

func renewalWant(t *testing.T, what string, err error, k guanxi.Kind, key string) {
	t.Helper()
	if guanxi.KindOf(err) != k || (key != "" && guanxi.AsError(err).Key != key) {
		t.Fatalf("%s: got %v, want kind %d %s", what, err, k, key)
	}
}

// TestRenewalRecordAndCorrect: a renewal moves the holding's due date; a
// period is decided once; stale versions, scope and a lapse without a
// reason are refused; a correction moves the due date back or forward.
func TestRenewalRecordAndCorrect(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := renewalService(s)
		c := mkCustomer(t, s, f.AgentA1, "星空网吧", "13800138020", "")
		h := mkHolding(t, s, f.AgentA1, c.ID, "subscription", "2026-03-31", map[string]any{"period_months": float64(6)})

		got, err := svc.Holding(ctx, f.AgentA1, h.ID)
		if err != nil || got.DefaultNewDue() != "2026-09-30" || got.PeriodMonths() != 6 {
			t.Fatalf("holding: %+v %v", got, err)
		}
		// Out of scope: NotFound for reading and recording.
		_, err = svc.Holding(ctx, f.AgentB, h.ID)
		renewalWant(t, "agent B reads", err, guanxi.KindNotFound, "")
		err = svc.Record(ctx, f.AgentB, h.ID, &renewal.Record{Outcome: renewal.Renewed, NewDueOn: "2026-09-30"}, 0)
		renewalWant(t, "agent B records", err, guanxi.KindNotFound, "")
		// A lapse needs a reason; a renewal a later due date.
		err = svc.Record(ctx, f.AgentA1, h.ID, &renewal.Record{Outcome: renewal.Lapsed}, 0)
		renewalWant(t, "lapse without reason", err, guanxi.KindInvalid, "")
		if fe := guanxi.AsError(err).Fields; len(fe) != 1 || fe[0].Field != "reason" || fe[0].Key != "renewal.reason_required" {
			t.Fatalf("lapse fields: %+v", fe)
		}
		err = svc.Record(ctx, f.AgentA1, h.ID, &renewal.Record{Outcome: renewal.Renewed, NewDueOn: "2026-03-01"}, 0)
		renewalWant(t, "renewal before due", err, guanxi.KindInvalid, "")
		// A stale holding version is a precondition failure.
		err = svc.Record(ctx, f.AgentA1, h.ID, &renewal.Record{Outcome: renewal.Renewed, NewDueOn: "2026-09-30"}, h.Version+5)
		renewalWant(t, "stale holding", err, guanxi.KindPreconditionFailed, "")

		rec := &renewal.Record{Outcome: renewal.Renewed, FeeMinor: 360000, NewDueOn: "2026-09-30", DueOn: "2026-03-31", Note: "现金"}
		if err := svc.Record(ctx, f.AgentA1, h.ID, rec, h.Version); err != nil {
			t.Fatal(err)
		}
		got, err = svc.Holding(ctx, f.ManagerA, h.ID)
		if err != nil || got.DueOn != "2026-09-30" || got.Status != renewal.Renewed || got.Version != h.Version+1 {
			t.Fatalf("holding after renewal: %+v %v", got, err)
		}
		// The same period again: a conflict, whether named or not.
		err = svc.Record(ctx, f.AgentA1, h.ID, &renewal.Record{Outcome: renewal.Renewed, NewDueOn: "2027-03-31", DueOn: "2026-03-31"}, 0)
		renewalWant(t, "same period again", err, guanxi.KindConflict, "renewal.not_current_period")
		if n := auditRows(t, s, "renewal.outcome"); n != 1 {
			t.Fatalf("audit rows: %d", n)
		}

		// A lapse leaves the due date; deciding that period again conflicts.
		h2 := mkHolding(t, s, f.AgentA1, c.ID, "subscription", "2026-04-15", nil)
		lapse := &renewal.Record{Outcome: renewal.Lapsed, ReasonCode: "too_expensive", Note: "嫌贵"}
		if err := svc.Record(ctx, f.AgentA1, h2.ID, lapse, 0); err != nil {
			t.Fatal(err)
		}
		err = svc.Record(ctx, f.AgentA1, h2.ID, &renewal.Record{Outcome: renewal.Lapsed, ReasonCode: "other"}, 0)
		renewalWant(t, "lapsed period again", err, guanxi.KindConflict, "renewal.already_decided")
		if h2g, _ := svc.Holding(ctx, f.AgentA1, h2.ID); h2g.DueOn != "2026-04-15" || h2g.Status != renewal.Lapsed {
			t.Fatalf("holding after lapse: %+v", h2g)
		}

		// Correction: the café came back; the lapse becomes a renewal.
		_, err = svc.Get(ctx, f.AgentB, lapse.ID)
		renewalWant(t, "agent B reads record", err, guanxi.KindNotFound, "")
		fix := &renewal.Record{ID: lapse.ID, Outcome: renewal.Renewed, FeeMinor: 300000, NewDueOn: "2027-04-15"}
		if err := svc.Correct(ctx, f.ManagerA, fix, 1); err != nil {
			t.Fatal(err)
		}
		if h2g, _ := svc.Holding(ctx, f.AgentA1, h2.ID); h2g.DueOn != "2027-04-15" || h2g.Status != renewal.Renewed {
			t.Fatalf("holding after correction: %+v", h2g)
		}
		err = svc.Correct(ctx, f.ManagerA, &renewal.Record{ID: lapse.ID, Outcome: renewal.Lapsed, ReasonCode: "other"}, 1)
		renewalWant(t, "stale correction", err, guanxi.KindPreconditionFailed, "")
		// And back: the due date returns to the period's.
		if err := svc.Correct(ctx, f.AgentA1, &renewal.Record{ID: lapse.ID, Outcome: renewal.Lapsed, ReasonCode: "own_reasons"}, 2); err != nil {
			t.Fatal(err)
		}
		r, err := svc.Get(ctx, f.AgentA1, lapse.ID)
		if err != nil || r.Outcome != renewal.Lapsed || r.ReasonCode != "own_reasons" || r.FeeMinor != 0 || r.Version != 3 || r.CustomerName != "星空网吧" {
			t.Fatalf("record: %+v %v", r, err)
		}
		if h2g, _ := svc.Holding(ctx, f.AgentA1, h2.ID); h2g.DueOn != "2026-04-15" || h2g.Status != renewal.Lapsed {
			t.Fatalf("holding after second correction: %+v", h2g)
		}
		// Once a later period is decided, the first renewal cannot move.
		err = svc.Correct(ctx, f.AgentA1, &renewal.Record{ID: rec.ID, Outcome: renewal.Renewed, NewDueOn: "2026-10-31", FeeMinor: 1}, 1)
		if err != nil {
			t.Fatal(err) // nothing decided after it yet: allowed
		}
		if err := svc.Record(ctx, f.AgentA1, h.ID, &renewal.Record{Outcome: renewal.Renewed, NewDueOn: "2027-04-30"}, 0); err != nil {
			t.Fatal(err)
		}
		err = svc.Correct(ctx, f.AgentA1, &renewal.Record{ID: rec.ID, Outcome: renewal.Lapsed, ReasonCode: "other"}, 2)
		renewalWant(t, "correct an earlier period", err, guanxi.KindConflict, "renewal.later_period")
		if n := auditRows(t, s, "renewal.outcome"); n != 6 {
			t.Fatalf("audit rows: %d", n)
		}

		// The due list: the window's periods, pending and decided, in scope.
		items, err := dueOf(svc.Due(ctx, f.ManagerA, renewal.DueQuery{From: "2026-03-01", To: "2026-04-30"}))
		if err != nil || len(items) != 2 || items[0].PeriodDue != "2026-03-31" || items[0].Status() != renewal.Renewed ||
			items[1].Status() != renewal.Lapsed || items[1].ReasonCode != "own_reasons" {
			t.Fatalf("due list: %+v %v", items, err)
		}
		h3 := mkHolding(t, s, f.AgentA1, c.ID, "policy", "2026-02-20", nil)
		items, _ = dueOf(svc.Due(ctx, f.AgentA1, renewal.DueQuery{From: "2026-03-01", To: "2026-04-30", Overdue: true, Status: renewal.Pending}))
		if len(items) != 1 || items[0].ID != h3.ID {
			t.Fatalf("overdue pending: %+v", items)
		}
		if items, _ = dueOf(svc.Due(ctx, f.AgentB, renewal.DueQuery{From: "2000-01-01", To: "2099-12-31", Overdue: true})); len(items) != 0 {
			t.Fatalf("agent B sees %+v", items)
		}
	})
}

// TestRenewalReport: monthly due/renewed/lapsed/pending and fees, the
// rate, reason shares adding up to 100%, and the manager's scope.
func TestRenewalReport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := renewalService(s)
		a1 := mkCustomer(t, s, f.AgentA1, "网吧甲", "13800138030", "")
		a2 := mkCustomer(t, s, f.AgentA2, "网吧乙", "13800138031", "")
		b := mkCustomer(t, s, f.AgentB, "网吧丙", "13800138032", "")
		renew := func(a guanxi.Actor, cust guanxi.ID, due string, fee int64) {
			h := mkHolding(t, s, a, cust, "subscription", due, nil)
			nd, _ := renewal.AddMonths(due, 12)
			if err := svc.Record(ctx, a, h.ID, &renewal.Record{Outcome: renewal.Renewed, FeeMinor: fee, NewDueOn: nd}, 0); err != nil {
				t.Fatal(err)
			}
		}
		lapse := func(a guanxi.Actor, cust guanxi.ID, due, reason string) {
			h := mkHolding(t, s, a, cust, "subscription", due, nil)
			if err := svc.Record(ctx, a, h.ID, &renewal.Record{Outcome: renewal.Lapsed, ReasonCode: reason}, 0); err != nil {
				t.Fatal(err)
			}
		}
		// March: 3 due, 2 renewed (¥1,200 + ¥800), 1 lapsed.
		renew(f.AgentA1, a1.ID, "2026-03-05", 120000)
		renew(f.AgentA2, a2.ID, "2026-03-20", 80000)
		lapse(f.AgentA1, a1.ID, "2026-03-28", "server_unstable")
		// April: 4 due, 1 renewed, 2 lapsed, 1 pending.
		renew(f.AgentA1, a1.ID, "2026-04-01", 50000)
		lapse(f.AgentA2, a2.ID, "2026-04-02", "too_expensive")
		lapse(f.AgentA1, a1.ID, "2026-04-03", "lost_popularity")
		mkHolding(t, s, f.AgentA1, a1.ID, "subscription", "2026-04-30", nil)
		mkHolding(t, s, f.AgentA1, a1.ID, "loan", "2026-04-30", nil) // another kind
		// Branch B is outside the manager of A's subtree.
		renew(f.AgentB, b.ID, "2026-03-10", 999900)
		lapse(f.AgentB, b.ID, "2026-04-10", "poor_service")

		rep, err := svc.Report(ctx, f.ManagerA, renewal.ReportQuery{From: "2026-02", To: "2026-04", Kind: "subscription"}, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Months) != 3 || rep.Months[0].Due != 0 {
			t.Fatalf("months: %+v", rep.Months)
		}
		mar, apr := rep.Months[1], rep.Months[2]
		if mar.Month != "2026-03" || mar.Due != 3 || mar.Renewed != 2 || mar.Lapsed != 1 || mar.Pending != 0 || mar.FeeMinor != 200000 {
			t.Fatalf("march: %+v", mar)
		}
		if apr.Due != 4 || apr.Renewed != 1 || apr.Lapsed != 2 || apr.Pending != 1 || apr.FeeMinor != 50000 {
			t.Fatalf("april: %+v", apr)
		}
		if rate, ok := mar.Rate(); !ok || rate < 66.66 || rate > 66.67 {
			t.Fatalf("march rate %v", rate)
		}
		if rep.Total.Due != 7 || rep.Total.Renewed != 3 || rep.Total.FeeMinor != 250000 {
			t.Fatalf("total: %+v", rep.Total)
		}
		// Three reasons once each: 33.4 + 33.3 + 33.3 = 100.0, in the
		// reasons' configured order.
		var sum int64
		codes := ""
		for _, r := range rep.Reasons {
			sum += r.Tenths
			codes += r.Code + "=" + renewalItoa(r.Tenths) + " "
		}
		if sum != 1000 || codes != "server_unstable=334 lost_popularity=333 too_expensive=333 " {
			t.Fatalf("reasons: %s (sum %d)", codes, sum)
		}
		if rep.Reasons[0].Name != "服务器不稳定、故障多" {
			t.Fatalf("reason name: %q", rep.Reasons[0].Name)
		}
		// All kinds and the whole org for the admin.
		rep, err = svc.Report(ctx, f.Admin, renewal.ReportQuery{From: "2026-03", To: "2026-04"}, "en")
		if err != nil || rep.Total.Due != 10 || rep.Total.FeeMinor != 1249900 || len(rep.Reasons) != 4 {
			t.Fatalf("admin report: %+v %v", rep.Total, err)
		}
		// Agents have no report permission; bad months are field errors.
		_, err = svc.Report(ctx, f.AgentA1, renewal.ReportQuery{}, "zh-CN")
		renewalWant(t, "agent report", err, guanxi.KindForbidden, "")
		_, err = svc.Report(ctx, f.ManagerA, renewal.ReportQuery{From: "2026-13", To: "2026-01"}, "zh-CN")
		renewalWant(t, "bad month", err, guanxi.KindInvalid, "")
		// Default window: the six months up to the current one.
		rep, err = svc.Report(ctx, f.ManagerA, renewal.ReportQuery{}, "zh-CN")
		if err != nil || rep.Query.From != "2025-11" || rep.Query.To != "2026-04" || len(rep.Months) != 6 {
			t.Fatalf("default window: %+v %v", rep.Query, err)
		}
	})
}

// TestRenewalReasons: defaults seeded; care.admin adds and retires codes;
// a retired code cannot be chosen for a new lapse.
func TestRenewalReasons(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := renewalService(s)
		rs, err := svc.Reasons(ctx, f.AgentA1, false)
		if err != nil || len(rs) != 6 || rs[0].Code != "server_unstable" || rs[5].Code != "other" || !rs[0].Active {
			t.Fatalf("defaults: %+v %v", rs, err)
		}
		nr := &renewal.Reason{Code: "competitor", NameZh: "被竞争对手挖走", NameEn: "Lost to a competitor", Position: 55, Active: true}
		renewalWant(t, "agent adds", svc.SaveReason(ctx, f.AgentA1, nr, 0), guanxi.KindForbidden, "")
		if err := svc.SaveReason(ctx, f.ManagerA, nr, 0); err != nil {
			t.Fatal(err)
		}
		err = svc.SaveReason(ctx, f.ManagerA, &renewal.Reason{Code: "competitor", NameZh: "x", Active: true}, 0)
		renewalWant(t, "duplicate code", err, guanxi.KindInvalid, "")
		err = svc.SaveReason(ctx, f.ManagerA, &renewal.Reason{Code: "Bad Code", NameZh: ""}, 0)
		if guanxi.KindOf(err) != guanxi.KindInvalid || len(guanxi.AsError(err).Fields) != 2 {
			t.Fatalf("bad reason: %v", err)
		}
		nr.Active = false
		if err := svc.SaveReason(ctx, f.Admin, nr, 1); err != nil {
			t.Fatal(err)
		}
		renewalWant(t, "stale reason", svc.SaveReason(ctx, f.Admin, nr, 1), guanxi.KindPreconditionFailed, "")
		c := mkCustomer(t, s, f.AgentA1, "网吧丁", "13800138040", "")
		h := mkHolding(t, s, f.AgentA1, c.ID, "subscription", "2026-05-01", nil)
		err = svc.Record(ctx, f.AgentA1, h.ID, &renewal.Record{Outcome: renewal.Lapsed, ReasonCode: "competitor"}, 0)
		renewalWant(t, "retired reason", err, guanxi.KindInvalid, "")
		if all, _ := svc.Reasons(ctx, f.Admin, true); len(all) != 7 || all[5].Code != "competitor" || all[5].Active {
			t.Fatalf("all reasons: %+v", all)
		}
	})
}

func renewalItoa(n int64) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// TestRenewalRace: several people deciding the same period at once get one
// success; the others a conflict or a stale version, and one record exists.
// Each names the period it decides, as the forms and the API clients do.
func TestRenewalRace(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := renewalService(s)
		c := mkCustomer(t, s, f.AgentA1, "网吧戊", "13800138050", "")
		h := mkHolding(t, s, f.AgentA1, c.ID, "subscription", "2026-06-30", nil)
		const n = 4
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func(i int) {
				who := []guanxi.Actor{f.AgentA1, f.ManagerA}[i%2]
				errs <- svc.Record(ctx, who, h.ID, &renewal.Record{Outcome: renewal.Renewed, FeeMinor: int64(i + 1), NewDueOn: "2027-06-30", DueOn: "2026-06-30"}, 0)
			}(i)
		}
		ok := 0
		for i := 0; i < n; i++ {
			switch err := <-errs; guanxi.KindOf(err) {
			case guanxi.KindConflict, guanxi.KindPreconditionFailed:
			default:
				if err != nil {
					t.Fatalf("racing record: %v", err)
				}
				ok++
			}
		}
		items, err := dueOf(svc.Due(ctx, f.Admin, renewal.DueQuery{From: "2026-06-01", To: "2026-06-30"}))
		if ok != 1 || err != nil || len(items) != 1 || items[0].Status() != renewal.Renewed {
			t.Fatalf("%d successes, items %+v %v", ok, items, err)
		}
		if got, _ := svc.Holding(ctx, f.Admin, h.ID); got.DueOn != "2027-06-30" || got.Version != 2 {
			t.Fatalf("holding: %+v", got)
		}
	})
}
