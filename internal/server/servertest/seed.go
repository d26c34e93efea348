package servertest

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/task"
	"github.com/guanxi-crm/guanxi/internal/ticket"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// Work is what SeedWork made.
type Work struct{ Task, Plan, WorkLog guanxi.ID }

// SeedWork makes, for the route-table scope tests, a task on agent_a1's
// customer, a plan of branch A by mgr_a and a submitted work log of
// agent_a1 (version 2).
func (e *Env) SeedWork(t testing.TB, customerID guanxi.ID) Work {
	t.Helper()
	ctx := context.Background()
	owner := e.Actor("agent_a1")
	tk := &task.Task{Title: "回访", CustomerID: customerID, DueOn: time.Now().Format(time.DateOnly)}
	if err := e.App.Tasks.Create(ctx, owner, tk); err != nil {
		t.Fatal(err)
	}
	unit := e.Units["branch_a"].ID
	p := &task.Plan{Name: "保养回访", Trigger: task.TriggerService, OffsetDays: 1, Title: "回访", Active: true, OrgUnitID: &unit}
	if err := e.App.Tasks.SavePlan(ctx, e.Actor("mgr_a"), p, 0); err != nil {
		t.Fatal(err)
	}
	w := &worklog.Entry{Kind: worklog.KindLog, WorkOn: "2026-01-02", Content: "拜访客户", Minutes: 60}
	if err := e.App.WorkLogs.Create(ctx, owner, w); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.WorkLogs.Submit(ctx, owner, w.ID, w.Version); err != nil {
		t.Fatal(err)
	}
	return Work{Task: tk.ID, Plan: p.ID, WorkLog: w.ID}
}

// Tickets is what SeedTickets made.
type Tickets struct{ Ticket, Notice, Policy, Notification guanxi.ID }

// SeedTickets makes, for the route-table scope tests, a complaint about
// agent_a1's customer confirmed by mgr_a and assigned to agent_a1 (so only
// it, its managers and admins see it), a rectification notice on it, an SLA
// policy and agent_a1's notification of the assignment.
func (e *Env) SeedTickets(t testing.TB, customerID guanxi.ID) Tickets {
	t.Helper()
	ctx := context.Background()
	owner, mgr := e.Actor("agent_a1"), e.Actor("mgr_a")
	cid := customerID
	tk := &ticket.Ticket{Channel: "phone", Subject: "扣费有误", Description: "多扣手续费", CustomerID: &cid}
	if err := e.App.Tickets.Register(ctx, owner, tk); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Tickets.Act(ctx, mgr, tk.ID, 1, ticket.Action{Step: ticket.StepConfirm}); err != nil {
		t.Fatal(err)
	}
	assignee := owner.UserID
	if _, err := e.App.Tickets.Act(ctx, mgr, tk.ID, 2, ticket.Action{Step: ticket.StepRoute, AssigneeID: &assignee}); err != nil {
		t.Fatal(err)
	}
	n := &ticket.Notice{TicketID: tk.ID, OrgUnitID: e.Units["branch_a"].ID, Problem: "收费未复核", Deadline: "2026-12-31"}
	if err := e.App.Tickets.IssueNotice(ctx, mgr, n); err != nil {
		t.Fatal(err)
	}
	p := &ticket.Policy{Severity: ticket.SeverityHigh, FirstResponse: 2, FirstResponseUnit: ticket.Hours, Resolution: 5, ResolutionUnit: ticket.Days}
	if err := e.App.Tickets.SavePolicy(ctx, e.Actor("admin"), p, 0); err != nil {
		t.Fatal(err)
	}
	ns, err := e.App.Notify.List(ctx, owner, true, 10)
	if err != nil || len(ns) == 0 {
		t.Fatalf("agent_a1 has no notification: %v", err)
	}
	return Tickets{Ticket: tk.ID, Notice: n.ID, Policy: p.ID, Notification: ns[0].ID}
}
