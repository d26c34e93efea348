// Package retention holds the retention rules (PIPL 19: keep personal
// data no longer than the purpose needs) and the run that applies them in
// batches. Every rule skips customers under an active legal hold; the
// store's queries enforce that. It does no I/O itself.
package retention

import (
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Kinds of records a rule covers.
const (
	KindCustomersDeleted  = "customers_deleted"  // in the recycle bin longer than N days
	KindCustomersInactive = "customers_inactive" // no contact and no change for N days
	KindInteractions      = "interactions"       // interaction records older than N days
	KindVisitLogs         = "visit_logs"         // staff visit logs (work_logs kind visit)
	KindOutbox            = "outbox_messages"    // finished outbox messages and their attempts
	KindImportImages      = "import_images"      // before-images of finished imports (undo data)
)

// Kinds lists every kind in display order.
var Kinds = []string{KindCustomersDeleted, KindCustomersInactive, KindInteractions, KindVisitLogs, KindOutbox, KindImportImages}

// Actions.
const (
	ActionPurge     = "purge"
	ActionAnonymise = "anonymise"
)

// MaxDays caps a rule at 100 years.
const MaxDays = 36500

// Rule is one retention rule.
type Rule struct {
	ID        guanxi.ID  `db:"id" json:"id"`
	Kind      string     `db:"kind" json:"kind"`
	Days      int        `db:"days" json:"days"`
	Action    string     `db:"action" json:"action"`
	Enabled   bool       `db:"enabled" json:"enabled"`
	UpdatedBy *guanxi.ID `db:"updated_by" json:"updated_by,omitempty"`
	UpdatedAt *time.Time `db:"updated_at" json:"updated_at,omitempty"`
	Version   int64      `db:"version" json:"version"`
}

// ActionOf is the only action a kind allows: customers are anonymised
// (the archive keeps a pseudonymous row), other records purged.
func ActionOf(kind string) string {
	if kind == KindCustomersDeleted || kind == KindCustomersInactive {
		return ActionAnonymise
	}
	return ActionPurge
}

// Validate checks a rule before it is saved.
func (r Rule) Validate() error {
	var fs []guanxi.FieldError
	if !slices.Contains(Kinds, r.Kind) {
		fs = append(fs, guanxi.Field("kind", "validation.enum"))
	}
	if r.Days < 1 || r.Days > MaxDays {
		fs = append(fs, guanxi.Field("days", "retention.days_range"))
	}
	if r.Action != ActionOf(r.Kind) {
		fs = append(fs, guanxi.Field("action", "validation.enum"))
	}
	if len(fs) > 0 {
		return guanxi.Invalid(fs...)
	}
	return nil
}

// Cutoff is the instant before which a rule's records are expired.
func (r Rule) Cutoff(now time.Time) time.Time {
	return now.UTC().AddDate(0, 0, -r.Days)
}

// Run is one retention run and what it did per kind.
type Run struct {
	ID         guanxi.ID        `db:"id" json:"id"`
	StartedAt  time.Time        `db:"started_at" json:"started_at"`
	FinishedAt *time.Time       `db:"finished_at" json:"finished_at,omitempty"`
	Status     string           `db:"status" json:"status"`
	CountsJSON string           `db:"counts" json:"-"`
	Counts     map[string]int64 `db:"-" json:"counts"`
	Error      string           `db:"error" json:"error,omitempty"`
	ByName     string           `db:"by_name" json:"by_name"`
}

// Run statuses.
const (
	RunRunning = "running"
	RunDone    = "done"
	RunFailed  = "failed"
)

// Count keys besides the kinds: customers skipped because of a hold.
const CountHeld = "held"

// JobKind is the job kind of a retention run (daily schedule and "run now").
const JobKind = "retention.daily"
