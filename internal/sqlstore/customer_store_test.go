package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

func residentID(first17 string) string {
	return first17 + string(customer.ResidentCheckDigit(first17))
}

func newCustomer(name, mobile string, owner guanxi.ID) *customer.Customer {
	return &customer.Customer{Kind: customer.Person, Name: name, Mobile: mobile, OwnerID: owner,
		Market: customer.MarketPersonal, Stage: customer.StageCustomer, Tags: []string{"vip"}}
}

func auditRows(t *testing.T, s *sqlstore.Store, action string) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM audit_log WHERE action = '" + action + "'"
	if err := s.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCustomerArchive(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &customer.Service{Store: s}

		c := newCustomer("张三", "13800138000", f.AgentA1.UserID)
		c.IDType, c.IDNumber = customer.IDResident, residentID("11010519491231002")
		if err := svc.Create(ctx, f.AgentA1, c); err != nil {
			t.Fatalf("create: %v", err)
		}
		if c.Number != "KH00000001" || c.ID == 0 || c.Version != 1 {
			t.Fatalf("created %+v", c)
		}
		got, err := svc.Get(ctx, f.AgentA1, c.ID)
		if err != nil || got.Name != "张三" || got.Mobile != "13800138000" || len(got.Tags) != 1 || got.OwnerName != "agent_a1" {
			t.Fatalf("get: %+v %v", got, err)
		}
		if got.Birthday != "1949-12-31" || got.Gender == "" {
			t.Fatalf("birthday/gender from ID not derived: %q %q", got.Birthday, got.Gender)
		}

		// Scope: another agent and a manager of another branch see nothing.
		for _, a := range []guanxi.Actor{f.AgentA2, f.AgentB} {
			if _, err := svc.Get(ctx, a, c.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Fatalf("%s sees customer: %v", a.Username, err)
			}
			if _, err := svc.Contacts(ctx, a, c.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Fatalf("%s sees contacts: %v", a.Username, err)
			}
			if _, err := svc.Update(ctx, a, c.ID, 1, func(x *customer.Customer) error { x.Name = "X"; return nil }); guanxi.KindOf(err) != guanxi.KindNotFound {
				t.Fatalf("%s updates: %v", a.Username, err)
			}
		}
		for _, a := range []guanxi.Actor{f.ManagerA, f.Admin, f.Auditor} {
			if _, err := svc.Get(ctx, a, c.ID); err != nil {
				t.Fatalf("%s cannot see: %v", a.Username, err)
			}
		}
		if _, err := svc.Update(ctx, f.Auditor, c.ID, 1, func(x *customer.Customer) error { return nil }); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("auditor update: %v", err)
		}

		// Duplicates: visible → number named; hidden → neutral.
		dup := newCustomer("李四", "13800138000", f.AgentA1.UserID)
		err = svc.Create(ctx, f.AgentA1, dup)
		if e := guanxi.AsError(err); e.Kind != guanxi.KindConflict || e.Key != "customer.duplicate" || e.Args["number"] != "KH00000001" {
			t.Fatalf("visible dup: %v", err)
		}
		dup = newCustomer("李四", "13900139000", f.AgentB.UserID)
		dup.IDType, dup.IDNumber = customer.IDResident, c.IDNumber
		err = svc.Create(ctx, f.AgentB, dup)
		if e := guanxi.AsError(err); e.Kind != guanxi.KindConflict || e.Key != "customer.duplicate_hidden" || e.Args["number"] != nil {
			t.Fatalf("hidden dup: %v", err)
		}

		// Bad input: nothing written.
		bad := newCustomer("", "123", f.AgentA1.UserID)
		bad.IDType, bad.IDNumber = customer.IDResident, "110105194912310020"
		if err := svc.Create(ctx, f.AgentA1, bad); guanxi.KindOf(err) != guanxi.KindInvalid || len(guanxi.AsError(err).Fields) < 3 {
			t.Fatalf("bad input: %v", err)
		}

		// Update with version check and a masked diff in history.
		up, err := svc.Update(ctx, f.AgentA1, c.ID, 1, func(x *customer.Customer) error {
			x.Name, x.Mobile = "张叁", "13911112222"
			return nil
		})
		if err != nil || up.Version != 2 {
			t.Fatalf("update: %+v %v", up, err)
		}
		if _, err := svc.Update(ctx, f.AgentA1, c.ID, 1, func(x *customer.Customer) error { x.Notes = "n"; return nil }); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale update: %v", err)
		}
		hist, err := svc.History(ctx, f.AgentA1, c.ID, 10)
		if err != nil || len(hist) != 2 || hist[0].Action != "update" {
			t.Fatalf("history: %+v %v", hist, err)
		}
		if want := "139****2222"; !contains(hist[0].Detail, want) || contains(hist[0].Detail, "13911112222") {
			t.Fatalf("history detail not masked: %s", hist[0].Detail)
		}

		// Reveal: needs permission and a reason, audited without plaintext.
		if _, err := svc.Reveal(ctx, f.AgentA1, c.ID, customer.RevealIDNumber, 0, "核实"); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent reveal id: %v", err)
		}
		if _, err := svc.Reveal(ctx, f.AgentA1, c.ID, customer.RevealMobile, 0, ""); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("reveal without reason: %v", err)
		}
		v, err := svc.Reveal(ctx, f.AgentA1, c.ID, customer.RevealMobile, 0, "回访")
		if err != nil || v != "13911112222" {
			t.Fatalf("reveal: %q %v", v, err)
		}
		if _, err := svc.Reveal(ctx, f.AgentB, c.ID, customer.RevealMobile, 0, "x"); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("out-of-scope reveal: %v", err)
		}
		if n := auditRows(t, s, "reveal"); n != 1 {
			t.Fatalf("reveal audit rows %d", n)
		}

		// Transfer to an agent in the manager's subtree; out-of-subtree target refused.
		if _, err := svc.Transfer(ctx, f.ManagerA, []guanxi.ID{c.ID}, f.AgentB.UserID, "调岗"); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("transfer outside subtree: %v", err)
		}
		n, err := svc.Transfer(ctx, f.ManagerA, []guanxi.ID{c.ID}, f.AgentA2.UserID, "调岗")
		if err != nil || n != 1 {
			t.Fatalf("transfer: %d %v", n, err)
		}
		if _, err := svc.Get(ctx, f.AgentA1, c.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("old owner still sees: %v", err)
		}
		tr, err := svc.Transfers(ctx, f.AgentA2, c.ID)
		if err != nil || len(tr) != 1 || tr[0].Reason != "调岗" || tr[0].FromName != "agent_a1" {
			t.Fatalf("transfers: %+v %v", tr, err)
		}

		// Sub-resources.
		h := &customer.Holding{CustomerID: c.ID, Kind: "loan", Name: "经营贷", Reference: "6222020200001234567", AmountMinor: 100000, BalanceMinor: 50000, Currency: "CNY", Status: "normal"}
		if err := svc.SaveHolding(ctx, f.AgentA2, h, 0); err != nil {
			t.Fatalf("holding: %v", err)
		}
		if err := svc.SaveHolding(ctx, f.AgentA1, &customer.Holding{CustomerID: c.ID, Kind: "loan", Name: "x", Currency: "CNY"}, 0); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("holding out of scope: %v", err)
		}
		h.Status = "overdue"
		if err := svc.SaveHolding(ctx, f.AgentA2, h, 1); err != nil || h.Version != 2 {
			t.Fatalf("holding update: %v", err)
		}
		if err := svc.SaveHolding(ctx, f.AgentA2, h, 1); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("holding stale: %v", err)
		}
		acct, err := svc.Reveal(ctx, f.ManagerA, c.ID, customer.RevealAccount, h.ID, "贷后检查")
		if err != nil || acct != "6222020200001234567" {
			t.Fatalf("reveal account: %q %v", acct, err)
		}
		in := &customer.Interaction{CustomerID: c.ID, Channel: "phone", Direction: "out", Summary: "电话回访", OccurredAt: time.Now().Add(-time.Hour)}
		if err := svc.AddInteraction(ctx, f.AgentA2, in); err != nil {
			t.Fatalf("interaction: %v", err)
		}
		got, _ = svc.Get(ctx, f.AgentA2, c.ID)
		if got.LastContactAt == nil {
			t.Fatal("last contact not moved")
		}

		// Soft delete, trash, restore by admin.
		if err := svc.Delete(ctx, f.AgentA2, c.ID, got.Version); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent delete: %v", err)
		}
		if err := svc.Delete(ctx, f.ManagerA, c.ID, got.Version); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if _, err := svc.Get(ctx, f.ManagerA, c.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("deleted still visible: %v", err)
		}
		if err := svc.Restore(ctx, f.Admin, c.ID); err != nil {
			t.Fatalf("restore: %v", err)
		}

		broken, checked, err := s.VerifyAudit(ctx)
		if err != nil || broken != 0 || checked < 8 {
			t.Fatalf("audit chain: broken %d checked %d %v", broken, checked, err)
		}
		if _, err := s.DB().Exec("UPDATE audit_log SET outcome = 'x'"); err == nil {
			t.Fatal("audit_log accepted an UPDATE")
		}
		if _, err := s.DB().Exec("DELETE FROM audit_log"); err == nil {
			t.Fatal("audit_log accepted a DELETE")
		}
	})
}

func TestCustomerListPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &customer.Service{Store: s}
		owners := []guanxi.Actor{f.AgentA1, f.AgentA2, f.AgentB}
		for i := range 45 {
			a := owners[i%3]
			c := newCustomer(fmt.Sprintf("客户%02d", i), fmt.Sprintf("1380000%04d", i), a.UserID)
			if err := svc.Create(ctx, a, c); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			a    guanxi.Actor
			sort string
			want int
		}{{f.Admin, "", 45}, {f.Admin, "name", 45}, {f.Admin, "-created_at", 45}, {f.ManagerA, "-number", 30}, {f.AgentB, "id", 15}} {
			seen := map[guanxi.ID]bool{}
			cursor, prev := "", ""
			for pages := 0; ; pages++ {
				p, err := svc.List(ctx, tc.a, customer.ListQuery{Sort: tc.sort, Limit: 7, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range p.Items {
					if seen[c.ID] {
						t.Fatalf("%s %s: id %d twice", tc.a.Username, tc.sort, c.ID)
					}
					seen[c.ID] = true
					if tc.a.Scope() == guanxi.ScopeOwn && c.OwnerID != tc.a.UserID {
						t.Fatalf("out of scope row %d", c.ID)
					}
					if tc.sort == "name" && c.Name < prev {
						t.Fatalf("not sorted: %s after %s", c.Name, prev)
					}
					prev = c.Name
				}
				if p.NextCursor == "" {
					break
				}
				cursor = p.NextCursor
			}
			if len(seen) != tc.want {
				t.Fatalf("%s sort %q: %d rows, want %d", tc.a.Username, tc.sort, len(seen), tc.want)
			}
		}
		if _, err := svc.List(ctx, f.Admin, customer.ListQuery{Cursor: "garbage"}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("bad cursor: %v", err)
		}
		if _, err := svc.List(ctx, f.Admin, customer.ListQuery{Sort: "password_hash"}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("bad sort: %v", err)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
