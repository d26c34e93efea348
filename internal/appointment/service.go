package appointment

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// ListQuery filters appointments; From and To are local dates
// (YYYY-MM-DD, inclusive) on the start time. PastOpen lists the booked or
// confirmed appointments whose start has passed: staff close them as
// arrived or no-show.
type ListQuery struct {
	From, To   string
	ResourceID guanxi.ID
	KindID     guanxi.ID
	Status     string
	OwnerID    guanxi.ID
	CustomerID guanxi.ID
	PastOpen   bool
	Limit      int
	// Cursor continues a list after the last row of the page before: the
	// opaque NextCursor of that page ("" = the first page).
	Cursor string
	// Set by the service from the dates.
	FromAt, ToAt time.Time
	Now          time.Time
}

// Booking is what the store needs to book or move an appointment: the
// appointment (CustomerID, KindID, ResourceID, StaffID, StartsAt, Note,
// Priority), the kind's length and reminder offsets, and the task it was
// booked from (closed with outcome "booked APT-…" in the same transaction).
type Booking struct {
	A           *Appointment
	Minutes     int
	Offsets     []int
	Loc         *time.Location
	Now         time.Time
	TaskID      guanxi.ID
	TaskTitle   string // the prepare task's title for the owner or the staff member
	TaskOutcome string
}

// Effect is what a status change does besides the row: withdraw queued
// reminders, queue one message (confirmation, cancellation notice).
type Effect struct {
	CancelMessages bool
	Template       string
	Loc            *time.Location
}

// Store is what the service needs from storage. Appointments follow the
// customer scope: out of scope is NotFound.
type Store interface {
	AppointmentKinds(ctx context.Context) ([]Kind, error)
	GetAppointmentKind(ctx context.Context, id guanxi.ID) (Kind, error)
	SaveAppointmentKind(ctx context.Context, a guanxi.Actor, k *Kind, version int64) error
	AppointmentResources(ctx context.Context) ([]Resource, error)
	GetAppointmentResource(ctx context.Context, id guanxi.ID) (Resource, error)
	SaveAppointmentResource(ctx context.Context, a guanxi.Actor, r *Resource, version int64) error
	GetAppointment(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Appointment, error)
	// ListAppointments returns the appointments matching q after q.Cursor
	// in start then id order, at most q.Limit (1..MaxLimit), with the
	// cursor of the next page when there are more.
	ListAppointments(ctx context.Context, a guanxi.Actor, q ListQuery) (Page[Appointment], error)
	// ResourceBusy lists the appointments holding seats on a resource in [from, to).
	ResourceBusy(ctx context.Context, resourceID guanxi.ID, from, to time.Time) ([]Busy, error)
	// BookAppointment locks the resource, checks the span and capacity,
	// inserts, queues reminders, adds the prepare task and closes the
	// source task, all in one transaction.
	BookAppointment(ctx context.Context, a guanxi.Actor, b *Booking) error
	// RescheduleAppointment moves an open appointment at version with the
	// same checks and replaces its reminders.
	RescheduleAppointment(ctx context.Context, a guanxi.Actor, b *Booking, version int64) error
	// SetAppointmentStatus writes the status fields at version with e.
	SetAppointmentStatus(ctx context.Context, a guanxi.Actor, ap *Appointment, version int64, e Effect) error
	AppointmentFacts(ctx context.Context, a guanxi.Actor, from, to time.Time) ([]Fact, error)
	AppointmentCustomerFacts(ctx context.Context, a guanxi.Actor, from, to, now time.Time) ([]CustomerRate, error)
}

// Service books and tracks appointments.
type Service struct {
	Store Store
	Now   func() time.Time
	Loc   *time.Location
	// Target returns the success-rate target in percent (0: the seed's 80).
	Target func(ctx context.Context) int
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

func (s *Service) loc() *time.Location {
	if s.Loc != nil {
		return s.Loc
	}
	return time.UTC
}

// Location is the time zone of slots and days.
func (s *Service) Location() *time.Location { return s.loc() }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Today is the local date.
func (s *Service) Today() string { return s.now().In(s.loc()).Format(time.DateOnly) }

// Kinds lists the appointment kinds.
func (s *Service) Kinds(ctx context.Context, a guanxi.Actor) ([]Kind, error) {
	if err := need(a, guanxi.PermSelf); err != nil {
		return nil, err
	}
	return s.Store.AppointmentKinds(ctx)
}

// Kind returns one kind.
func (s *Service) Kind(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Kind, error) {
	if err := need(a, guanxi.PermSelf); err != nil {
		return Kind{}, err
	}
	return s.Store.GetAppointmentKind(ctx, id)
}

// SaveKind creates (ID 0) or updates a kind at version. Kinds are
// organisation-wide: care.admin with the whole organisation in scope.
func (s *Service) SaveKind(ctx context.Context, a guanxi.Actor, k *Kind, version int64) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	if a.Scope() != guanxi.ScopeAll {
		return guanxi.Forbidden("error.forbidden")
	}
	if err := ValidateKind(k); err != nil {
		return err
	}
	return s.Store.SaveAppointmentKind(ctx, a, k, version)
}

// Resources lists the resources.
func (s *Service) Resources(ctx context.Context, a guanxi.Actor) ([]Resource, error) {
	if err := need(a, guanxi.PermSelf); err != nil {
		return nil, err
	}
	return s.Store.AppointmentResources(ctx)
}

// Resource returns one resource.
func (s *Service) Resource(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Resource, error) {
	if err := need(a, guanxi.PermSelf); err != nil {
		return Resource{}, err
	}
	return s.Store.GetAppointmentResource(ctx, id)
}

// SaveResource creates (ID 0) or updates a resource at version
// (care.admin; a manager only for org units of the subtree).
func (s *Service) SaveResource(ctx context.Context, a guanxi.Actor, r *Resource, version int64) error {
	if err := need(a, guanxi.PermCareAdmin); err != nil {
		return err
	}
	if err := ValidateResource(r); err != nil {
		return err
	}
	return s.Store.SaveAppointmentResource(ctx, a, r, version)
}

// Availability lists a resource's slots on a local day with free seats.
func (s *Service) Availability(ctx context.Context, a guanxi.Actor, resourceID guanxi.ID, day string) (Resource, []Slot, error) {
	if err := need(a, guanxi.PermSelf); err != nil {
		return Resource{}, nil, err
	}
	d, err := time.ParseInLocation(time.DateOnly, day, s.loc())
	if err != nil {
		return Resource{}, nil, guanxi.Invalid(guanxi.Field("date", "validation.date"))
	}
	r, err := s.Store.GetAppointmentResource(ctx, resourceID)
	if err != nil {
		return r, nil, err
	}
	busy, err := s.Store.ResourceBusy(ctx, r.ID, d.UTC(), d.AddDate(0, 0, 1).UTC())
	if err != nil {
		return r, nil, err
	}
	return r, DaySlots(r, s.loc(), day, busy), nil
}

// Get returns one appointment in scope.
func (s *Service) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Appointment, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Appointment{}, err
	}
	return s.Store.GetAppointment(ctx, a, id)
}

func (s *Service) booking(ctx context.Context, ap *Appointment) (*Booking, error) {
	var f guanxi.Fields
	ap.Note = strings.TrimSpace(ap.Note)
	if ap.CustomerID == 0 {
		f.Add("customer_id", "validation.required")
	}
	if utf8.RuneCountInString(ap.Note) > 1000 {
		f.Add("note", "validation.too_long", map[string]any{"max": 1000})
	}
	if ap.StartsAt.IsZero() {
		f.Add("starts_at", "validation.required")
	} else if !ap.StartsAt.After(s.now()) {
		f.Add("starts_at", "validation.appointment_past")
	}
	k, err := s.Store.GetAppointmentKind(ctx, ap.KindID)
	if err != nil || !k.Active {
		f.Add("kind_id", "validation.enum")
	}
	r, err := s.Store.GetAppointmentResource(ctx, ap.ResourceID)
	if err != nil || !r.Active {
		f.Add("resource_id", "validation.enum")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if _, err := Span(r, s.loc(), ap.StartsAt, k.DurationMinutes); err != nil {
		return nil, err
	}
	if ap.StaffID == nil && r.UserID != nil {
		id := *r.UserID
		ap.StaffID = &id
	}
	ap.KindCode, ap.KindNameZh, ap.KindNameEn, ap.ResourceName = k.Code, k.NameZh, k.NameEn, r.Name
	ap.StartsAt = ap.StartsAt.UTC()
	title := k.NameZh + " " + ap.StartsAt.In(s.loc()).Format("15:04") + " · " + r.Name
	return &Booking{A: ap, Minutes: k.DurationMinutes, Offsets: k.Offsets(), Loc: s.loc(), Now: s.now(), TaskTitle: title}, nil
}

// Book books an appointment for a customer in scope; with fromTask it
// closes that (open, same customer) task as done with outcome "booked".
func (s *Service) Book(ctx context.Context, a guanxi.Actor, ap *Appointment, fromTask guanxi.ID) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	ap.ID, ap.Status = 0, StatusBooked
	b, err := s.booking(ctx, ap)
	if err != nil {
		return err
	}
	b.TaskID, b.TaskOutcome = fromTask, "booked"
	return s.Store.BookAppointment(ctx, a, b)
}

// Reschedule moves an open appointment (new time, optionally another
// resource) at version; capacity is checked again and the reminders are
// replaced.
func (s *Service) Reschedule(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, start time.Time, resourceID guanxi.ID) (Appointment, error) {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return Appointment{}, err
	}
	cur, err := s.Store.GetAppointment(ctx, a, id)
	if err != nil {
		return cur, err
	}
	if cur.Version != version {
		return cur, guanxi.Stale(cur.Version)
	}
	if !Open(cur.Status) {
		return cur, transitionErr(cur.Status, "reschedule")
	}
	cur.StartsAt = start
	if resourceID != 0 && resourceID != cur.ResourceID {
		cur.ResourceID = resourceID
		cur.StaffID = nil
	}
	b, err := s.booking(ctx, &cur)
	if err != nil {
		return cur, err
	}
	return cur, s.Store.RescheduleAppointment(ctx, a, b, version)
}

// Actions on an appointment.
const (
	ActionConfirm = "confirm"
	ActionArrive  = "arrive"
	ActionNoShow  = "no_show"
	ActionCancel  = "cancel"
)

// Change carries the inputs of an action: arrival gift and note, cancel reason.
type Change struct {
	Gift   bool
	Note   string
	Reason string
}

func transitionErr(from, action string) error {
	return guanxi.Conflict("error.appointment_transition", map[string]any{"status": from, "action": action})
}

// Act applies confirm, arrive, no_show or cancel at version.
func (s *Service) Act(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, action string, c Change) (Appointment, error) {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return Appointment{}, err
	}
	c.Note, c.Reason = strings.TrimSpace(c.Note), strings.TrimSpace(c.Reason)
	var f guanxi.Fields
	if utf8.RuneCountInString(c.Note) > 1000 {
		f.Add("note", "validation.too_long", map[string]any{"max": 1000})
	}
	if utf8.RuneCountInString(c.Reason) > 500 {
		f.Add("reason", "validation.too_long", map[string]any{"max": 500})
	}
	if action == ActionCancel && c.Reason == "" {
		f.Add("reason", "validation.required")
	}
	if !slices.Contains([]string{ActionConfirm, ActionArrive, ActionNoShow, ActionCancel}, action) {
		f.Add("action", "validation.enum")
	}
	if err := f.Err(); err != nil {
		return Appointment{}, err
	}
	cur, err := s.Store.GetAppointment(ctx, a, id)
	if err != nil {
		return cur, err
	}
	if cur.Version != version {
		return cur, guanxi.Stale(cur.Version)
	}
	now := s.now()
	e := Effect{Loc: s.loc()}
	switch {
	case action == ActionConfirm && cur.Status == StatusBooked:
		cur.Status, cur.ConfirmedAt = StatusConfirmed, &now
		e.Template = "appointment.confirm"
	case action == ActionArrive && Open(cur.Status):
		cur.Status, cur.ArrivedAt, cur.GiftGiven, cur.ArriveNote = StatusArrived, &now, c.Gift, c.Note
		e.CancelMessages = true
	case action == ActionNoShow && Open(cur.Status):
		// A no-show is only known once the start has passed.
		if cur.StartsAt.After(now) {
			return cur, guanxi.Conflict("error.appointment_not_due", nil)
		}
		cur.Status, cur.ArriveNote = StatusNoShow, c.Note
		e.CancelMessages = true
	case action == ActionCancel && Open(cur.Status):
		cur.Status, cur.CancelReason = StatusCancelled, c.Reason
		e.CancelMessages, e.Template = true, "appointment.cancel"
	default:
		return cur, transitionErr(cur.Status, action)
	}
	return cur, s.Store.SetAppointmentStatus(ctx, a, &cur, version, e)
}
