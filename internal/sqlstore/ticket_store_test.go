package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// stepClock is a settable clock for the ticket service.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func ticketService(s *sqlstore.Store, clock *stepClock) *ticket.Service {
	return &ticket.Service{Store: s, Now: clock.Now}
}

func newTicket(customerID guanxi.ID) *ticket.Ticket {
	id := customerID
	return &ticket.Ticket{Channel: "phone", Subject: "多扣手续费", Description: "客户称账户被多扣 20 元",
		ContactName: "张三", ContactPhone: "13800138000", CustomerID: &id}
}

// TestTicketProcess runs the CMP process end to end on both engines: number,
// steps with history, 412 on a stale version, scope, notices, survey
// idempotency.
func TestTicketProcess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		c := newCustomer("张三", "13800138000", f.AgentA1.UserID)
		if err := s.CreateCustomer(ctx, f.AgentA1, c); err != nil {
			t.Fatal(err)
		}
		clock := &stepClock{t: time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)} // Mon 09:30 Shanghai
		svc := ticketService(s, clock)
		tk := newTicket(c.ID)
		if err := svc.Register(ctx, f.AgentA1, tk); err != nil {
			t.Fatal(err)
		}
		if tk.Number != "TS-2026-000001" || tk.Status != ticket.StatusRegistered || tk.ResolutionDue == nil {
			t.Fatalf("registered: %+v", tk)
		}
		// 10 business days from Mon 2026-03-02 09:30 Shanghai.
		if want := time.Date(2026, 3, 16, 1, 30, 0, 0, time.UTC); !tk.ResolutionDue.Equal(want) {
			t.Errorf("resolution due %v, want %v", tk.ResolutionDue, want)
		}
		tk2 := newTicket(c.ID)
		if err := svc.Register(ctx, f.AgentA1, tk2); err != nil || tk2.Number != "TS-2026-000002" {
			t.Fatalf("second number %q %v", tk2.Number, err)
		}
		// Scope: the other agents and the other branch do not see it.
		for _, who := range []guanxi.Actor{f.AgentA2, f.AgentB} {
			if _, err := svc.Get(ctx, who, tk.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Errorf("%s sees the ticket: %v", who.Username, err)
			}
		}
		for _, who := range []guanxi.Actor{f.ManagerA, f.Admin, f.Auditor} {
			if _, err := svc.Get(ctx, who, tk.ID); err != nil {
				t.Errorf("%s: %v", who.Username, err)
			}
		}
		// Steps.
		got, err := svc.Act(ctx, f.ManagerA, tk.ID, 1, ticket.Action{Step: ticket.StepConfirm})
		if err != nil || got.Status != ticket.StatusConfirmed || got.Version != 2 {
			t.Fatalf("confirm: %+v %v", got, err)
		}
		// Two people at once: the second writer at the old version gets 412.
		if _, err := svc.Act(ctx, f.ManagerA, tk.ID, 1, ticket.Action{Step: ticket.StepNote, Note: "x"}); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale write: %v", err)
		}
		unit := guanxi.ID(4) // team A1
		assignee := f.AgentA2.UserID
		got, err = svc.Act(ctx, f.ManagerA, tk.ID, 2, ticket.Action{Step: ticket.StepRoute, OrgUnitID: &unit, AssigneeID: &assignee})
		if err != nil || got.Status != ticket.StatusRouted || got.AssigneeName != "agent_a2" {
			t.Fatalf("route: %+v %v", got, err)
		}
		// Now agent_a2 sees it (assigned), and has a notification.
		if _, err := svc.Get(ctx, f.AgentA2, tk.ID); err != nil {
			t.Fatalf("assignee cannot see: %v", err)
		}
		if ns, err := s.Notifications(ctx, f.AgentA2.UserID, true, 10); err != nil || len(ns) != 1 || ns[0].Kind != "assigned" {
			t.Fatalf("assignee notifications: %+v %v", ns, err)
		}
		if _, err := svc.Act(ctx, f.AgentA2, tk.ID, 3, ticket.Action{Step: ticket.StepClose}); guanxi.AsError(err).Key != "ticket.close_before_feedback" {
			t.Fatalf("close before feedback: %v", err)
		}
		got, err = svc.Act(ctx, f.AgentA2, tk.ID, 3, ticket.Action{Step: ticket.StepHandle, Resolution: "退还 20 元", RootCause: "费率配置错误"})
		if err != nil {
			t.Fatal(err)
		}
		got, err = svc.Act(ctx, f.AgentA2, tk.ID, got.Version, ticket.Action{Step: ticket.StepFeedback, Feedback: "已电话告知客户", FeedbackChannel: "phone"})
		if err != nil || got.ResolvedAt == nil {
			t.Fatalf("feedback: %+v %v", got, err)
		}
		four := 4
		got, err = svc.Act(ctx, f.AgentA2, tk.ID, got.Version, ticket.Action{Step: ticket.StepOpinion, Opinion: "基本满意", Satisfaction: &four})
		if err != nil {
			t.Fatal(err)
		}
		got, err = svc.Act(ctx, f.AgentA2, tk.ID, got.Version, ticket.Action{Step: ticket.StepClose})
		if err != nil || got.Status != ticket.StatusClosed || got.ClosedAt == nil || got.Satisfaction == nil || *got.Satisfaction != 4 {
			t.Fatalf("close: %+v %v", got, err)
		}
		evs, err := svc.Events(ctx, f.ManagerA, tk.ID)
		if err != nil || len(evs) != 7 {
			t.Fatalf("events: %d %v", len(evs), err)
		}
		if evs[0].Action != "register" || evs[len(evs)-1].Action != "close" || evs[1].ActorName != "mgr_a" {
			t.Errorf("history: %+v", evs)
		}
		// Reopen, then a manager's override close with a reason.
		got, err = svc.Act(ctx, f.AgentA2, tk.ID, got.Version, ticket.Action{Step: ticket.StepReopen, Note: "客户再次来电"})
		if err != nil || got.Status != ticket.StatusRouted || got.ReopenCount != 1 || got.ResolvedAt != nil {
			t.Fatalf("reopen: %+v %v", got, err)
		}
		got, err = svc.Act(ctx, f.ManagerA, tk.ID, got.Version, ticket.Action{Step: ticket.StepClose, Override: true, Note: "客户撤诉"})
		if err != nil || got.Status != ticket.StatusClosed || got.CloseReason != "客户撤诉" {
			t.Fatalf("override close: %+v %v", got, err)
		}
		// Merge the duplicate into the first... the first is closed: refused.
		if _, err := svc.Act(ctx, f.ManagerA, tk2.ID, 1, ticket.Action{Step: ticket.StepMerge, MergeInto: tk.ID}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("merge into closed: %v", err)
		}
		tk3 := newTicket(c.ID)
		if err := svc.Register(ctx, f.AgentA1, tk3); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.Act(ctx, f.ManagerA, tk2.ID, 1, ticket.Action{Step: ticket.StepMerge, MergeInto: tk3.ID}); err != nil || got.Status != ticket.StatusMerged {
			t.Fatalf("merge: %+v %v", got, err)
		}
		// Auditor changes nothing.
		if _, err := svc.Act(ctx, f.Auditor, tk3.ID, 1, ticket.Action{Step: ticket.StepNote, Note: "x"}); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("auditor: %v", err)
		}
		// Rectification notice to team A1: agent_a1 responds, the manager verifies.
		n := &ticket.Notice{TicketID: tk3.ID, OrgUnitID: 4, Problem: "费率配置未复核", Requirement: "建立复核制度", Deadline: "2026-03-20"}
		if err := svc.IssueNotice(ctx, f.ManagerA, n); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.NoticeStep(ctx, f.AgentB, tk3.ID, n.ID, 1, ticket.NoticeAction{Step: "respond", Text: "x"}); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("outsider responds: %v", err)
		}
		rn, err := svc.NoticeStep(ctx, f.AgentA1, tk3.ID, n.ID, 1, ticket.NoticeAction{Step: "respond", Text: "已建立双人复核"})
		if err != nil || rn.Status != ticket.NoticeResponded {
			t.Fatalf("respond: %+v %v", rn, err)
		}
		if rn, err = svc.NoticeStep(ctx, f.ManagerA, tk3.ID, n.ID, 2, ticket.NoticeAction{Step: "verify", Text: "核实通过"}); err != nil || rn.Status != ticket.NoticeVerified {
			t.Fatalf("verify: %+v %v", rn, err)
		}
		// Survey: idempotent per answer.
		id1, num1, err := svc.OpenComplaintFromSurvey(ctx, f.AgentA1, c.ID, 77, 1.5, "服务态度差")
		if err != nil {
			t.Fatal(err)
		}
		id2, num2, err := svc.OpenComplaintFromSurvey(ctx, f.AgentA1, c.ID, 77, 1.5, "服务态度差")
		if err != nil || id1 != id2 || num1 != num2 {
			t.Fatalf("survey twice: %d %s / %d %s %v", id1, num1, id2, num2, err)
		}
		if _, _, err := svc.OpenComplaintFromSurvey(ctx, f.AgentB, c.ID, 78, 1, "x"); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("survey for a customer out of scope: %v", err)
		}
		// Board: filters and cursor.
		page, err := svc.List(ctx, f.ManagerA, ticket.ListQuery{Limit: 2})
		if err != nil || len(page.Items) != 2 || page.NextCursor == "" {
			t.Fatalf("page 1: %d %q %v", len(page.Items), page.NextCursor, err)
		}
		page2, err := svc.List(ctx, f.ManagerA, ticket.ListQuery{Limit: 2, Cursor: page.NextCursor})
		if err != nil || len(page2.Items) != 2 || page2.Items[0].ID >= page.Items[1].ID {
			t.Fatalf("page 2: %+v %v", page2, err)
		}
		closed, err := svc.List(ctx, f.ManagerA, ticket.ListQuery{Status: ticket.StatusClosed})
		if err != nil || len(closed.Items) != 1 || closed.Items[0].ID != tk.ID {
			t.Fatalf("closed filter: %+v %v", closed.Items, err)
		}
		if none, err := svc.List(ctx, f.AgentB, ticket.ListQuery{}); err != nil || len(none.Items) != 0 {
			t.Fatalf("agent_b board: %d %v", len(none.Items), err)
		}
	})
}

// TestTicketSLAJob runs the job twice at the same moments and checks each
// warning, breach and escalation happens once.
func TestTicketSLAJob(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		c := newCustomer("李四", "13900139000", f.AgentA1.UserID)
		if err := s.CreateCustomer(ctx, f.AgentA1, c); err != nil {
			t.Fatal(err)
		}
		clock := &stepClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)} // Mon 09:00
		svc := ticketService(s, clock)
		tk := newTicket(c.ID)
		if err := svc.Register(ctx, f.AgentA1, tk); err != nil {
			t.Fatal(err)
		}
		unit, assignee := guanxi.ID(4), f.AgentA1.UserID
		if _, err := svc.Act(ctx, f.ManagerA, tk.ID, 1, ticket.Action{Step: ticket.StepConfirm}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Act(ctx, f.ManagerA, tk.ID, 2, ticket.Action{Step: ticket.StepRoute, OrgUnitID: &unit, AssigneeID: &assignee}); err != nil {
			t.Fatal(err)
		}
		run := func(at time.Time) {
			t.Helper()
			for range 2 {
				if err := svc.RunSLA(ctx, at); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Day 9 of 10 (Thu 2026-03-12 10:00): past 80% → one warning.
		run(time.Date(2026, 3, 12, 2, 0, 0, 0, time.UTC))
		if n := ticketRows(t, s, "SELECT COUNT(*) FROM ticket_sla_events WHERE kind = 'resolution_warning'"); n != 1 {
			t.Fatalf("warnings %d", n)
		}
		// Past due and past level 1's 10 days: breach and escalation to 2.
		run(time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC))
		if n := ticketRows(t, s, "SELECT COUNT(*) FROM ticket_sla_events WHERE kind = 'resolution_breach'"); n != 1 {
			t.Fatalf("breaches %d", n)
		}
		got, _ := svc.Get(ctx, f.Admin, tk.ID)
		if got.EscalationLevel != 2 || !got.Breached {
			t.Fatalf("after 10 days: level %d breached %v", got.EscalationLevel, got.Breached)
		}
		// A head-office manager hears of the last level only.
		if _, err := s.DB().Exec(rebindFor(s, `INSERT INTO users (id, username, name, role, org_unit_id, password_hash,
			password_changed_at, version, created_at, updated_at) VALUES (7, 'mgr_head', 'mgr_head', 'manager', 1, 'x', ?, 1, ?, ?)`),
			time.Now().UTC(), time.Now().UTC(), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		// 10 more business days: level 3; then no further level; 8 weeks: ombudsman.
		run(time.Date(2026, 3, 30, 2, 0, 0, 0, time.UTC))
		run(time.Date(2026, 5, 30, 2, 0, 0, 0, time.UTC))
		got, _ = svc.Get(ctx, f.Admin, tk.ID)
		if got.EscalationLevel != 3 || got.OmbudsmanNoticeAt == nil {
			t.Fatalf("later: level %d ombudsman %v", got.EscalationLevel, got.OmbudsmanNoticeAt)
		}
		if n := ticketRows(t, s, "SELECT COUNT(*) FROM ticket_escalations"); n != 2 {
			t.Fatalf("escalations %d", n)
		}
		if n := ticketRows(t, s, "SELECT COUNT(*) FROM notifications WHERE user_id = 7"); n != 1 {
			t.Fatalf("head-office manager notices %d, want 1 (level 3)", n)
		}
		// Assignee and its manager got each notice once.
		for _, u := range []guanxi.ID{f.AgentA1.UserID, f.ManagerA.UserID} {
			ns, err := s.Notifications(ctx, u, false, 100)
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, n := range ns {
				kinds[n.Kind]++
			}
			if kinds["resolution_warning"] != 1 || kinds["resolution_breach"] != 1 || kinds["escalation"] != 2 || kinds["ombudsman"] != 1 {
				t.Errorf("user %d notifications %v", u, kinds)
			}
		}
	})
}

// TestTicketSLAJobTwoServers runs the job from two stores on one database
// at once: every escalation happens exactly once.
func TestTicketSLAJobTwoServers(t *testing.T) {
	for _, e := range sqltest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			var s1, s2 *sqlstore.Store
			if e.Name == "postgres" {
				dsn := sqltest.PostgresDSN(t)
				s1, s2 = openMigrated(t, dsn), openMigrated(t, dsn)
			} else {
				s1 = sqltest.SQLite(t)
				s2 = openMigrated(t, s1.Path())
			}
			f := seedStaff(t, s1)
			c := newCustomer("王五", "13700137000", f.AgentA1.UserID)
			if err := s1.CreateCustomer(ctx, f.AgentA1, c); err != nil {
				t.Fatal(err)
			}
			clock := &stepClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
			svc1, svc2 := ticketService(s1, clock), ticketService(s2, clock)
			unit := guanxi.ID(4) // team A1: its manager (mgr_a, branch A) is told
			for range 30 {
				tk := newTicket(c.ID)
				tk.OrgUnitID = &unit
				if err := svc1.Register(ctx, f.AgentA1, tk); err != nil {
					t.Fatal(err)
				}
			}
			at := time.Date(2026, 3, 17, 2, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for _, svc := range []*ticket.Service{svc1, svc2, svc1, svc2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- svc.RunSLA(ctx, at)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if n := ticketRows(t, s1, "SELECT COUNT(*) FROM ticket_escalations"); n != 30 {
				t.Fatalf("escalations %d, want 30", n)
			}
			if n := ticketRows(t, s1, "SELECT COUNT(*) FROM tickets WHERE escalation_level <> 2"); n != 0 {
				t.Fatalf("%d tickets not at level 2", n)
			}
			if n := ticketRows(t, s1, "SELECT COUNT(*) FROM ticket_events WHERE action = 'escalate'"); n != 30 {
				t.Fatalf("escalate events %d", n)
			}
			if n := ticketRows(t, s1, "SELECT COUNT(*) FROM notifications WHERE kind = 'escalation'"); n != 30 {
				t.Fatalf("escalation notifications %d, want 30 (the unit's manager)", n)
			}
		})
	}
}

func openMigrated(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{SyncNormal: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func ticketRows(t *testing.T, s *sqlstore.Store, q string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTicketBoardOverdue pages the overdue list, most overdue first.
func TestTicketBoardOverdue(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		c := newCustomer("赵六", "13600136001", f.AgentA1.UserID)
		if err := s.CreateCustomer(ctx, f.AgentA1, c); err != nil {
			t.Fatal(err)
		}
		clock := &stepClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
		svc := ticketService(s, clock)
		var ids []guanxi.ID
		for i := range 3 {
			tk := newTicket(c.ID)
			tk.ReceivedAt = time.Date(2026, 2, 2+i, 1, 0, 0, 0, time.UTC)
			if err := svc.Register(ctx, f.AgentA1, tk); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		fresh := newTicket(c.ID) // received now: not overdue
		if err := svc.Register(ctx, f.AgentA1, fresh); err != nil {
			t.Fatal(err)
		}
		p1, err := svc.List(ctx, f.ManagerA, ticket.ListQuery{Overdue: true, Limit: 2})
		if err != nil || len(p1.Items) != 2 || p1.NextCursor == "" || p1.Items[0].ID != ids[0] || p1.Items[1].ID != ids[1] {
			t.Fatalf("page 1: %+v %v", p1, err)
		}
		p2, err := svc.List(ctx, f.ManagerA, ticket.ListQuery{Overdue: true, Limit: 2, Cursor: p1.NextCursor})
		if err != nil || len(p2.Items) != 1 || p2.Items[0].ID != ids[2] || p2.NextCursor != "" {
			t.Fatalf("page 2: %+v %v", p2, err)
		}
		if _, err := svc.List(ctx, f.ManagerA, ticket.ListQuery{Overdue: true, Cursor: "x"}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

// TestTicketSLASettings stores a policy, a category, a later year's holiday
// notice and a unit's working hours, and checks the due times use them.
func TestTicketSLASettings(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		c := newCustomer("钱九", "13600136002", f.AgentA1.UserID)
		if err := s.CreateCustomer(ctx, f.AgentA1, c); err != nil {
			t.Fatal(err)
		}
		// Tue 2027-02-02 10:00 Shanghai.
		clock := &stepClock{t: time.Date(2027, 2, 2, 2, 0, 0, 0, time.UTC)}
		svc := ticketService(s, clock)
		cat := &ticket.Category{ParentID: nil, Code: "fees.atm", NameZh: "ATM 收费", NameEn: "ATM fees"}
		if err := svc.SaveCategory(ctx, f.Admin, cat, 0); err != nil {
			t.Fatal(err)
		}
		if err := svc.SaveCategory(ctx, f.ManagerA, &ticket.Category{Code: "x", NameZh: "x"}, 0); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("branch manager adds a category: %v", err)
		}
		p := &ticket.Policy{CategoryID: cat.ID, FirstResponse: 2, FirstResponseUnit: ticket.Hours, Resolution: 2, ResolutionUnit: ticket.Days}
		if err := svc.SavePolicy(ctx, f.Admin, p, 0); err != nil {
			t.Fatal(err)
		}
		dup := *p
		dup.ID = 0
		if err := svc.SavePolicy(ctx, f.Admin, &dup, 0); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("duplicate policy: %v", err)
		}
		// 2027 is not built in: the admin enters Wednesday 02-03 as a holiday.
		n := &ticket.CalendarNotice{Year: 2027, Text: "source 测试通知\n2027-02-03 休 special"}
		if err := svc.SaveCalendarNotice(ctx, f.Admin, n, 0); err != nil || n.Source != "测试通知" {
			t.Fatalf("notice: %+v %v", n, err)
		}
		if err := svc.SaveCalendarNotice(ctx, f.Admin, &ticket.CalendarNotice{Year: 2027, Text: "2027-02-03 休 special"}, 0); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("second insert of 2027: %v", err)
		}
		// Team A1 works 08:00-12:00 only; branch B's manager may not set it.
		if err := svc.SaveWorkingHours(ctx, f.Admin, &ticket.UnitHours{OrgUnitID: 4, Hours: "08:00-12:00"}, 0); err != nil {
			t.Fatal(err)
		}
		mgrB := f.ManagerA
		mgrB.OrgPath, mgrB.UserID = "/1/3/", 99
		if err := svc.SaveWorkingHours(ctx, mgrB, &ticket.UnitHours{OrgUnitID: 4, Hours: "09:00-17:00"}, 1); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("other branch's manager sets hours: %v", err)
		}
		unit := guanxi.ID(4)
		tk := newTicket(c.ID)
		tk.CategoryID, tk.OrgUnitID = &cat.ID, &unit
		if err := svc.Register(ctx, f.AgentA1, tk); err != nil {
			t.Fatal(err)
		}
		// 2 business days from Tue 10:00 on 08:00-12:00 hours, Wed off: Fri 10:00.
		if want := time.Date(2027, 2, 5, 2, 0, 0, 0, time.UTC); !tk.ResolutionDue.Equal(want) {
			t.Errorf("resolution due %v, want %v", tk.ResolutionDue, want)
		}
		// 2 working hours: Tue 10:00-12:00 → Tue 12:00.
		if want := time.Date(2027, 2, 2, 4, 0, 0, 0, time.UTC); !tk.FirstResponseDue.Equal(want) {
			t.Errorf("first response due %v, want %v", tk.FirstResponseDue, want)
		}
		ps, err := svc.Policies(ctx, f.AgentA1)
		if err != nil || len(ps) != 1 {
			t.Fatalf("policies %+v %v", ps, err)
		}
		if err := svc.DeletePolicy(ctx, f.Admin, p.ID, 7); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale delete: %v", err)
		}
		if err := svc.DeletePolicy(ctx, f.Admin, p.ID, p.Version); err != nil {
			t.Fatal(err)
		}
	})
}
