package sqlstore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// mapSettings serves the few settings a test sets; the rest are defaults.
type mapSettings map[string]string

func (m mapSettings) Get(_ context.Context, key string) (string, error) {
	if v, ok := m[key]; ok {
		return v, nil
	}
	return "", guanxi.NotFound("error.not_found")
}

func (m mapSettings) Int(_ context.Context, key string) int {
	n, _ := strconv.Atoi(m[key])
	return n
}

// TestPublicComplaint registers complaints from the public form on both
// engines: the matching rule, the audit row, the status link, the unit
// that receives them, and staff linking the customer later.
func TestPublicComplaint(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		known := newCustomer("张三", "13800138000", f.AgentA1.UserID)
		gone := newCustomer("李四", "13900139000", f.AgentA1.UserID)
		if err := s.CreateCustomer(ctx, f.AgentA1, known); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateCustomer(ctx, f.AgentA1, gone); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCustomer(ctx, f.AgentA1, gone.ID, gone.Version); err != nil {
			t.Fatal(err)
		}
		clock := &stepClock{t: time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)}
		svc := ticketService(s, clock)
		desk := &ticket.Public{Tickets: svc, Store: s, MinFill: 3 * time.Second, MaxAge: time.Hour}
		submit := func(phone, hint string) (ticket.Receipt, ticket.Ticket) {
			t.Helper()
			stamp, err := desk.Stamp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			clock.Set(clock.Now().Add(10 * time.Second))
			r, err := desk.Submit(ctx, ticket.Submission{Stamp: stamp, Addr: "203.0.113.9", Form: ticket.PublicForm{
				Name: "张先生", Phone: phone, Hint: hint, CategoryID: 1, Description: "柜台多收了手续费\n详见附件",
				Demand: "退还费用", ContactTime: "evening", Consent: true}})
			if err != nil {
				t.Fatalf("submit %s: %v", phone, err)
			}
			tk, err := s.GetTicket(ctx, f.Admin, ticketID(t, s, r.Number))
			if err != nil {
				t.Fatal(err)
			}
			return r, tk
		}
		before := auditRows(t, s, "create")
		r, tk := submit("138-0013-8000", "")
		if tk.Channel != "web_form" || tk.Status != ticket.StatusRegistered || tk.CustomerID == nil || *tk.CustomerID != known.ID ||
			tk.CreatedBy != nil || tk.ContactPhone != "13800138000" || tk.Subject != "柜台多收了手续费" || tk.ResolutionDue == nil {
			t.Fatalf("matched ticket %+v", tk)
		}
		if got := auditRows(t, s, "create"); got != before+1 {
			t.Fatalf("audit rows %d, want %d", got, before+1)
		}
		var addr string
		if err := s.DB().QueryRow("SELECT addr FROM audit_log WHERE object_type = 'ticket' ORDER BY seq DESC LIMIT 1").Scan(&addr); err != nil || addr != "203.0.113.9" {
			t.Fatalf("audit addr %q %v", addr, err)
		}
		st, err := desk.Status(ctx, r.Token, "x")
		if err != nil || st.Number != tk.Number || st.Step() != "received" || !st.ReceivedAt.Equal(tk.ReceivedAt) {
			t.Fatalf("status %+v %v", st, err)
		}
		other := r.Token[:42] + "A"
		if other == r.Token {
			other = r.Token[:42] + "B"
		}
		if _, err := desk.Status(ctx, other, "x"); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("other token: %v", err)
		}
		// The agent who owns the customer sees the matched complaint.
		if _, err := s.GetTicket(ctx, f.AgentA1, tk.ID); err != nil {
			t.Fatalf("owner of the matched customer: %v", err)
		}

		// A hint that agrees still matches (customer number, ID last 4);
		// one that disagrees, an unknown phone or a deleted customer's
		// phone leave the customer empty.
		if _, tk := submit("13800138000", known.Number); tk.CustomerID == nil {
			t.Fatal("customer number hint did not match")
		}
		for _, tc := range []struct{ phone, hint string }{
			{"13800138000", "9999"}, {"13700137000", ""}, {"13900139000", ""},
		} {
			if _, tk := submit(tc.phone, tc.hint); tk.CustomerID != nil {
				t.Fatalf("%s/%s matched customer %d", tc.phone, tc.hint, *tk.CustomerID)
			}
		}

		// Without a customer or unit only all-seeing staff find it; with
		// the receiving unit set, that unit's manager does.
		_, lone := submit("13700137000", "")
		if _, err := s.GetTicket(ctx, f.ManagerA, lone.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("manager sees an unrouted public complaint: %v", err)
		}
		svc.Settings = mapSettings{ticket.SettingPublicUnit: "2"}
		_, routed := submit("13700137000", "")
		if routed.OrgUnitID == nil || *routed.OrgUnitID != 2 {
			t.Fatalf("receiving unit %v", routed.OrgUnitID)
		}
		if _, err := s.GetTicket(ctx, f.ManagerA, routed.ID); err != nil {
			t.Fatalf("manager of the receiving unit: %v", err)
		}
		svc.Settings = mapSettings{ticket.SettingPublicUnit: "999"}
		if _, gone := submit("13700137000", ""); gone.OrgUnitID != nil {
			t.Fatal("unknown receiving unit kept")
		}
		svc.Settings = nil

		// Staff link the customer later: in scope only, once, at version.
		if err := desk.LinkCustomer(ctx, f.AgentA1, lone.ID, lone.Version, known.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("link out of scope: %v", err)
		}
		if err := desk.LinkCustomer(ctx, f.Auditor, lone.ID, lone.Version, known.ID); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("link without ticket.write: %v", err)
		}
		if err := desk.LinkCustomer(ctx, f.Admin, lone.ID, lone.Version+1, known.ID); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale link: %v", err)
		}
		if err := desk.LinkCustomer(ctx, f.Admin, lone.ID, lone.Version, gone.ID); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("link to a deleted customer: %v", err)
		}
		if err := desk.LinkCustomer(ctx, f.Admin, lone.ID, lone.Version, known.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetTicket(ctx, f.AgentA1, lone.ID); err != nil || got.CustomerID == nil || got.Version != lone.Version+1 {
			t.Fatalf("after link: %+v %v", got, err)
		}
		if err := desk.LinkCustomer(ctx, f.Admin, lone.ID, lone.Version+1, known.ID); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("second link: %v", err)
		}

		// The signing key is stored once and shared.
		k1, err := s.PublicFormKey(ctx, "aa")
		if err != nil {
			t.Fatal(err)
		}
		if k2, err := s.PublicFormKey(ctx, "bb"); err != nil || k2 != k1 || k1 == "aa" {
			t.Fatalf("keys %q %q %v", k1, k2, err)
		}
	})
}

func ticketID(t *testing.T, s *sqlstore.Store, number string) guanxi.ID {
	t.Helper()
	var id guanxi.ID
	if err := s.DB().QueryRow("SELECT id FROM tickets WHERE number = '" + number + "'").Scan(&id); err != nil {
		t.Fatalf("ticket %s: %v", number, err)
	}
	return id
}
