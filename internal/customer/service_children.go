package customer

import (
	"context"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
)

// Contacts lists the contacts of a customer in scope.
func (s *Service) Contacts(ctx context.Context, a guanxi.Actor, customerID guanxi.ID) ([]Contact, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.ListContacts(ctx, a, customerID)
}

// SaveContact creates (ID 0) or updates a contact at version.
func (s *Service) SaveContact(ctx context.Context, a guanxi.Actor, ct *Contact, version int64) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	if err := ValidateContact(ct); err != nil {
		return err
	}
	return s.Store.SaveContact(ctx, a, ct, version)
}

// DeleteContact removes a contact.
func (s *Service) DeleteContact(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID, version int64) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	return s.Store.DeleteContact(ctx, a, customerID, id, version)
}

// Holdings lists what the customer has with us.
func (s *Service) Holdings(ctx context.Context, a guanxi.Actor, customerID guanxi.ID) ([]Holding, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.ListHoldings(ctx, a, customerID)
}

// SaveHolding creates (ID 0) or updates a holding at version.
func (s *Service) SaveHolding(ctx context.Context, a guanxi.Actor, h *Holding, version int64) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	if err := ValidateHolding(h); err != nil {
		return err
	}
	return s.Store.SaveHolding(ctx, a, h, version)
}

// DeleteHolding removes a holding.
func (s *Service) DeleteHolding(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID, version int64) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	return s.Store.DeleteHolding(ctx, a, customerID, id, version)
}

// Transactions lists the latest transactions of a customer.
func (s *Service) Transactions(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]Transaction, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.ListTransactions(ctx, a, customerID, clampLimit(limit))
}

// AddTransaction records a transaction.
func (s *Service) AddTransaction(ctx context.Context, a guanxi.Actor, t *Transaction) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	if err := ValidateTransaction(t); err != nil {
		return err
	}
	return s.Store.AddTransaction(ctx, a, t)
}

// Interactions lists the latest interactions of a customer.
func (s *Service) Interactions(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]Interaction, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.ListInteractions(ctx, a, customerID, clampLimit(limit))
}

// AddInteraction logs a contact with the customer and moves its last-contact time.
func (s *Service) AddInteraction(ctx context.Context, a guanxi.Actor, in *Interaction) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	if err := ValidateInteraction(in); err != nil {
		return err
	}
	return s.Store.AddInteraction(ctx, a, in)
}

// History returns the customer's audit trail (changes, transfers, reveals).
func (s *Service) History(ctx context.Context, a guanxi.Actor, id guanxi.ID, limit int) ([]audit.Entry, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.History(ctx, a, id, clampLimit(limit))
}

// Transfers returns the customer's owner changes.
func (s *Service) Transfers(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Transfer, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.Transfers(ctx, a, id)
}

func clampLimit(n int) int {
	if n <= 0 {
		return 50
	}
	if n > MaxLimit {
		return MaxLimit
	}
	return n
}

// Holding returns one holding of a customer in scope.
func (s *Service) Holding(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (Holding, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Holding{}, err
	}
	return s.Store.GetHolding(ctx, a, customerID, id)
}
