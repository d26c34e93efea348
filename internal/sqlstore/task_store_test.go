package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

func taskService(s *sqlstore.Store) *task.Service {
	return &task.Service{Store: s, Loc: shanghai, Now: time.Now}
}

func mkCustomer(t *testing.T, s *sqlstore.Store, a guanxi.Actor, name, mobile, grade string) *customer.Customer {
	t.Helper()
	c := newCustomer(name, mobile, a.UserID)
	c.Grade = grade
	if err := s.CreateCustomer(context.Background(), a, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestInteractionNextActionTask: a dated next action becomes the owner's
// task in the same transaction; closing it logs the follow-up; scope holds.
func TestInteractionNextActionTask(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := taskService(s)
		c := mkCustomer(t, s, f.AgentA1, "王五", "13800138001", "")
		today := svc.Today()
		// The manager logs the contact; the task goes to the owner.
		in := &customer.Interaction{CustomerID: c.ID, Channel: "phone", Direction: "out", Purpose: "sales",
			Summary: "介绍理财", NextAction: "回电确认", NextActionOn: today, OccurredAt: time.Now()}
		if err := s.AddInteraction(ctx, f.ManagerA, in); err != nil {
			t.Fatal(err)
		}
		if in.TaskID == nil {
			t.Fatal("no task linked")
		}
		day, err := svc.Day(ctx, f.AgentA1)
		if err != nil || len(day.Due) != 1 || day.Due[0].ID != *in.TaskID || day.Due[0].OwnerID != f.AgentA1.UserID ||
			day.Due[0].Kind != task.KindNextAction || day.Due[0].CustomerName != "王五" {
			t.Fatalf("today: %+v %v", day.Due, err)
		}
		list, _ := s.ListInteractions(ctx, f.AgentA1, c.ID, 10)
		if len(list) != 1 || list[0].Purpose != "sales" || list[0].TaskID == nil {
			t.Fatalf("interactions: %+v", list)
		}
		// Out of scope: NotFound, and nothing changes.
		for _, who := range []guanxi.Actor{f.AgentA2, f.AgentB} {
			if _, err := svc.Get(ctx, who, *in.TaskID); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Fatalf("get as %s: %v", who.Username, err)
			}
			if _, err := svc.Complete(ctx, who, *in.TaskID, 1, task.Close{Status: task.StatusDone}, nil); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Fatalf("complete as %s: %v", who.Username, err)
			}
		}
		// Skip needs an outcome.
		if _, err := svc.Complete(ctx, f.AgentA1, *in.TaskID, 1, task.Close{Status: task.StatusSkipped}, nil); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("skip without outcome: %v", err)
		}
		// Done with a logged follow-up.
		done, err := svc.Complete(ctx, f.AgentA1, *in.TaskID, 1, task.Close{Status: task.StatusDone, Outcome: "已确认"},
			&customer.Interaction{Channel: "phone", Direction: "out"})
		if err != nil || done.Status != task.StatusDone || done.InteractionID == nil || done.Version != 2 {
			t.Fatalf("complete: %+v %v", done, err)
		}
		list, _ = s.ListInteractions(ctx, f.AgentA1, c.ID, 10)
		if len(list) != 2 || list[0].Purpose != "follow_up" || list[0].ID != *done.InteractionID {
			t.Fatalf("follow-up not logged: %+v", list)
		}
		// Stale and already-closed.
		if _, err := svc.Complete(ctx, f.AgentA1, *in.TaskID, 1, task.Close{Status: task.StatusDone}, nil); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale: %v", err)
		}
		if _, err := svc.Complete(ctx, f.AgentA1, *in.TaskID, 2, task.Close{Status: task.StatusDone}, nil); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("closed twice: %v", err)
		}
		day, _ = svc.Day(ctx, f.AgentA1)
		if len(day.Due) != 0 {
			t.Fatalf("done task still due: %+v", day.Due)
		}
		// The manager sees the team's completion.
		day, err = svc.Day(ctx, f.ManagerA)
		if err != nil || len(day.Team) != 1 || day.Team[0].Due != 1 || day.Team[0].Done != 1 || day.Team[0].Rate() != 100 {
			t.Fatalf("team: %+v %v", day.Team, err)
		}
		// A manual task, upcoming and overdue ordering.
		mt := &task.Task{Title: "送生日礼", CustomerID: c.ID, DueOn: task.AddDays(today, 3)}
		if err := svc.Create(ctx, f.AgentA1, mt); err != nil {
			t.Fatal(err)
		}
		old := &task.Task{Title: "逾期", CustomerID: c.ID, DueOn: task.AddDays(today, -2)}
		if err := svc.Create(ctx, f.AgentA1, old); err != nil {
			t.Fatal(err)
		}
		day, _ = svc.Day(ctx, f.AgentA1)
		if len(day.Upcoming) != 1 || day.Upcoming[0].ID != mt.ID || len(day.Due) != 1 || !day.Due[0].Overdue(today) {
			t.Fatalf("day: %+v", day)
		}
		if err := svc.Create(ctx, f.AgentB, &task.Task{Title: "x", CustomerID: c.ID, DueOn: today}); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("create out of scope: %v", err)
		}
	})
}

func countTasks(t *testing.T, s *sqlstore.Store, planID guanxi.ID) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM tasks WHERE plan_id = " + itoa(planID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type planFixture struct {
	vehicle, service, grade, complaint task.Plan
	tickets                            bool
}

// seedPlans makes one plan per trigger and one event of each.
func seedPlans(t *testing.T, s *sqlstore.Store, svc *task.Service, f staffFixture) planFixture {
	t.Helper()
	ctx := context.Background()
	today := svc.Today()
	start := task.AddDays(today, -30)
	c := mkCustomer(t, s, f.AgentA1, "赵六", "13800138002", "gold")
	mkCustomer(t, s, f.AgentB, "钱七", "13800138003", "silver")
	var pf planFixture
	for _, p := range []*task.Plan{
		{Name: "交车3天回访", Trigger: task.TriggerVehicleDelivery, OffsetDays: 3, Title: "交车回访：{customer}"},
		{Name: "保养后回访", Trigger: task.TriggerService, OffsetDays: 1, Title: "保养回访"},
		{Name: "金卡月访", Trigger: task.TriggerPeriodicGrade, Grades: []string{"gold", "platinum"}, Title: "月度问候"},
		{Name: "投诉结案7天", Trigger: task.TriggerComplaintClosed, OffsetDays: 7, Title: "投诉回访"},
	} {
		p.Active, p.StartsOn = true, start
		if err := svc.SavePlan(ctx, f.Admin, p, 0); err != nil {
			t.Fatal(err)
		}
	}
	plans, _ := s.ListPlans(ctx)
	pf.vehicle, pf.service, pf.grade, pf.complaint = plans[0], plans[1], plans[2], plans[3]
	// A delivery two days ago, one before the plan started (ignored).
	for _, on := range []string{task.AddDays(today, -2), task.AddDays(today, -90)} {
		h := &customer.Holding{CustomerID: c.ID, Kind: "vehicle", Name: "轿车", Currency: "CNY", OpenedOn: on}
		if err := s.SaveHolding(ctx, f.AgentA1, h, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddTransaction(ctx, f.AgentA1, &customer.Transaction{CustomerID: c.ID, Kind: "service", AmountMinor: 50000,
		Currency: "CNY", OccurredAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO tickets (number, status, channel, severity, subject, description, customer_id,
		received_at, closed_at, created_at, updated_at) VALUES ('TS-T-1', 'closed', 'phone', 'low', 'x', 'x', ` + itoa(c.ID) + `,
		CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`); err == nil {
		pf.tickets = true
	} else {
		t.Logf("tickets fixture skipped: %v", err)
	}
	return pf
}

// TestFollowUpPlans: each trigger makes one task per occurrence, and a
// second run makes none.
func TestFollowUpPlans(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := taskService(s)
		pf := seedPlans(t, s, svc, f)
		want := 3
		if pf.tickets {
			want = 4
		}
		n, err := svc.RunPlans(ctx, time.Now())
		if err != nil || n != want {
			t.Fatalf("first run made %d (%v), want %d", n, err, want)
		}
		n, err = svc.RunPlans(ctx, time.Now())
		if err != nil || n != 0 {
			t.Fatalf("second run made %d (%v)", n, err)
		}
		for _, p := range []task.Plan{pf.vehicle, pf.service, pf.grade} {
			if c := countTasks(t, s, p.ID); c != 1 {
				t.Errorf("plan %s: %d tasks", p.Name, c)
			}
		}
		if pf.tickets && countTasks(t, s, pf.complaint.ID) != 1 {
			t.Error("complaint plan made no task")
		}
		today := svc.Today()
		ts, err := svc.List(ctx, f.AgentA1, task.ListQuery{DueFrom: task.AddDays(today, -10), DueTo: task.AddDays(today, 40)})
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, x := range ts {
			titles = append(titles, x.Title+"@"+x.DueOn)
		}
		wantVehicle := "交车回访：赵六@" + task.AddDays(today, 1)
		found := false
		for _, x := range titles {
			found = found || x == wantVehicle
		}
		if !found {
			t.Fatalf("tasks %v lack %s", titles, wantVehicle)
		}
		// A manager edits only plans of its subtree; a global plan is not its.
		p := pf.vehicle
		if err := svc.SavePlan(ctx, f.ManagerA, &p, p.Version); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("manager edits global plan: %v", err)
		}
		unit := f.ManagerA.OrgUnitID
		mp := &task.Plan{Name: "A支行保养", Trigger: task.TriggerService, Title: "x", Active: true, OrgUnitID: &unit}
		if err := svc.SavePlan(ctx, f.ManagerA, mp, 0); err != nil {
			t.Fatal(err)
		}
		other := guanxi.ID(3)
		bad := &task.Plan{Name: "B", Trigger: task.TriggerService, Title: "x", Active: true, OrgUnitID: &other}
		if err := svc.SavePlan(ctx, f.ManagerA, bad, 0); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("manager plan outside subtree: %v", err)
		}
		if _, err := svc.Plans(ctx, f.AgentA1); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent lists plans: %v", err)
		}
	})
}

// TestFollowUpPlansConcurrent runs the plans from two stores (two servers)
// on one PostgreSQL database at once: each occurrence makes one task.
func TestFollowUpPlansConcurrent(t *testing.T) {
	dsn := sqltest.PostgresDSN(t)
	ctx := context.Background()
	open := func() *sqlstore.Store {
		s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, s2 := open(), open()
	f := seedStaff(t, s1)
	pf := seedPlans(t, s1, taskService(s1), f)
	// More occurrences, so the two runs overlap.
	for i := 0; i < 40; i++ {
		c := mkCustomer(t, s1, f.AgentA2, "客户", "1390000"+itoa(guanxi.ID(1000+i)), "gold")
		if err := s1.AddTransaction(ctx, f.AgentA2, &customer.Transaction{CustomerID: c.ID, Kind: "service",
			AmountMinor: 100, Currency: "CNY", OccurredAt: time.Now().Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	made := make([]int, 4)
	errs := make([]error, 4)
	for i, s := range []*sqlstore.Store{s1, s2, s1, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			made[i], errs[i] = taskService(s).RunPlans(ctx, time.Now())
		}()
	}
	wg.Wait()
	total := 0
	for i := range made {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		total += made[i]
	}
	if c := countTasks(t, s1, pf.service.ID); c != 41 {
		t.Fatalf("service tasks %d, want 41", c)
	}
	if c := countTasks(t, s1, pf.grade.ID); c != 41 {
		t.Fatalf("grade tasks %d, want 41", c)
	}
	var all int
	s1.DB().QueryRow("SELECT COUNT(*) FROM tasks").Scan(&all)
	if total != all {
		t.Fatalf("runs report %d tasks, table has %d", total, all)
	}
}

func mustInteraction(customerID guanxi.ID) *customer.Interaction {
	return &customer.Interaction{CustomerID: customerID, Channel: "phone", Direction: "out", Purpose: "care",
		Summary: "问候", OccurredAt: time.Now()}
}
