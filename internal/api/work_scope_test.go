package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/task"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// seedWork makes, for the route-table scope test, a task of agent_a1's
// customer, a plan of branch A by mgr_a and a submitted work log of
// agent_a1; it returns their ids by target name.
func seedWork(t *testing.T, env *servertest.Env, customerID guanxi.ID) map[string]guanxi.ID {
	t.Helper()
	ctx := context.Background()
	owner := env.Actor("agent_a1")
	tk := &task.Task{Title: "回访", CustomerID: customerID, DueOn: time.Now().Format(time.DateOnly)}
	if err := env.App.Tasks.Create(ctx, owner, tk); err != nil {
		t.Fatal(err)
	}
	unit := env.Units["branch_a"].ID
	p := &task.Plan{Name: "保养回访", Trigger: task.TriggerService, OffsetDays: 1, Title: "回访", Active: true, OrgUnitID: &unit}
	if err := env.App.Tasks.SavePlan(ctx, env.Actor("mgr_a"), p, 0); err != nil {
		t.Fatal(err)
	}
	e := &worklog.Entry{Kind: worklog.KindLog, WorkOn: "2026-01-02", Content: "拜访客户", Minutes: 60}
	if err := env.App.WorkLogs.Create(ctx, owner, e); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.WorkLogs.Submit(ctx, owner, e.ID, e.Version); err != nil {
		t.Fatal(err)
	}
	return map[string]guanxi.ID{"task": tk.ID, "plan": p.ID, "worklog": e.ID}
}
