package worklog

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// ListQuery selects entries the actor may read. ToReview lists submitted
// entries of others the actor may review; otherwise AuthorID (0 = self).
type ListQuery struct {
	ToReview bool
	AuthorID guanxi.ID
	Status   string
	From, To string
	Limit    int
}

// Store is what the work-log service needs. Reads follow the work-log
// scope: one's own entries, a reviewer's org subtree, everything for
// admins and auditors; anything else is NotFound.
type Store interface {
	GetWorkLog(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Entry, error)
	ListWorkLogs(ctx context.Context, a guanxi.Actor, q ListQuery) ([]Entry, error)
	// SaveWorkLog inserts (ID 0) or updates the content of an entry at
	// version; linked customers must be in the actor's customer scope.
	SaveWorkLog(ctx context.Context, a guanxi.Actor, e *Entry, version int64) error
	// SetWorkLogState writes Status and the submit/review fields at version.
	SetWorkLogState(ctx context.Context, a guanxi.Actor, e *Entry, version int64) error
}

// Service is the work-log use cases.
type Service struct {
	Store Store
	Now   guanxi.Clock
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

// List returns entries the actor may read.
func (s *Service) List(ctx context.Context, a guanxi.Actor, q ListQuery) ([]Entry, error) {
	if err := need(a, guanxi.PermSelf); err != nil {
		return nil, err
	}
	if q.ToReview {
		if err := need(a, guanxi.PermWorkReview); err != nil {
			return nil, err
		}
		q.Status, q.AuthorID = StatusSubmitted, 0
	} else if q.AuthorID == 0 {
		q.AuthorID = a.UserID
	}
	if q.Status != "" && !contains(Statuses, q.Status) {
		return nil, guanxi.Invalid(guanxi.Field("status", "validation.enum"))
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 100
	}
	return s.Store.ListWorkLogs(ctx, a, q)
}

// Get returns one entry the actor may read.
func (s *Service) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Entry, error) {
	if err := need(a, guanxi.PermSelf); err != nil {
		return Entry{}, err
	}
	return s.Store.GetWorkLog(ctx, a, id)
}

// Create saves a new draft written by the actor.
func (s *Service) Create(ctx context.Context, a guanxi.Actor, e *Entry) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	e.ID, e.AuthorID, e.Status = 0, a.UserID, StatusDraft
	if err := Validate(e); err != nil {
		return err
	}
	return s.Store.SaveWorkLog(ctx, a, e, 0)
}

// Update changes a draft or returned entry of the actor's own.
func (s *Service) Update(ctx context.Context, a guanxi.Actor, e *Entry, version int64) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	cur, err := s.editable(ctx, a, e.ID, version)
	if err != nil {
		return err
	}
	e.Kind, e.AuthorID, e.Status = cur.Kind, cur.AuthorID, cur.Status
	if err := Validate(e); err != nil {
		return err
	}
	return s.Store.SaveWorkLog(ctx, a, e, version)
}

func (s *Service) editable(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) (Entry, error) {
	cur, err := s.Store.GetWorkLog(ctx, a, id)
	if err != nil {
		return cur, err
	}
	if cur.AuthorID != a.UserID {
		return cur, guanxi.Forbidden("error.forbidden")
	}
	if cur.Version != version {
		return cur, guanxi.Stale(cur.Version)
	}
	if !cur.Editable() {
		return cur, guanxi.Conflict("error.worklog_locked", nil)
	}
	return cur, nil
}

// Submit hands a draft or returned entry to the reviewers.
func (s *Service) Submit(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) (Entry, error) {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return Entry{}, err
	}
	cur, err := s.editable(ctx, a, id, version)
	if err != nil {
		return cur, err
	}
	cur.Status = StatusSubmitted
	now := s.Now().UTC()
	cur.SubmittedAt = &now
	return cur, s.Store.SetWorkLogState(ctx, a, &cur, version)
}

// Decisions of a review.
const (
	Approve = "approve"
	Return  = "return"
)

// Review approves a submitted entry or returns it with a comment. The
// reviewer holds work.review, sees the author (org subtree) and is not
// the author.
func (s *Service) Review(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, decision, comment string) (Entry, error) {
	if err := need(a, guanxi.PermWorkReview); err != nil {
		return Entry{}, err
	}
	comment = strings.TrimSpace(comment)
	var f guanxi.Fields
	switch decision {
	case Approve:
	case Return:
		if comment == "" {
			f.Add("comment", "validation.required")
		}
	default:
		f.Add("decision", "validation.enum")
	}
	if utf8.RuneCountInString(comment) > 1000 {
		f.Add("comment", "validation.too_long", map[string]any{"max": 1000})
	}
	if err := f.Err(); err != nil {
		return Entry{}, err
	}
	cur, err := s.Store.GetWorkLog(ctx, a, id)
	if err != nil {
		return cur, err
	}
	if cur.AuthorID == a.UserID {
		return cur, guanxi.Forbidden("error.worklog_own_review")
	}
	if cur.Version != version {
		return cur, guanxi.Stale(cur.Version)
	}
	if cur.Status != StatusSubmitted {
		return cur, guanxi.Conflict("error.worklog_not_submitted", nil)
	}
	cur.Status = StatusApproved
	if decision == Return {
		cur.Status = StatusReturned
	}
	now := s.Now().UTC()
	by := a.UserID
	cur.ReviewerID, cur.ReviewerName, cur.ReviewedAt, cur.ReviewComment = &by, a.Name, &now, comment
	return cur, s.Store.SetWorkLogState(ctx, a, &cur, version)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
