package sqlstore_test

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/consent"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestConsentCustomerForm: creating a customer with consent and editing
// its channel switches append ledger rows in the same transaction (needs
// the appendConsent* calls in customer_store.go).
func TestConsentCustomerForm(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		svc := &customer.Service{Store: s}
		c := newCustomer("钱七", "13700000009", f.AgentA1.UserID)
		c.Consent = map[string]bool{"sms": true}
		if err := svc.Create(ctx, f.AgentA1, c); err != nil {
			t.Fatal(err)
		}
		_, st, err := s.ConsentEvents(ctx, f.AgentA1, c.ID, consent.EventQuery{})
		if err != nil || len(st) != len(consent.LegacyPurposes) || st[consent.Key{Purpose: "marketing", Channel: "sms"}] != consent.Grant {
			t.Fatalf("after create: %v %v", st, err)
		}
		cur, err := svc.Update(consent.WithSource(ctx, consent.SourceAPI), f.AgentA1, c.ID, c.Version, func(x *customer.Customer) error {
			x.Consent = map[string]bool{"sms": false, "email": true}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		hist, st, err := historyOf(s.ConsentEvents(ctx, f.AgentA1, c.ID, consent.EventQuery{}))
		if err != nil || len(hist) != 9 || hist[0].Source != consent.SourceAPI ||
			st[consent.Key{Purpose: "service", Channel: "sms"}] != consent.Withdraw || st[consent.Key{Purpose: "care", Channel: "email"}] != consent.Grant {
			t.Fatalf("after update: %d rows, %v %v", len(hist), st, err)
		}
		if got := getCustomer(t, s, f.AgentA1, c.ID); got.Consent["sms"] || !got.Consent["email"] || got.Version != cur.Version {
			t.Fatalf("customer %v v%d, want v%d", got.Consent, got.Version, cur.Version)
		}
	})
}
