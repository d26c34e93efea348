package sqlstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/lunar"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
)

func careService(s *sqlstore.Store, now time.Time) *care.Service {
	return &care.Service{Store: s, Loc: shanghai, Now: func() time.Time { return now }}
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func careCustomer(t *testing.T, s *sqlstore.Store, a guanxi.Actor, name, birthday string, sms bool, grade string) *customer.Customer {
	t.Helper()
	c := newCustomer(name, "", a.UserID)
	c.Birthday, c.Grade = birthday, grade
	c.Consent = map[string]bool{"sms": sms}
	if err := s.CreateCustomer(context.Background(), a, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func saveRule(t *testing.T, s *sqlstore.Store, a guanxi.Actor, r *care.Rule) {
	t.Helper()
	r.Enabled = true
	if err := careService(s, time.Now()).Save(context.Background(), a, r, 0); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, s *sqlstore.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if s.Dialect() == sqlstore.Postgres {
		q = sqlstore.RebindDollarForTest(q)
	}
	if err := s.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func run(t *testing.T, s *sqlstore.Store, now time.Time) care.Result {
	t.Helper()
	res, err := careService(s, now).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCareBirthdayRun: audience, consent, cap and quiet hours; a repeated
// run fires nothing; deleted customers are skipped.
func TestCareBirthdayRun(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		c1 := careCustomer(t, s, f.AgentA1, "生日甲", "1990-07-15", true, "")
		c2 := careCustomer(t, s, f.AgentA1, "无授权", "1985-07-15", false, "")
		careCustomer(t, s, f.AgentA1, "明天", "1990-07-16", true, "")
		gone := careCustomer(t, s, f.AgentA1, "已删除", "1990-07-15", true, "")
		if err := s.DeleteCustomer(ctx, f.Admin, gone.ID, gone.Version); err != nil {
			t.Fatal(err)
		}
		c5 := careCustomer(t, s, f.AgentB, "金卡", "1970-07-15", true, "gold")
		// Born 1990-07-15 = lunar 1990-05-23: celebrates on lunar 5/23.
		lc := newCustomer("农历生日", "", f.AgentA2.UserID)
		lc.Birthday, lc.LunarBirthday, lc.Consent = "1990-07-15", true, map[string]bool{"sms": true}
		if err := s.CreateCustomer(ctx, f.AgentA2, lc); err != nil {
			t.Fatal(err)
		}
		gold := &care.Rule{Name: "金卡生日", Kind: care.KindBirthday, Channel: care.ChannelSMS,
			Audience: `{"field":"grade","op":"eq","value":"gold"}`}
		saveRule(t, s, f.Admin, gold)
		now := at("2026-07-15 06:30") // inside 21:00–08:00
		if res := run(t, s, now); res.Fired != 1 || res.Messages != 1 {
			t.Fatalf("gold run: %+v", res)
		}
		capped := &care.Rule{Name: "生日", Kind: care.KindBirthday, Channel: care.ChannelSMS, CreateTask: true,
			QuietStart: "21:00", QuietEnd: "08:00", CapCount: 1, CapDays: 30}
		saveRule(t, s, f.Admin, capped)
		res := run(t, s, now)
		if res.Fired != 1 || res.Suppressed != 1 || res.Capped != 1 || res.Tasks != 3 || res.Messages != 1 {
			t.Fatalf("run: %+v", res)
		}
		if again := run(t, s, now); again != (care.Result{Rules: 2}) {
			t.Fatalf("repeat: %+v", again)
		}
		ly, lm, ld, err := lunar.ToSolar(lunar.Date{Year: 2026, Month: 5, Day: 23})
		if err != nil {
			t.Fatal(err)
		}
		lunarDay := time.Date(ly, lm, ld, 9, 0, 0, 0, shanghai)
		if res := run(t, s, lunarDay); res.Fired != 1 {
			t.Fatalf("lunar birthday on %v: %+v", lunarDay, res)
		}
		if ev, _ := eventsOf(careService(s, now).Events(ctx, f.Admin, care.EventQuery{CustomerID: lc.ID})); len(ev) != 1 || ev[0].Occurrence != "lunar-2026" {
			t.Fatalf("lunar events %+v", ev)
		}
		status := func(c guanxi.ID) string {
			var st string
			q := "SELECT status FROM care_events WHERE rule_id = ? AND customer_id = ? AND occurrence = '2026'"
			if s.Dialect() == sqlstore.Postgres {
				q = sqlstore.RebindDollarForTest(q)
			}
			if err := s.DB().QueryRow(q, capped.ID, c).Scan(&st); err != nil {
				t.Fatal(err)
			}
			return st
		}
		if status(c1.ID) != care.EventFired || status(c2.ID) != care.EventSuppressed || status(c5.ID) != care.EventCapped {
			t.Fatalf("statuses %s %s %s", status(c1.ID), status(c2.ID), status(c5.ID))
		}
		if n := count(t, s, "SELECT COUNT(*) FROM care_events WHERE customer_id = ?", gone.ID); n != 0 {
			t.Fatalf("deleted customer has %d events", n)
		}
		// Quiet hours: queued for 08:00 Shanghai.
		var sendAfter time.Time
		q := "SELECT send_after FROM outbox_messages WHERE customer_id = ? AND purpose = 'care'"
		if s.Dialect() == sqlstore.Postgres {
			q = sqlstore.RebindDollarForTest(q)
		}
		if err := s.DB().QueryRow(q, c1.ID).Scan(&sendAfter); err != nil {
			t.Fatal(err)
		}
		if !sendAfter.Equal(at("2026-07-15 08:00")) {
			t.Fatalf("send_after %v", sendAfter.In(shanghai))
		}
		// The owner's today list holds the care task (due today).
		ts, err := s.ListTasks(ctx, f.AgentA1, task.ListQuery{OwnerID: f.AgentA1.UserID, Status: task.StatusOpen,
			DueFrom: "2026-07-15", DueTo: "2026-07-15", Limit: 10})
		if err != nil || len(ts) != 2 || ts[0].Kind != task.KindCare {
			t.Fatalf("tasks %+v %v", ts, err)
		}
		// Events are listed in scope only.
		ev, err := eventsOf(careService(s, now).Events(ctx, f.AgentB, care.EventQuery{}))
		if err != nil || len(ev) != 2 {
			t.Fatalf("agent B events %d %v", len(ev), err)
		}
		for _, e := range ev {
			if e.CustomerID != c5.ID {
				t.Fatalf("agent B sees %+v", e)
			}
		}
		info, err := careService(s, now).TaskInfo(ctx, f.AgentA1, []guanxi.ID{ts[0].ID, ts[1].ID})
		if err != nil || len(info) != 2 || info[ts[0].ID].RuleKind != care.KindBirthday {
			t.Fatalf("task info %+v %v", info, err)
		}
		if info, _ := careService(s, now).TaskInfo(ctx, f.AgentB, []guanxi.ID{ts[0].ID}); len(info) != 0 {
			t.Fatalf("out of scope task info %+v", info)
		}
	})
}

// TestCareDormancyT30 is test vector T30 (CARE-06): last visit 15 Jan, six
// months → churn flag and call task on 15 Jul; the reason is captured and
// reported.
func TestCareDormancyT30(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		lost := careCustomer(t, s, f.AgentA1, "久未来店", "", false, "")
		active := careCustomer(t, s, f.AgentA1, "常来", "", false, "")
		q := "UPDATE customers SET created_at = ? WHERE id IN (?, ?)"
		if s.Dialect() == sqlstore.Postgres {
			q = sqlstore.RebindDollarForTest(q)
		}
		if _, err := s.DB().Exec(q, at("2025-10-01 09:00").UTC(), lost.ID, active.ID); err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			c  guanxi.ID
			on string
			ch string
		}{{lost.ID, "2026-01-15 10:00", "store_visit"}, {lost.ID, "2026-03-01 10:00", "phone"}, {active.ID, "2026-05-01 10:00", "store_visit"}} {
			if err := s.AddInteraction(ctx, f.AgentA1, &customer.Interaction{CustomerID: v.c, Channel: v.ch,
				Direction: "in", Summary: "到店", OccurredAt: at(v.on)}); err != nil {
				t.Fatal(err)
			}
		}
		r := &care.Rule{Name: "六个月未来店", Kind: care.KindDormancy}
		saveRule(t, s, f.Admin, r)
		if r.Params.DormantMonths != 6 || r.Params.Activity != care.ActivityVisit || !r.CreateTask {
			t.Fatalf("defaults %+v", r)
		}
		if res := run(t, s, at("2026-07-14 07:00")); res.Fired != 0 {
			t.Fatalf("14 Jul: %+v", res)
		}
		if res := run(t, s, at("2026-07-15 07:00")); res.Fired != 1 || res.Tasks != 1 {
			t.Fatalf("15 Jul: %+v", res)
		}
		if res := run(t, s, at("2026-07-16 07:00")); res.Fired != 0 {
			t.Fatalf("repeat: %+v", res)
		}
		ts, err := s.ListTasks(ctx, f.AgentA1, task.ListQuery{CustomerID: lost.ID, Status: task.StatusOpen, Limit: 10})
		if err != nil || len(ts) != 1 || ts[0].Kind != task.KindChurn || ts[0].DueOn != "2026-07-15" {
			t.Fatalf("churn task %+v %v", ts, err)
		}
		ev, _ := eventsOf(careService(s, time.Now()).Events(ctx, f.Admin, care.EventQuery{RuleID: r.ID}))
		if len(ev) != 1 || ev[0].Occurrence != "dormant-since-2026-01-15" || ev[0].EventOn != "2026-07-15" {
			t.Fatalf("events %+v", ev)
		}
		svc := careService(s, time.Now())
		done := task.Close{Status: task.StatusDone, Outcome: "已联系"}
		if err := svc.CloseChurn(ctx, f.AgentA1, ts[0].ID, ts[0].Version, done, "", ""); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("done without reason: %v", err)
		}
		if err := svc.CloseChurn(ctx, f.AgentB, ts[0].ID, ts[0].Version, done, "sold", ""); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("out of scope: %v", err)
		}
		if err := svc.CloseChurn(ctx, f.AgentA1, ts[0].ID, ts[0].Version, done, "sold", "车已卖给朋友"); err != nil {
			t.Fatal(err)
		}
		if err := svc.CloseChurn(ctx, f.AgentA1, ts[0].ID, ts[0].Version, done, "sold", ""); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale: %v", err)
		}
		today := svc.Today()
		rep, err := svc.Report(ctx, f.ManagerA, "2026-01-01", today)
		if err != nil || rep.Churned != 1 || len(rep.Reasons) != 1 || rep.Reasons[0].Code != "sold" || rep.Reasons[0].Pct != 100 {
			t.Fatalf("report %+v %v", rep, err)
		}
		// KPI-18: one of the two customers at 1 Jan turned dormant.
		if rep.Dormant != 1 || rep.Base != 2 || rep.ChurnRate() != 50 {
			t.Fatalf("churn rate %d/%d %v", rep.Dormant, rep.Base, rep.ChurnRate())
		}
		if rep.Total.Done != 1 || len(rep.Staff) != 1 || rep.Staff[0].ID != f.AgentA1.UserID {
			t.Fatalf("completion %+v", rep)
		}
		if rep, _ := svc.Report(ctx, f.AgentB, "2026-01-01", today); rep.Churned != 0 {
			t.Fatalf("agent B may not read the report")
		}
	})
}

// TestCareHoldingKinds: expiry offsets, loan due, anniversaries and
// service due from vehicle holdings.
func TestCareHoldingKinds(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		c := careCustomer(t, s, f.AgentA1, "车主", "", true, "")
		hold := func(kind customer.HoldingKind, model, opened, due string, attrs map[string]any) *customer.Holding {
			h := &customer.Holding{CustomerID: c.ID, Kind: kind, Name: model, Model: model, OpenedOn: opened, DueOn: due,
				Currency: "CNY", BalanceMinor: 1234500, Attrs: attrs}
			if err := s.SaveHolding(ctx, f.AgentA1, h, 0); err != nil {
				t.Fatal(err)
			}
			return h
		}
		sub := hold("subscription", "会员", "2025-08-14", "2026-08-14", nil)
		hold("loan", "经营贷", "2025-01-01", "2026-07-22", nil)
		car := hold("vehicle", "卡罗拉", "2025-07-15", "", map[string]any{"km_per_month": 2000})
		carID := car.ID
		if err := s.AddTransaction(ctx, f.AgentA1, &customer.Transaction{CustomerID: c.ID, HoldingID: &carID, Kind: "service",
			AmountMinor: 50000, Currency: "CNY", OccurredAt: at("2026-07-10 10:00")}); err != nil {
			t.Fatal(err)
		}
		for _, r := range []*care.Rule{
			{Name: "到期", Kind: care.KindExpiry, Channel: care.ChannelSMS},
			{Name: "还款", Kind: care.KindLoanDue, CreateTask: true},
			{Name: "爱车周年", Kind: care.KindAnniversary, Channel: care.ChannelSMS},
			{Name: "保养", Kind: care.KindServiceDue, CreateTask: true, Params: care.Params{Months: 12, KM: 10000, KMPerMonth: 1000}},
		} {
			saveRule(t, s, f.Admin, r)
		}
		// 15 Jul: 30 days before the subscription, 7 before the loan, the
		// car's first birthday; serviced 10 Jul, 10,000 km at 2,000 a
		// month: due 10 Dec.
		res := run(t, s, at("2026-07-15 09:00"))
		if res.Fired != 3 || res.Messages != 2 || res.Tasks != 1 {
			t.Fatalf("15 Jul: %+v", res)
		}
		if res := run(t, s, at("2026-07-16 09:00")); res.Fired != 0 {
			t.Fatalf("16 Jul: %+v", res)
		}
		if res := run(t, s, at("2026-08-07 09:00")); res.Fired != 1 {
			t.Fatalf("7 Aug: %+v", res)
		}
		if res := run(t, s, at("2026-12-15 09:00")); res.Fired != 1 || res.Tasks != 1 {
			t.Fatalf("15 Dec: %+v", res)
		}
		ev, _ := eventsOf(careService(s, time.Now()).Events(ctx, f.Admin, care.EventQuery{CustomerID: c.ID}))
		occ := map[string]bool{}
		for _, e := range ev {
			occ[e.Kind+" "+e.Occurrence] = true
		}
		want := []string{
			"expiry h" + itoa(sub.ID) + "-2026-08-14-30d", "expiry h" + itoa(sub.ID) + "-2026-08-14-7d",
			"anniversary h" + itoa(car.ID) + "-2026", "service_due h" + itoa(car.ID) + "-2026-07-10",
		}
		for _, w := range want {
			if !occ[w] {
				t.Fatalf("missing %q in %v", w, occ)
			}
		}
		var vars string
		q := "SELECT vars FROM outbox_messages WHERE template = 'care.anniversary'"
		if err := s.DB().QueryRow(q).Scan(&vars); err != nil || vars != `{"customer_name":"车主","model":"卡罗拉","years":"1"}` {
			t.Fatalf("vars %s %v", vars, err)
		}
	})
}

// TestCareConcurrentRuns: two stores (two servers) on one database run the
// rules at once; each occurrence fires once.
func TestCareConcurrentRuns(t *testing.T) {
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) {
			ctx := context.Background()
			var dsn string
			if e == "sqlite" {
				dsn = filepath.Join(t.TempDir(), "g.db")
			} else {
				dsn = sqltest.PostgresDSN(t)
			}
			open := func() *sqlstore.Store {
				s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{SyncNormal: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if _, err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return s
			}
			s1 := open()
			s2 := open()
			f := seedStaff(t, s1)
			for i := 0; i < 60; i++ {
				careCustomer(t, s1, f.AgentA1, "客户"+itoa(guanxi.ID(i)), "1980-07-15", true, "")
			}
			saveRule(t, s1, f.Admin, &care.Rule{Name: "生日", Kind: care.KindBirthday, Channel: care.ChannelSMS, CreateTask: true})
			now := at("2026-07-15 09:00")
			var wg sync.WaitGroup
			results := make([]care.Result, 4)
			errs := make([]error, 4)
			for i, s := range []*sqlstore.Store{s1, s2, s1, s2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = careService(s, now).Run(ctx)
				}()
			}
			wg.Wait()
			fired := 0
			for i := range results {
				if errs[i] != nil {
					t.Fatalf("run %d: %v", i, errs[i])
				}
				fired += results[i].Fired
			}
			events := count(t, s1, "SELECT COUNT(*) FROM care_events")
			tasks := count(t, s1, "SELECT COUNT(*) FROM tasks WHERE kind = 'care'")
			msgs := count(t, s1, "SELECT COUNT(*) FROM outbox_messages WHERE purpose = 'care'")
			if fired != 60 || events != 60 || tasks != 60 || msgs != 60 {
				t.Fatalf("fired %d events %d tasks %d messages %d", fired, events, tasks, msgs)
			}
		})
	}
}

// TestCareRuleCRUD: version-checked updates, validation, audit, delete.
func TestCareRuleCRUD(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := careService(s, time.Now())
		r := &care.Rule{Name: "节日问候", Kind: care.KindFestival, Channel: care.ChannelSMS,
			Params: care.Params{Festivals: []string{"mid_autumn", "spring_festival"}}}
		if err := svc.Save(ctx, f.AgentA1, r, 0); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent saves: %v", err)
		}
		if err := svc.Save(ctx, f.ManagerA, r, 0); err != nil {
			t.Fatal(err)
		}
		if r.Template != "care.festival" {
			t.Fatalf("template %q", r.Template)
		}
		bad := &care.Rule{Name: "x", Kind: care.KindBirthday, Channel: care.ChannelNone, Audience: `{"field":"nope"}`,
			QuietStart: "25:00", QuietEnd: "08:00"}
		err := svc.Save(ctx, f.Admin, bad, 0)
		if guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("invalid rule: %v", err)
		}
		got, err := svc.Rule(ctx, f.Admin, r.ID)
		if err != nil || len(got.Params.Festivals) != 2 || got.Version != 1 {
			t.Fatalf("get %+v %v", got, err)
		}
		got.Name = "中秋春节"
		if err := svc.Save(ctx, f.Admin, &got, 1); err != nil {
			t.Fatal(err)
		}
		stale := got
		if err := svc.Save(ctx, f.Admin, &stale, 1); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale update: %v", err)
		}
		if err := svc.Delete(ctx, f.Admin, r.ID, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Rule(ctx, f.Admin, r.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("deleted rule: %v", err)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM audit_log WHERE object_type = 'care_rule'"); n != 3 {
			t.Fatalf("audit rows %d", n)
		}
		if _, err := svc.RunNow(ctx, f.AgentA1, r.ID); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent runs: %v", err)
		}
	})
}
