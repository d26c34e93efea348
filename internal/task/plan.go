package task

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Triggers of a follow-up plan.
const (
	// TriggerVehicleDelivery: a vehicle holding's opened_on (交车日).
	TriggerVehicleDelivery = "vehicle_delivery"
	// TriggerService: every transaction of kind service (each 保养/维修).
	TriggerService = "service"
	// TriggerPeriodicGrade: once a month for customers of the listed grades.
	TriggerPeriodicGrade = "periodic_grade"
	// TriggerComplaintClosed: a ticket closed (tickets.closed_at).
	TriggerComplaintClosed = "complaint_closed"
)

// Triggers lists every trigger.
var Triggers = []string{TriggerVehicleDelivery, TriggerService, TriggerPeriodicGrade, TriggerComplaintClosed}

// Lookback bounds how far back each run looks for events, so a run reads
// recent rows only; a server stopped longer than this misses older events.
const Lookback = 60

// Plan is a rule that makes one follow-up task per occurrence of its trigger
// for the customer's owner, OffsetDays after the event.
type Plan struct {
	ID          guanxi.ID  `db:"id"`
	Name        string     `db:"name"`
	Trigger     string     `db:"trigger_kind"`
	OffsetDays  int        `db:"offset_days"`
	Grades      []string   `db:"-"`
	OrgUnitID   *guanxi.ID `db:"org_unit_id"`
	OrgUnitName string     `db:"org_unit_name"`
	// Title is the task title; {customer} and {date} are filled in.
	Title     string     `db:"title"`
	Active    bool       `db:"active"`
	StartsOn  string     `db:"starts_on"`
	CreatedBy *guanxi.ID `db:"created_by"`
	Version   int64      `db:"version"`
	CreatedAt time.Time  `db:"created_at"`
	UpdatedAt time.Time  `db:"updated_at"`
}

// ParseGrades splits a grade list typed with commas or spaces (，、 too).
func ParseGrades(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '，' || r == '、' || r == ';' || r == '\n' || r == '\t'
	})
	out := []string{}
	for _, g := range f {
		if g = strings.TrimSpace(g); g != "" && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// ValidatePlan checks and normalises a plan.
func ValidatePlan(p *Plan) error {
	var f guanxi.Fields
	p.Name = strings.TrimSpace(p.Name)
	p.Title = strings.TrimSpace(p.Title)
	if p.Name == "" {
		f.Add("name", "validation.required")
	} else if utf8.RuneCountInString(p.Name) > 100 {
		f.Add("name", "validation.too_long", map[string]any{"max": 100})
	}
	if !slices.Contains(Triggers, p.Trigger) {
		f.Add("trigger", "validation.enum")
	}
	if p.OffsetDays < 0 || p.OffsetDays > 366 {
		f.Add("offset_days", "validation.days_range", map[string]any{"min": 0, "max": 366})
	}
	if p.Trigger == TriggerPeriodicGrade && p.OffsetDays > 27 {
		f.Add("offset_days", "validation.days_range", map[string]any{"min": 0, "max": 27})
	}
	if p.Title == "" {
		f.Add("title", "validation.required")
	} else if utf8.RuneCountInString(p.Title) > 200 {
		f.Add("title", "validation.too_long", map[string]any{"max": 200})
	}
	if p.Trigger == TriggerPeriodicGrade && len(p.Grades) == 0 {
		f.Add("grades", "validation.required")
	}
	if len(p.Grades) > 20 || len(strings.Join(p.Grades, ",")) > 200 {
		f.Add("grades", "validation.too_long", map[string]any{"max": 200})
	}
	if p.StartsOn != "" && !ValidDate(p.StartsOn) {
		f.Add("starts_on", "validation.date")
	}
	return f.Err()
}

// Event is one occurrence of a plan's trigger for a customer, as the store
// finds it: Occurrence is the event row's id (the month as YYYYMM for
// periodic plans); On is a date or At a time.
type Event struct {
	CustomerID   guanxi.ID  `db:"customer_id"`
	CustomerName string     `db:"customer_name"`
	OwnerID      guanxi.ID  `db:"owner_id"`
	Occurrence   int64      `db:"occurrence"`
	On           string     `db:"event_on"`
	At           *time.Time `db:"event_at"`
}

// Window is what a run asks the store: events on or after From (a date;
// FromAt the same day's start as a time) for a plan, or for a periodic plan
// the customers without a task for Occurrence.
type Window struct {
	To         string // today: later events (a delivery booked ahead) wait
	From       string
	FromAt     time.Time
	Occurrence int64
	Limit      int
}

// WindowFor returns the window of a run at today (a date in loc), and false
// when the plan has nothing to do yet.
func WindowFor(p Plan, today string, loc *time.Location) (Window, bool) {
	if !p.Active || len(today) != 10 || !ValidDate(p.StartsOn) {
		return Window{}, false
	}
	w := Window{Limit: 1000, To: today}
	if p.Trigger == TriggerPeriodicGrade {
		if p.StartsOn[:7] > today[:7] {
			return Window{}, false
		}
		m, _ := strconv.ParseInt(strings.ReplaceAll(today[:7], "-", ""), 10, 64)
		w.Occurrence = m
		return w, true
	}
	// Only events whose task falls due on or after the plan's start: a new
	// plan does not flood owners with years of history.
	from := AddDays(p.StartsOn, -p.OffsetDays)
	if lb := AddDays(today, -Lookback); lb > from {
		from = lb
	}
	w.From = from
	d, _ := time.ParseInLocation(time.DateOnly, from, loc)
	w.FromAt = d.UTC()
	return w, true
}

// TaskFor builds the task a plan makes for an event.
func TaskFor(p Plan, e Event, today string, loc *time.Location) Task {
	var due string
	switch {
	case p.Trigger == TriggerPeriodicGrade:
		due = AddDays(today[:8]+"01", p.OffsetDays)
		if due < p.StartsOn {
			due = p.StartsOn
		}
	case e.At != nil:
		due = AddDays(e.At.In(loc).Format(time.DateOnly), p.OffsetDays)
	default:
		due = AddDays(e.On, p.OffsetDays)
	}
	title := strings.NewReplacer("{customer}", e.CustomerName, "{date}", due).Replace(p.Title)
	if utf8.RuneCountInString(title) > 200 {
		title = string([]rune(title)[:200])
	}
	occ := e.Occurrence
	planID := p.ID
	return Task{Kind: KindPlan, Title: title, CustomerID: e.CustomerID, CustomerName: e.CustomerName,
		OwnerID: e.OwnerID, DueOn: due, Status: StatusOpen, PlanID: &planID, Occurrence: &occ}
}
