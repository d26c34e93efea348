package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestRevealContactPhone: a contact's mobile is revealed with a reason to
// staff who may see the customer and hold the phone permission, with one
// audit row that carries no plaintext; out of scope it is NotFound, and a
// contact of another customer is not found under this one.
func TestRevealContactPhone(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &customer.Service{Store: s}
		c := newCustomer("杭州西湖茶业有限公司", "", f.AgentA1.UserID)
		c.Kind = customer.Org
		other := newCustomer("宁波港贸易有限公司", "", f.AgentA1.UserID)
		other.Kind = customer.Org
		for _, x := range []*customer.Customer{c, other} {
			if err := svc.Create(ctx, f.AgentA1, x); err != nil {
				t.Fatal(err)
			}
		}
		ct := &customer.Contact{CustomerID: c.ID, Name: "方龙", Mobile: "13812345678"}
		if err := svc.SaveContact(ctx, f.AgentA1, ct, 0); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Reveal(ctx, f.AgentA1, c.ID, customer.RevealContactMobile, ct.ID, "核实联系人")
		if err != nil || got != "13812345678" {
			t.Fatalf("reveal: %q %v", got, err)
		}
		var detail string
		if err := s.DB().QueryRow("SELECT detail FROM audit_log WHERE action = 'reveal' ORDER BY seq DESC LIMIT 1").Scan(&detail); err != nil ||
			strings.Contains(detail, "13812345678") || !strings.Contains(detail, "contact_mobile") {
			t.Fatalf("audit detail %q %v", detail, err)
		}
		if _, err := svc.Reveal(ctx, f.AgentB, c.ID, customer.RevealContactMobile, ct.ID, "x"); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("out of scope: %v", err)
		}
		if _, err := svc.Reveal(ctx, f.AgentA1, other.ID, customer.RevealContactMobile, ct.ID, "x"); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("contact under another customer: %v", err)
		}
	})
}
