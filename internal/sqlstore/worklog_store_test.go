package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// TestWorkLogReview: draft → submit → return with comment → edit → submit
// → approve; scope: own, the reviewer's subtree, auditors; not others.
func TestWorkLogReview(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &worklog.Service{Store: s, Now: time.Now}
		c := mkCustomer(t, s, f.AgentA1, "孙八", "13800138010", "")
		other := mkCustomer(t, s, f.AgentB, "周九", "13800138011", "")
		e := &worklog.Entry{Kind: worklog.KindVisit, WorkOn: "2026-11-26", Destination: "城东工业园", PersonVisited: "张总",
			Contact: "13900139000", Purpose: "续贷", CustomerIDs: []guanxi.ID{c.ID}}
		if err := svc.Create(ctx, f.AgentA1, e); err != nil {
			t.Fatal(err)
		}
		// A visit needs destination, person and contact; customers in scope.
		bad := &worklog.Entry{Kind: worklog.KindVisit, WorkOn: "2026-11-26", CustomerIDs: []guanxi.ID{other.ID}}
		if err := svc.Create(ctx, f.AgentA1, bad); guanxi.KindOf(err) != guanxi.KindInvalid || len(guanxi.AsError(err).Fields) != 3 {
			t.Fatalf("visit without fields: %v", err)
		}
		bad = &worklog.Entry{Kind: worklog.KindLog, WorkOn: "2026-11-26", Content: "x", CustomerIDs: []guanxi.ID{other.ID}}
		if err := svc.Create(ctx, f.AgentA1, bad); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("customer out of scope: %v", err)
		}
		for _, who := range []guanxi.Actor{f.AgentA2, f.AgentB} {
			if _, err := svc.Get(ctx, who, e.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Fatalf("%s reads: %v", who.Username, err)
			}
		}
		for _, who := range []guanxi.Actor{f.ManagerA, f.Auditor, f.Admin} {
			got, err := svc.Get(ctx, who, e.ID)
			if err != nil || got.PersonVisited != "张总" {
				t.Fatalf("%s reads: %+v %v", who.Username, got, err)
			}
		}
		// Reviewing a draft, one's own, or without the permission fails.
		if _, err := svc.Review(ctx, f.ManagerA, e.ID, 1, worklog.Approve, ""); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("review draft: %v", err)
		}
		if _, err := svc.Submit(ctx, f.AgentA1, e.ID, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Review(ctx, f.AgentA2, e.ID, 2, worklog.Approve, ""); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent reviews: %v", err)
		}
		if err := svc.Update(ctx, f.AgentA1, &worklog.Entry{ID: e.ID, WorkOn: "2026-11-26", Destination: "x", PersonVisited: "y", Contact: "z"}, 2); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("edit submitted: %v", err)
		}
		list, err := svc.List(ctx, f.ManagerA, worklog.ListQuery{ToReview: true})
		if err != nil || len(list) != 1 || list[0].ID != e.ID {
			t.Fatalf("to review: %+v %v", list, err)
		}
		if _, err := svc.Review(ctx, f.ManagerA, e.ID, 2, worklog.Return, ""); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("return without comment: %v", err)
		}
		got, err := svc.Review(ctx, f.ManagerA, e.ID, 2, worklog.Return, "请补充结果")
		if err != nil || got.Status != worklog.StatusReturned || got.Version != 3 {
			t.Fatalf("return: %+v %v", got, err)
		}
		upd := &worklog.Entry{ID: e.ID, WorkOn: "2026-11-26", Destination: "城东工业园", PersonVisited: "张总", Contact: "13900139000",
			Result: "同意续贷", CustomerIDs: []guanxi.ID{c.ID}}
		if err := svc.Update(ctx, f.AgentA1, upd, 3); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Submit(ctx, f.AgentA1, e.ID, 4); err != nil {
			t.Fatal(err)
		}
		got, err = svc.Review(ctx, f.ManagerA, e.ID, 5, worklog.Approve, "")
		if err != nil || got.Status != worklog.StatusApproved {
			t.Fatalf("approve: %+v %v", got, err)
		}
		got, _ = svc.Get(ctx, f.AgentA1, e.ID)
		if got.Result != "同意续贷" || got.ReviewerName != "mgr_a" || len(got.Customers) != 1 || got.Customers[0].Name != "孙八" {
			t.Fatalf("after approve: %+v", got)
		}
		mine, _ := svc.List(ctx, f.AgentA1, worklog.ListQuery{})
		if len(mine) != 1 {
			t.Fatalf("mine: %+v", mine)
		}
		if n := auditRows(t, s, "update"); n < 5 {
			t.Fatalf("audit rows %d", n)
		}
	})
}

// TestFollowUpCounts checks the report's counts and scope on both engines.
func TestFollowUpCounts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := taskService(s)
		today := svc.Today()
		c := mkCustomer(t, s, f.AgentA1, "吴十", "13800138020", "")
		b := mkCustomer(t, s, f.AgentB, "郑十一", "13800138021", "")
		for _, x := range []struct {
			a    guanxi.Actor
			cust guanxi.ID
		}{{f.AgentA1, c.ID}, {f.AgentA1, c.ID}, {f.AgentB, b.ID}} {
			if err := svc.Create(ctx, x.a, &task.Task{Title: "回访", CustomerID: x.cust, DueOn: today}); err != nil {
				t.Fatal(err)
			}
		}
		list, _ := svc.List(ctx, f.AgentA1, task.ListQuery{})
		if _, err := svc.Complete(ctx, f.AgentA1, list[0].ID, 1, task.Close{Status: task.StatusDone},
			nil); err != nil {
			t.Fatal(err)
		}
		if err := s.AddInteraction(ctx, f.AgentA1, mustInteraction(c.ID)); err != nil {
			t.Fatal(err)
		}
		r, err := svc.Report(ctx, f.ManagerA, "month")
		if err != nil {
			t.Fatal(err)
		}
		if r.Total.Due != 2 || r.Total.Done != 1 || r.Total.Interactions != 1 || r.Total.ByChannel["phone"] != 1 || len(r.Staff) != 1 {
			t.Fatalf("manager A report: %+v", r.Total)
		}
		r, _ = svc.Report(ctx, f.Auditor, "week")
		if r.Total.Due != 3 {
			t.Fatalf("auditor report: %+v", r.Total)
		}
		if _, err := svc.Report(ctx, f.AgentA1, "week"); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent report: %v", err)
		}
	})
}
