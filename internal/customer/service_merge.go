package customer

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// MergeStore is what duplicate detection and merging need from storage.
// Reads take the actor and apply its scope: a pair is visible only when both
// customers are.
type MergeStore interface {
	// ScanDuplicates runs the rules over every live customer and adds new
	// pairs to the queue (known pairs keep their status), audited as a.
	ScanDuplicates(ctx context.Context, a guanxi.Actor) (ScanResult, error)
	ListDuplicates(ctx context.Context, a guanxi.Actor, q DuplicateQuery) (Page[DuplicatePair], error)
	GetDuplicate(ctx context.Context, a guanxi.Actor, id guanxi.ID) (DuplicatePair, error)
	DismissDuplicate(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error
	// DuplicateCandidates applies the rules to one customer on the fly.
	DuplicateCandidates(ctx context.Context, a guanxi.Actor, id guanxi.ID, limit int) ([]Candidate, error)
	// MergeCustomers moves everything of p.Merged to p.Survivor, writes the
	// survivor's chosen values and deletes the merged row, in one transaction.
	MergeCustomers(ctx context.Context, a guanxi.Actor, p MergePlan) error
	// MergedInto lists the customers merged into survivor id (in scope).
	MergedInto(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]MergeRecord, error)
	// AuditMergeView records that a saw the plaintext of fields of both
	// customers on the merge page.
	AuditMergeView(ctx context.Context, a guanxi.Actor, ids []guanxi.ID, fields []string) error
}

// ScanDuplicates finds duplicate pairs across the whole archive.
func (s *Service) ScanDuplicates(ctx context.Context, a guanxi.Actor) (ScanResult, error) {
	if err := need(a, guanxi.PermCustomerMerge); err != nil {
		return ScanResult{}, err
	}
	return s.Merges.ScanDuplicates(ctx, a)
}

// DuplicateScanJob is the daily scan (app.Periodic), run as the system.
func (s *Service) DuplicateScanJob(ctx context.Context, _ time.Time) error {
	_, err := s.Merges.ScanDuplicates(ctx, guanxi.SystemActor("duplicate-scan"))
	return err
}

// Duplicates lists the review queue in the caller's scope.
func (s *Service) Duplicates(ctx context.Context, a guanxi.Actor, q DuplicateQuery) (Page[DuplicatePair], error) {
	if err := need(a, guanxi.PermCustomerMerge); err != nil {
		return Page[DuplicatePair]{}, err
	}
	var f guanxi.Fields
	if q.Reason != "" && !validReason(q.Reason) {
		f.Add("reason", "validation.enum")
	}
	switch q.Status {
	case "":
		q.Status = DupOpen
	case DupOpen, DupDismissed:
	default:
		f.Add("status", "validation.enum")
	}
	if err := f.Err(); err != nil {
		return Page[DuplicatePair]{}, err
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, MaxLimit)
	return s.Merges.ListDuplicates(ctx, a, q)
}

func validReason(r DupReason) bool {
	for _, x := range DupReasons {
		if x == r {
			return true
		}
	}
	return false
}

// Duplicate returns one queue entry in scope.
func (s *Service) Duplicate(ctx context.Context, a guanxi.Actor, id guanxi.ID) (DuplicatePair, error) {
	if err := need(a, guanxi.PermCustomerMerge); err != nil {
		return DuplicatePair{}, err
	}
	return s.Merges.GetDuplicate(ctx, a, id)
}

// DismissDuplicate marks a pair "not a duplicate"; a rescan keeps it so.
func (s *Service) DismissDuplicate(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	if err := need(a, guanxi.PermCustomerMerge); err != nil {
		return err
	}
	if version <= 0 {
		return guanxi.Invalid(guanxi.Field("version", "validation.required"))
	}
	return s.Merges.DismissDuplicate(ctx, a, id, version)
}

// DuplicateCandidates lists customers that look like customer id.
func (s *Service) DuplicateCandidates(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Candidate, error) {
	if err := need(a, guanxi.PermCustomerMerge); err != nil {
		return nil, err
	}
	return s.Merges.DuplicateCandidates(ctx, a, id, 50)
}

// MergePreview is the merge page: both customers, the default survivor and
// the fields that differ.
type MergePreview struct {
	Survivor, Merged Customer
	Diffs            []FieldDiff
}

// PreviewMerge loads two customers in scope for the merge page. survivorID
// 0 picks the default survivor (PickSurvivor).
func (s *Service) PreviewMerge(ctx context.Context, a guanxi.Actor, x, y, survivorID guanxi.ID) (MergePreview, error) {
	if err := need(a, guanxi.PermCustomerMerge); err != nil {
		return MergePreview{}, err
	}
	if x <= 0 || y <= 0 || x == y {
		return MergePreview{}, guanxi.Invalid(guanxi.Field("other_id", "merge.same_customer"))
	}
	cx, err := s.Store.GetCustomer(ctx, a, x, false)
	if err != nil {
		return MergePreview{}, err
	}
	cy, err := s.Store.GetCustomer(ctx, a, y, false)
	if err != nil {
		return MergePreview{}, err
	}
	var p MergePreview
	switch survivorID {
	case x:
		p.Survivor, p.Merged = cx, cy
	case y:
		p.Survivor, p.Merged = cy, cx
	default:
		p.Survivor, p.Merged = PickSurvivor(cx, cy)
	}
	p.Diffs = MergeDiff(p.Survivor, p.Merged)
	return p, nil
}

// AuditMergeView records the plaintext the merge page is about to show.
func (s *Service) AuditMergeView(ctx context.Context, a guanxi.Actor, p MergePreview, fields []string) error {
	if len(fields) == 0 {
		return nil
	}
	return s.Merges.AuditMergeView(ctx, a, []guanxi.ID{p.Survivor.ID, p.Merged.ID}, fields)
}

// Merge joins r.MergedID into r.SurvivorID with the chosen values and
// returns the survivor as stored.
func (s *Service) Merge(ctx context.Context, a guanxi.Actor, r MergeRequest) (Customer, error) {
	if err := need(a, guanxi.PermCustomerMerge); err != nil {
		return Customer{}, err
	}
	// Scope first: a survivor the caller cannot see is 404 whatever the body.
	sv, err := s.Store.GetCustomer(ctx, a, r.SurvivorID, false)
	if err != nil && r.SurvivorID > 0 {
		return Customer{}, err
	}
	if err := ValidateMergeRequest(r); err != nil {
		return Customer{}, err
	}
	mg, err := s.Store.GetCustomer(ctx, a, r.MergedID, false)
	if err != nil {
		return Customer{}, err
	}
	if sv.Version != r.SurvivorVersion {
		return Customer{}, guanxi.Stale(sv.Version)
	}
	if mg.Version != r.MergedVersion {
		return Customer{}, guanxi.Stale(mg.Version)
	}
	for k := range r.Chosen {
		if !hasDiff(sv, mg, k) {
			delete(r.Chosen, k) // equal on both sides: nothing to choose
		}
	}
	after, used := Merged(sv, mg, r.Chosen)
	defs, err := s.Store.FieldDefs(ctx)
	if err != nil {
		return Customer{}, err
	}
	after.Normalize()
	if err := Validate(&after, defs); err != nil {
		return Customer{}, err
	}
	if s.Pinyin != nil {
		after.NamePinyin = s.Pinyin(after.Name)
	}
	plan := MergePlan{Survivor: after, SurvivorVersion: r.SurvivorVersion, Merged: mg, MergedVersion: r.MergedVersion,
		Chosen: used, Changes: Diff(sv, after)}
	if err := s.Merges.MergeCustomers(ctx, a, plan); err != nil {
		return Customer{}, err
	}
	return s.Store.GetCustomer(ctx, a, r.SurvivorID, false)
}

func hasDiff(s, m Customer, field string) bool {
	for _, d := range MergeDiff(s, m) {
		if d.Field == field {
			return true
		}
	}
	return false
}

// MergedInto lists the customers merged into id.
func (s *Service) MergedInto(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]MergeRecord, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return nil, err
	}
	return s.Merges.MergedInto(ctx, a, id)
}
