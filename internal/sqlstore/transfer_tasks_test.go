package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestTransferMovesOpenTasks: after 客户移交 the new owner finds the
// customer's open follow-ups on its today list; closed ones stay history.
func TestTransferMovesOpenTasks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := taskService(s)
		c := mkCustomer(t, s, f.AgentA1, "赵六", "13800138002", "")
		in := &customer.Interaction{CustomerID: c.ID, Channel: "phone", Direction: "out", Purpose: "sales",
			Summary: "约见", NextAction: "回电", NextActionOn: svc.Today(), OccurredAt: time.Now()}
		if err := s.AddInteraction(ctx, f.AgentA1, in); err != nil {
			t.Fatal(err)
		}
		if n, err := s.TransferCustomers(ctx, f.ManagerA, []guanxi.ID{c.ID}, f.AgentA2.UserID, "调岗"); err != nil || n != 1 {
			t.Fatalf("transfer: %d %v", n, err)
		}
		day, err := svc.Day(ctx, f.AgentA2)
		if err != nil || len(day.Due) != 1 || day.Due[0].ID != *in.TaskID || day.Due[0].OwnerID != f.AgentA2.UserID {
			t.Fatalf("new owner's today: %+v %v", day.Due, err)
		}
		if old, err := svc.Day(ctx, f.AgentA1); err != nil || len(old.Due) != 0 {
			t.Fatalf("old owner still has the task: %+v %v", old.Due, err)
		}
	})
}
