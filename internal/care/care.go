// Package care is care automation (关怀, M6): rules that find the customers
// due a birthday or festival greeting, an anniversary, a service, an expiry
// or loan-due notice, or a dormancy call, and turn each (rule, customer,
// occurrence) into exactly one task and/or message. It does no I/O; the
// Service declares the Store it needs.
package care

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// Service manages care rules and runs them.
type Service struct {
	Store Store
	Now   func() time.Time
	// Loc is the business time zone: it decides "today" and quiet hours.
	Loc *time.Location
}

// Store is what the service needs from storage.
type Store interface {
	ListCareRules(ctx context.Context) ([]Rule, error)
	GetCareRule(ctx context.Context, id guanxi.ID) (Rule, error)
	// SaveCareRule inserts (ID 0) or updates a rule at version, audited.
	SaveCareRule(ctx context.Context, a guanxi.Actor, r *Rule, version int64) error
	DeleteCareRule(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error
	// CareCandidates is one keyset page of the customers (and holdings)
	// a rule may be due for, in its audience, not deleted, without an
	// event of the rule for the page's occurrences where that is known.
	CareCandidates(ctx context.Context, r Rule, q Query) ([]Candidate, error)
	// FireCare inserts the events that do not exist yet (unique per rule,
	// customer and occurrence) with their tasks and messages, in one
	// transaction, and counts what it did.
	FireCare(ctx context.Context, r Rule, fs []Fire) (Result, error)
	MarkCareRun(ctx context.Context, id guanxi.ID, at time.Time) error
	AuditCareRun(ctx context.Context, a guanxi.Actor, id guanxi.ID, res Result) error

	// ListCareEvents is one keyset page of the events in a's scope, newest
	// first; a cursor it cannot read is Invalid on field cursor.
	ListCareEvents(ctx context.Context, a guanxi.Actor, q EventQuery) (EventPage, error)
	CareTaskInfo(ctx context.Context, a guanxi.Actor, taskIDs []guanxi.ID) (map[guanxi.ID]TaskInfo, error)
	// CloseChurnTask closes a churn task at version and records the reason
	// on its event, in one transaction.
	CloseChurnTask(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, c task.Close, reason, note string) error
	ChurnReasons(ctx context.Context) ([]Reason, error)
	SaveChurnReason(ctx context.Context, a guanxi.Actor, r Reason) error
	CareReport(ctx context.Context, a guanxi.Actor, from, to, today string) (ReportData, error)
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

func (s *Service) loc() *time.Location {
	if s.Loc == nil {
		return time.UTC
	}
	return s.Loc
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Today is the current date in the business time zone.
func (s *Service) Today() string { return s.now().In(s.loc()).Format(time.DateOnly) }

// Rules lists the rules (care.admin).
func (s *Service) Rules(ctx context.Context, a guanxi.Actor) ([]Rule, error) {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return nil, err
	}
	return s.Store.ListCareRules(ctx)
}

// Rule returns one rule.
func (s *Service) Rule(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Rule, error) {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return Rule{}, err
	}
	return s.Store.GetCareRule(ctx, id)
}

// Save creates (ID 0) or updates a rule at version.
func (s *Service) Save(ctx context.Context, a guanxi.Actor, r *Rule, version int64) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	if err := Validate(r); err != nil {
		return err
	}
	return s.Store.SaveCareRule(ctx, a, r, version)
}

// Delete removes a rule at version; its events stay for the reports.
func (s *Service) Delete(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	return s.Store.DeleteCareRule(ctx, a, id, version)
}

// EventQuery selects care events in the caller's customer scope. Cursor
// is the NextCursor of the page before ("" for the first).
type EventQuery struct {
	RuleID     guanxi.ID
	CustomerID guanxi.ID
	Status     string
	Limit      int
	Cursor     string
}

// EventPage is one page of events; NextCursor is "" on the last page.
type EventPage struct {
	Items      []Event
	NextCursor string
}

// MaxEventLimit caps a page of events; DefaultEventLimit is the page
// without a limit.
const (
	MaxEventLimit     = 200
	DefaultEventLimit = 50
)

// Event is one (rule, customer, occurrence) the run handled.
type Event struct {
	ID           guanxi.ID  `db:"id"`
	RuleID       guanxi.ID  `db:"rule_id"`
	RuleName     string     `db:"rule_name"`
	Kind         string     `db:"kind"`
	CustomerID   guanxi.ID  `db:"customer_id"`
	CustomerName string     `db:"customer_name"`
	OwnerID      guanxi.ID  `db:"owner_id"`
	Occurrence   string     `db:"occurrence"`
	EventOn      string     `db:"event_on"`
	Status       string     `db:"status"`
	Reason       string     `db:"reason"`
	Channel      string     `db:"channel"`
	TaskID       *guanxi.ID `db:"task_id"`
	ChurnReason  string     `db:"churn_reason"`
	UsageNote    string     `db:"usage_note"`
	CreatedAt    time.Time  `db:"created_at"`
}

// Event statuses: fired (task and/or message made), suppressed (no
// consent for the channel; the task is still made), capped (over the
// customer's message cap; the task is still made).
const (
	EventFired      = "fired"
	EventSuppressed = "suppressed"
	EventCapped     = "capped"
)

// EventStatuses lists every event status.
var EventStatuses = []string{EventFired, EventSuppressed, EventCapped}

// Events lists one page of care events in scope, newest first.
func (s *Service) Events(ctx context.Context, a guanxi.Actor, q EventQuery) (EventPage, error) {
	if !a.Can(guanxi.PermCareAdmin) && !a.Can(guanxi.PermCareReport) {
		if err := need(a, guanxi.PermCustomerRead); err != nil {
			return EventPage{}, err
		}
	}
	if q.Limit <= 0 {
		q.Limit = DefaultEventLimit
	}
	q.Limit = min(q.Limit, MaxEventLimit)
	return s.Store.ListCareEvents(ctx, a, q)
}

// TaskInfo is what the today page shows of a care task: the rule kind
// (service_due offers to book an appointment) and the event's date.
type TaskInfo struct {
	TaskID   guanxi.ID `db:"task_id"`
	RuleKind string    `db:"kind"`
	EventOn  string    `db:"event_on"`
}

// TaskInfo returns the care details of tasks in scope.
func (s *Service) TaskInfo(ctx context.Context, a guanxi.Actor, ids []guanxi.ID) (map[guanxi.ID]TaskInfo, error) {
	if len(ids) == 0 {
		return map[guanxi.ID]TaskInfo{}, nil
	}
	return s.Store.CareTaskInfo(ctx, a, ids)
}
