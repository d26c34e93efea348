package privacy

import (
	"context"
	"strings"

	"github.com/guanxi-crm/guanxi"
)

// Store is what the personal-data rights need from storage
// (implemented by sqlstore). Every method checks privacy.admin and the
// actor's customer scope itself, so background callers are held to it too.
type Store interface {
	SubjectDocument(ctx context.Context, a guanxi.Actor, id guanxi.ID, format string) (*Document, error)
	AnonymiseCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID, reason string) error
	LegalHolds(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Hold, error)
	SetLegalHold(ctx context.Context, a guanxi.Actor, id guanxi.ID, reason string) (Hold, error)
	ReleaseLegalHold(ctx context.Context, a guanxi.Actor, id, holdID guanxi.ID, version int64) error
	// ListErasures is one keyset page of the erasure records, newest
	// first; a cursor it cannot read is Invalid on field cursor.
	ListErasures(ctx context.Context, a guanxi.Actor, q ErasureQuery) (ErasurePage, error)
	PrivacyCustomerNumber(ctx context.Context, a guanxi.Actor, id guanxi.ID) (string, error)
}

// Service is the personal-data rights use cases for the surfaces.
type Service struct {
	Store Store
}

func can(a guanxi.Actor) error {
	if !a.Can(guanxi.PermPrivacyAdmin) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

// Export returns everything held about customer id, unmasked, audited.
func (s *Service) Export(ctx context.Context, a guanxi.Actor, id guanxi.ID, format string) (*Document, error) {
	if err := can(a); err != nil {
		return nil, err
	}
	if format != FormatJSON && format != FormatCSV {
		return nil, guanxi.Invalid(guanxi.Field("format", "validation.enum"))
	}
	return s.Store.SubjectDocument(ctx, a, id, format)
}

// Erase anonymises customer id. confirm must repeat the customer number
// (a typed confirmation against erasing the wrong record); reason is one
// of Reasons.
func (s *Service) Erase(ctx context.Context, a guanxi.Actor, id guanxi.ID, reason, confirm string) error {
	if err := can(a); err != nil {
		return err
	}
	var f guanxi.Fields
	if !ValidReason(reason) {
		f.Add("reason", "validation.enum")
	}
	number, err := s.Store.PrivacyCustomerNumber(ctx, a, id)
	if err != nil {
		return err
	}
	if strings.TrimSpace(confirm) != number {
		f.Add("confirm", "privacy.confirm_mismatch")
	}
	if err := f.Err(); err != nil {
		return err
	}
	return s.Store.AnonymiseCustomer(ctx, a, id, reason)
}

// Holds lists customer id's legal holds, newest first.
func (s *Service) Holds(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Hold, error) {
	if err := can(a); err != nil {
		return nil, err
	}
	return s.Store.LegalHolds(ctx, a, id)
}

// SetHold puts customer id on legal hold.
func (s *Service) SetHold(ctx context.Context, a guanxi.Actor, id guanxi.ID, reason string) (Hold, error) {
	if err := can(a); err != nil {
		return Hold{}, err
	}
	if err := ValidateHoldReason(reason); err != nil {
		return Hold{}, err
	}
	return s.Store.SetLegalHold(ctx, a, id, reason)
}

// ReleaseHold ends a hold at version.
func (s *Service) ReleaseHold(ctx context.Context, a guanxi.Actor, id, holdID guanxi.ID, version int64) error {
	if err := can(a); err != nil {
		return err
	}
	return s.Store.ReleaseLegalHold(ctx, a, id, holdID, version)
}

// ErasureQuery selects one page of erasure records. Cursor is the
// NextCursor of the page before ("" for the first).
type ErasureQuery struct {
	Limit  int
	Cursor string
}

// ErasurePage is one page of erasure records; NextCursor is "" on the
// last page.
type ErasurePage struct {
	Items      []Erasure
	NextCursor string
}

// MaxErasureLimit caps a page of erasure records; DefaultErasureLimit is
// the page without a limit.
const (
	MaxErasureLimit     = 200
	DefaultErasureLimit = 50
)

// Erasures lists one page of the pseudonymous erasure records, newest
// first.
func (s *Service) Erasures(ctx context.Context, a guanxi.Actor, q ErasureQuery) (ErasurePage, error) {
	if err := can(a); err != nil {
		return ErasurePage{}, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultErasureLimit
	}
	q.Limit = min(q.Limit, MaxErasureLimit)
	return s.Store.ListErasures(ctx, a, q)
}

// Number returns customer id's number (for the confirmation prompt).
func (s *Service) Number(ctx context.Context, a guanxi.Actor, id guanxi.ID) (string, error) {
	if err := can(a); err != nil {
		return "", err
	}
	return s.Store.PrivacyCustomerNumber(ctx, a, id)
}
