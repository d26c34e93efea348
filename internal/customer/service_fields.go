package customer

import (
	"context"

	"github.com/guanxi-crm/guanxi"
)

// FieldDefStore saves custom field definitions.
type FieldDefStore interface {
	SaveFieldDef(ctx context.Context, a guanxi.Actor, d *FieldDef, version int64) error
}

// ListFieldDefs returns the custom field definitions (any signed-in user
// needs them to render forms).
func (s *Service) ListFieldDefs(ctx context.Context, a guanxi.Actor) ([]FieldDef, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Store.FieldDefs(ctx)
}

// SaveFieldDef creates (ID 0) or updates a custom field at version; the key
// and type of an existing field never change.
func (s *Service) SaveFieldDef(ctx context.Context, a guanxi.Actor, d *FieldDef, version int64) error {
	if err := need(a, guanxi.PermFieldAdmin); err != nil {
		return err
	}
	if err := ValidateFieldDef(d); err != nil {
		return err
	}
	if d.ID != 0 {
		defs, err := s.Store.FieldDefs(ctx)
		if err != nil {
			return err
		}
		found := false
		for _, old := range defs {
			if old.ID == d.ID {
				found = true
				if old.Key != d.Key || old.Type != d.Type {
					return guanxi.Invalid(guanxi.Field("key", "validation.immutable"))
				}
			}
		}
		if !found {
			return guanxi.NotFound("error.not_found")
		}
	}
	return s.Store.SaveFieldDef(ctx, a, d, version)
}
