// Package task holds follow-up tasks (回访/跟进任务) and the follow-up plans
// that generate them: kinds, statuses, validation, the due-date rules of
// each plan trigger and the follow-up report's periods. It does no I/O; the
// Service declares the Store it needs.
package task

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Kinds of task: a follow-up call, the next action of an interaction, a
// plan's occurrence, or one a person added by hand.
const (
	KindFollowUp   = "follow_up"
	KindNextAction = "next_action"
	KindPlan       = "plan"
	KindManual     = "manual"
	// Care automation (M6): a care rule's occurrence, a dormancy
	// (churn-risk) call with its reason, an appointment to prepare for.
	KindCare        = "care"
	KindChurn       = "churn"
	KindAppointment = "appointment"
)

// Kinds lists every task kind.
var Kinds = []string{KindFollowUp, KindNextAction, KindPlan, KindManual, KindCare, KindChurn, KindAppointment}

// Statuses of a task. Only open tasks change; the others are final.
const (
	StatusOpen    = "open"
	StatusDone    = "done"
	StatusSkipped = "skipped"
	StatusFailed  = "failed"
)

// Statuses lists every status.
var Statuses = []string{StatusOpen, StatusDone, StatusSkipped, StatusFailed}

// Task is something a staff member must do for a customer by a day.
type Task struct {
	ID            guanxi.ID  `db:"id"`
	Kind          string     `db:"kind"`
	Title         string     `db:"title"`
	Notes         string     `db:"notes"`
	CustomerID    guanxi.ID  `db:"customer_id"`
	CustomerName  string     `db:"customer_name"`
	OwnerID       guanxi.ID  `db:"owner_id"`
	OwnerName     string     `db:"owner_name"`
	DueOn         string     `db:"due_on"`
	Status        string     `db:"status"`
	Outcome       string     `db:"outcome"`
	ClosedAt      *time.Time `db:"closed_at"`
	ClosedBy      *guanxi.ID `db:"closed_by"`
	PlanID        *guanxi.ID `db:"plan_id"`
	Occurrence    *int64     `db:"occurrence"`
	InteractionID *guanxi.ID `db:"interaction_id"`
	CreatedBy     *guanxi.ID `db:"created_by"`
	Version       int64      `db:"version"`
	CreatedAt     time.Time  `db:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at"`
}

// Overdue reports whether an open task's day is before today.
func (t Task) Overdue(today string) bool { return t.Status == StatusOpen && t.DueOn < today }

// Validate checks a new task.
func Validate(t *Task) error {
	var f guanxi.Fields
	t.Title = strings.TrimSpace(t.Title)
	t.Notes = strings.TrimSpace(t.Notes)
	if t.Kind == "" {
		t.Kind = KindManual
	}
	if !slices.Contains(Kinds, t.Kind) {
		f.Add("kind", "validation.enum")
	}
	if t.Title == "" {
		f.Add("title", "validation.required")
	} else if utf8.RuneCountInString(t.Title) > 200 {
		f.Add("title", "validation.too_long", map[string]any{"max": 200})
	}
	if utf8.RuneCountInString(t.Notes) > 2000 {
		f.Add("notes", "validation.too_long", map[string]any{"max": 2000})
	}
	if t.CustomerID == 0 {
		f.Add("customer_id", "validation.required")
	}
	if t.DueOn == "" {
		f.Add("due_on", "validation.required")
	} else if !ValidDate(t.DueOn) {
		f.Add("due_on", "validation.date")
	}
	return f.Err()
}

// Close is how a task ends: done, skipped or failed, with an outcome
// (required unless done).
type Close struct {
	Status  string
	Outcome string
}

// Validate checks a close.
func (c *Close) Validate() error {
	var f guanxi.Fields
	c.Outcome = strings.TrimSpace(c.Outcome)
	switch c.Status {
	case StatusDone:
	case StatusSkipped, StatusFailed:
		if c.Outcome == "" {
			f.Add("outcome", "validation.required")
		}
	default:
		f.Add("status", "validation.enum")
	}
	if utf8.RuneCountInString(c.Outcome) > 500 {
		f.Add("outcome", "validation.too_long", map[string]any{"max": 500})
	}
	return f.Err()
}

// ValidDate reports whether s is a YYYY-MM-DD date.
func ValidDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// AddDays returns the date days after the YYYY-MM-DD date d.
func AddDays(d string, days int) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return t.AddDate(0, 0, days).Format(time.DateOnly)
}
