package audit

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Filter selects audit rows for auditors. Zero fields do not filter.
type Filter struct {
	ActorID    guanxi.ID
	Action     string
	ObjectType string
	CustomerID guanxi.ID
	From, To   time.Time
	BeforeSeq  int64 // cursor: rows with seq below this, newest first
	Limit      int
}

// Store is what the audit service needs.
type Store interface {
	ListAudit(ctx context.Context, f Filter) ([]Entry, error)
	VerifyAudit(ctx context.Context) (broken int64, checked int64, err error)
	Audit(ctx context.Context, entries ...Entry) error
}

// Service lets auditors read, export and verify the log.
type Service struct {
	Store Store
	// denials throttles access_denied rows (denied.go).
	denials denialThrottle
}

// List returns a page of entries, newest first; it needs audit.read.
func (s *Service) List(ctx context.Context, a guanxi.Actor, f Filter) ([]Entry, error) {
	if !a.Can(guanxi.PermAuditRead) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return s.Store.ListAudit(ctx, f)
}

// Export records that a had the log exported and returns up to max entries.
func (s *Service) Export(ctx context.Context, a guanxi.Actor, f Filter, max int) ([]Entry, error) {
	if !a.Can(guanxi.PermAuditRead) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	if err := s.Store.Audit(ctx, New(a, ActionExport, "audit_log", 0, map[string]any{"action": f.Action})); err != nil {
		return nil, err
	}
	var out []Entry
	for len(out) < max {
		f.Limit = min(200, max-len(out))
		page, err := s.Store.ListAudit(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			break
		}
		f.BeforeSeq = page[len(page)-1].Seq
	}
	return out, nil
}

// Verify walks the chain; broken is the seq of the first bad link or 0.
func (s *Service) Verify(ctx context.Context, a guanxi.Actor) (broken, checked int64, err error) {
	if !a.Can(guanxi.PermAuditRead) {
		return 0, 0, guanxi.Forbidden("error.forbidden")
	}
	return s.Store.VerifyAudit(ctx)
}
