package task

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// ListQuery selects tasks: of one owner (by status and due range) or of one
// customer. Every list is limited to the caller's customer scope.
type ListQuery struct {
	OwnerID    guanxi.ID
	CustomerID guanxi.ID
	Status     string
	DueFrom    string // inclusive; "" = any
	DueTo      string // inclusive; "" = any
	Limit      int
	// Cursor continues a list after the last row of the page before: the
	// opaque NextCursor of that page ("" = the first page).
	Cursor string
}

// Page is one page of a list in due-day then id order; NextCursor is empty
// on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// Page sizes of the paged lists: DefaultLimit when none is asked for, at
// most MaxLimit (TESTPLAN I5).
const (
	DefaultLimit = 100
	MaxLimit     = 200
)

// StaffCompletion is one staff member's day on a manager's today page.
type StaffCompletion struct {
	OwnerID   guanxi.ID `db:"owner_id"`
	OwnerName string    `db:"owner_name"`
	Due       int       `db:"due"`
	Done      int       `db:"done"`
	Overdue   int       `db:"overdue"`
}

// Rate is the share of today's tasks done, in percent (100 when none due).
func (c StaffCompletion) Rate() int { return percent(c.Done, c.Due) }

func percent(n, d int) int {
	if d == 0 {
		return 100
	}
	return n * 100 / d
}

// Store is what the task service needs. Task reads and writes carry the
// actor and follow the customer's scope; an out-of-scope id is NotFound.
type Store interface {
	CreateTask(ctx context.Context, a guanxi.Actor, t *Task) error
	GetTask(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Task, error)
	// TaskPage returns the tasks after q.Cursor, at most q.Limit (at most
	// MaxDue), with the cursor of the next page when there are more.
	TaskPage(ctx context.Context, a guanxi.Actor, q ListQuery) (Page[Task], error)
	// CloseTask ends an open task at version; when log is not nil the
	// follow-up interaction is recorded in the same transaction.
	CloseTask(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, c Close, log *customer.Interaction) (Task, error)
	TeamCompletion(ctx context.Context, a guanxi.Actor, today string) ([]StaffCompletion, error)

	ListPlans(ctx context.Context) ([]Plan, error)
	GetPlan(ctx context.Context, id guanxi.ID) (Plan, error)
	SavePlan(ctx context.Context, a guanxi.Actor, p *Plan, version int64) error
	UnitPath(ctx context.Context, id guanxi.ID) (string, error)
	PlanEvents(ctx context.Context, p Plan, w Window) ([]Event, error)
	// InsertPlanTasks inserts the tasks that do not exist yet (unique per
	// plan, customer and occurrence) and returns how many it inserted.
	InsertPlanTasks(ctx context.Context, p Plan, ts []Task) (int, error)

	FollowUpCounts(ctx context.Context, a guanxi.Actor, from, to string) (Counts, error)
}

// Service is the use cases of tasks, the today page and follow-up plans.
type Service struct {
	Store Store
	// Loc is the business time zone that decides what "today" is.
	Loc *time.Location
	Now guanxi.Clock
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

// Today is the current date in the business time zone.
func (s *Service) Today() string {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().In(s.loc()).Format(time.DateOnly)
}

// Day is the today page of one user.
type Day struct {
	Date string
	// Due holds open tasks due today or before: overdue first, by due day.
	Due []Task
	// Upcoming holds open tasks of the next 7 days.
	Upcoming []Task
	// DueMore and UpcomingMore report that more tasks are due than the
	// MaxDue listed: the paged task list shows them all.
	DueMore, UpcomingMore bool
	// Team is per-staff completion for reviewers (managers, admins).
	Team []StaffCompletion
}

// MaxDue caps each list of the today page; DueMore and UpcomingMore say
// when a backlog goes beyond it, so nothing is cut off unseen.
const MaxDue = 500

// Day returns the actor's today page.
func (s *Service) Day(ctx context.Context, a guanxi.Actor) (Day, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Day{}, err
	}
	d := Day{Date: s.Today()}
	due, err := s.Store.TaskPage(ctx, a, ListQuery{OwnerID: a.UserID, Status: StatusOpen, DueTo: d.Date, Limit: MaxDue})
	if err != nil {
		return d, err
	}
	d.Due, d.DueMore = due.Items, due.NextCursor != ""
	next, err := s.Store.TaskPage(ctx, a, ListQuery{OwnerID: a.UserID, Status: StatusOpen,
		DueFrom: AddDays(d.Date, 1), DueTo: AddDays(d.Date, 7), Limit: MaxDue})
	if err != nil {
		return d, err
	}
	d.Upcoming, d.UpcomingMore = next.Items, next.NextCursor != ""
	if a.Can(guanxi.PermWorkReview) {
		if d.Team, err = s.Store.TeamCompletion(ctx, a, d.Date); err != nil {
			return d, err
		}
	}
	return d, nil
}

// List returns the first tasks in scope (at most MaxDue, DefaultLimit
// when q.Limit is 0): a customer's, or an owner's (the caller's when no
// owner is named). Pages that go on use Page.
func (s *Service) List(ctx context.Context, a guanxi.Actor, q ListQuery) ([]Task, error) {
	q, err := listQuery(a, q)
	if err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > MaxDue {
		q.Limit = DefaultLimit
	}
	p, err := s.Store.TaskPage(ctx, a, q)
	return p.Items, err
}

// Page returns one page of the tasks List selects, after q.Cursor: at most
// MaxLimit, DefaultLimit when q.Limit is 0. A cursor that is not one of
// ours is an invalid "cursor" field.
func (s *Service) Page(ctx context.Context, a guanxi.Actor, q ListQuery) (Page[Task], error) {
	q, err := listQuery(a, q)
	if err != nil {
		return Page[Task]{}, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	return s.Store.TaskPage(ctx, a, q)
}

// listQuery checks q's filters and names the owner: the caller when q
// names neither an owner nor a customer.
func listQuery(a guanxi.Actor, q ListQuery) (ListQuery, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return q, err
	}
	var f guanxi.Fields
	if q.Status != "" && !contains(Statuses, q.Status) {
		f.Add("status", "validation.enum")
	}
	if q.DueFrom != "" && !ValidDate(q.DueFrom) {
		f.Add("due_from", "validation.date")
	}
	if q.DueTo != "" && !ValidDate(q.DueTo) {
		f.Add("due_to", "validation.date")
	}
	if err := f.Err(); err != nil {
		return q, err
	}
	if q.OwnerID == 0 && q.CustomerID == 0 {
		q.OwnerID = a.UserID
	}
	return q, nil
}

// Get returns one task in scope.
func (s *Service) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Task, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Task{}, err
	}
	return s.Store.GetTask(ctx, a, id)
}

// Create adds a task by hand for a customer in scope; the owner defaults to
// the customer's owner.
func (s *Service) Create(ctx context.Context, a guanxi.Actor, t *Task) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	if t.Kind == "" {
		t.Kind = KindManual
	}
	if t.Kind == KindPlan || t.Kind == KindNextAction {
		return guanxi.Invalid(guanxi.Field("kind", "validation.enum"))
	}
	if err := Validate(t); err != nil {
		return err
	}
	t.Status = StatusOpen
	return s.Store.CreateTask(ctx, a, t)
}

// Complete closes an open task. With log set (a channel and, optionally, a
// summary) a done task also records the follow-up interaction.
func (s *Service) Complete(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, c Close, log *customer.Interaction) (Task, error) {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return Task{}, err
	}
	if err := c.Validate(); err != nil {
		return Task{}, err
	}
	if log != nil {
		if c.Status != StatusDone {
			log = nil
		} else {
			cur, err := s.Store.GetTask(ctx, a, id)
			if err != nil {
				return Task{}, err
			}
			log.CustomerID = cur.CustomerID
			if strings.TrimSpace(log.Summary) == "" {
				log.Summary = cur.Title
				if c.Outcome != "" {
					log.Summary += "：" + c.Outcome
				}
			}
			if log.Purpose == "" {
				log.Purpose = "follow_up"
			}
			if log.Outcome == "" {
				log.Outcome = c.Outcome
			}
			if log.OccurredAt.IsZero() {
				log.OccurredAt = time.Now().UTC()
				if s.Now != nil {
					log.OccurredAt = s.Now().UTC()
				}
			}
			if err := customer.ValidateInteraction(log); err != nil {
				return Task{}, prefix(err, "log.")
			}
		}
	}
	return s.Store.CloseTask(ctx, a, id, version, c, log)
}

// prefix moves field errors under a JSON path prefix.
func prefix(err error, p string) error {
	var e *guanxi.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		f.Field = p + f.Field
		out.Fields = append(out.Fields, f)
	}
	return &out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
