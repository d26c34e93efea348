// Package appointment is appointments (预约, M7): kinds, resources with
// slots and capacity, the booking lifecycle with reminders, and the
// appointment success rate. It does no I/O; the Service declares the Store
// it needs.
package appointment

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// Statuses of an appointment. booked and confirmed are open; the others
// are final. A reschedule moves an open appointment and keeps its status.
const (
	StatusBooked    = "booked"
	StatusConfirmed = "confirmed"
	StatusArrived   = "arrived"
	StatusNoShow    = "no_show"
	StatusCancelled = "cancelled"
)

// Statuses lists every status.
var Statuses = []string{StatusBooked, StatusConfirmed, StatusArrived, StatusNoShow, StatusCancelled}

// Open reports whether status still changes.
func Open(status string) bool { return status == StatusBooked || status == StatusConfirmed }

// Holds reports whether an appointment in status takes a seat of its slot.
func Holds(status string) bool { return Open(status) || status == StatusArrived }

// Resource kinds: a service bay (工位), a desk (柜台), a staff member (人员).
const (
	ResourceBay   = "bay"
	ResourceDesk  = "desk"
	ResourceStaff = "staff"
)

// ResourceKinds lists every resource kind.
var ResourceKinds = []string{ResourceBay, ResourceDesk, ResourceStaff}

// Kind is a kind of appointment (保养, 试驾, 开户 …) with its default length
// and reminder offsets in minutes before the start.
type Kind struct {
	ID              guanxi.ID `db:"id"`
	Code            string    `db:"code"`
	NameZh          string    `db:"name_zh"`
	NameEn          string    `db:"name_en"`
	DurationMinutes int       `db:"duration_minutes"`
	Reminders       string    `db:"reminder_offsets"` // minutes before, comma separated: "1440,120"
	Active          bool      `db:"active"`
	Version         int64     `db:"version"`
	CreatedAt       time.Time `db:"created_at"`
	UpdatedAt       time.Time `db:"updated_at"`
}

// Name is the kind's name in lang.
func (k Kind) Name(lang string) string {
	if strings.HasPrefix(lang, "en") && k.NameEn != "" {
		return k.NameEn
	}
	return k.NameZh
}

// Offsets parses the reminder offsets (invalid parts are skipped; Validate
// rejects them on save).
func (k Kind) Offsets() []int {
	var out []int
	for _, p := range strings.Split(k.Reminders, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// DefaultReminders is one day and two hours before.
const DefaultReminders = "1440,120"

// ValidateKind checks a kind before it is saved.
func ValidateKind(k *Kind) error {
	var f guanxi.Fields
	k.Code = strings.TrimSpace(k.Code)
	k.NameZh, k.NameEn = strings.TrimSpace(k.NameZh), strings.TrimSpace(k.NameEn)
	if k.Code == "" || utf8.RuneCountInString(k.Code) > 40 || strings.ContainsAny(k.Code, " ,/") {
		f.Add("code", "validation.required")
	}
	if k.NameZh == "" {
		f.Add("name_zh", "validation.required")
	} else if utf8.RuneCountInString(k.NameZh) > 100 {
		f.Add("name_zh", "validation.too_long", map[string]any{"max": 100})
	}
	if utf8.RuneCountInString(k.NameEn) > 100 {
		f.Add("name_en", "validation.too_long", map[string]any{"max": 100})
	}
	if k.DurationMinutes < 5 || k.DurationMinutes > 24*60 {
		f.Add("duration_minutes", "validation.appointment_range", map[string]any{"min": 5, "max": 1440})
	}
	k.Reminders = strings.TrimSpace(k.Reminders)
	var clean []string
	for _, p := range strings.Split(k.Reminders, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 60*24*30 {
			f.Add("reminder_offsets", "validation.appointment_offsets")
			break
		}
		clean = append(clean, strconv.Itoa(n))
	}
	k.Reminders = strings.Join(clean, ",")
	return f.Err()
}

// Resource is something appointments take a seat of: a service bay, a desk,
// a staff member. Hours holds the opening hours Monday..Sunday as seven
// comma-separated "HH:MM-HH:MM" ranges, empty for closed days.
type Resource struct {
	ID          guanxi.ID  `db:"id"`
	Name        string     `db:"name"`
	Kind        string     `db:"kind"`
	OrgUnitID   *guanxi.ID `db:"org_unit_id"`
	OrgUnitName string     `db:"org_unit_name"`
	UserID      *guanxi.ID `db:"user_id"`
	Hours       string     `db:"hours"`
	SlotMinutes int        `db:"slot_minutes"`
	Capacity    int        `db:"capacity"`
	Active      bool       `db:"active"`
	Version     int64      `db:"version"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
}

// DefaultHours is Monday to Saturday 09:00–18:00, closed on Sunday.
const DefaultHours = "09:00-18:00,09:00-18:00,09:00-18:00,09:00-18:00,09:00-18:00,09:00-18:00,"

// DayHours returns the opening minutes after midnight [open, close) on a
// weekday; ok is false when closed.
func (r Resource) DayHours(wd time.Weekday) (open, close int, ok bool) {
	parts := strings.Split(r.Hours, ",")
	i := (int(wd) + 6) % 7 // Monday first
	if i >= len(parts) {
		return 0, 0, false
	}
	return parseRange(parts[i])
}

func parseRange(s string) (int, int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	o, ok1 := parseHM(a)
	c, ok2 := parseHM(b)
	if !ok1 || !ok2 || c <= o {
		return 0, 0, false
	}
	return o, c, true
}

func parseHM(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// ValidateResource checks a resource before it is saved.
func ValidateResource(r *Resource) error {
	var f guanxi.Fields
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		f.Add("name", "validation.required")
	} else if utf8.RuneCountInString(r.Name) > 100 {
		f.Add("name", "validation.too_long", map[string]any{"max": 100})
	}
	if !slices.Contains(ResourceKinds, r.Kind) {
		f.Add("kind", "validation.enum")
	}
	if r.Kind == ResourceStaff && r.UserID == nil {
		f.Add("user_id", "validation.required")
	}
	if r.SlotMinutes < 5 || r.SlotMinutes > 24*60 {
		f.Add("slot_minutes", "validation.appointment_range", map[string]any{"min": 5, "max": 1440})
	}
	if r.Capacity < 1 || r.Capacity > 1000 {
		f.Add("capacity", "validation.appointment_range", map[string]any{"min": 1, "max": 1000})
	}
	if strings.TrimSpace(r.Hours) == "" {
		r.Hours = DefaultHours
	}
	parts := strings.Split(r.Hours, ",")
	if len(parts) != 7 {
		f.Add("hours", "validation.appointment_hours")
	} else {
		for i, p := range parts {
			parts[i] = strings.TrimSpace(p)
			if parts[i] == "" {
				continue
			}
			if _, _, ok := parseRange(parts[i]); !ok {
				f.Add("hours", "validation.appointment_hours")
				break
			}
		}
		r.Hours = strings.Join(parts, ",")
	}
	return f.Err()
}

// Appointment is one booking of a customer on a resource.
type Appointment struct {
	ID           guanxi.ID  `db:"id"`
	CustomerID   guanxi.ID  `db:"customer_id"`
	CustomerName string     `db:"customer_name"`
	OwnerID      guanxi.ID  `db:"owner_id"`
	OwnerName    string     `db:"owner_name"`
	KindID       guanxi.ID  `db:"kind_id"`
	KindCode     string     `db:"kind_code"`
	KindNameZh   string     `db:"kind_name_zh"`
	KindNameEn   string     `db:"kind_name_en"`
	ResourceID   guanxi.ID  `db:"resource_id"`
	ResourceName string     `db:"resource_name"`
	OrgName      string     `db:"org_name"`
	StaffID      *guanxi.ID `db:"staff_id"`
	StaffName    string     `db:"staff_name"`
	StartsAt     time.Time  `db:"starts_at"`
	EndsAt       time.Time  `db:"ends_at"`
	Status       string     `db:"status"`
	// Priority marks the customer for priority service on arrival (APT-04):
	// every appointment customer has it unless staff clears it.
	Priority     bool       `db:"priority"`
	Note         string     `db:"note"`
	CancelReason string     `db:"cancel_reason"`
	GiftGiven    bool       `db:"gift_given"` // APT-02: one small gift per appointment visit
	ArriveNote   string     `db:"arrive_note"`
	ArrivedAt    *time.Time `db:"arrived_at"`
	ConfirmedAt  *time.Time `db:"confirmed_at"`
	Reschedules  int        `db:"reschedules"`
	SourceTaskID *guanxi.ID `db:"source_task_id"`
	PrepTaskID   *guanxi.ID `db:"prep_task_id"`
	CreatedBy    *guanxi.ID `db:"created_by"`
	Version      int64      `db:"version"`
	CreatedAt    time.Time  `db:"created_at"`
	UpdatedAt    time.Time  `db:"updated_at"`
}

// Number is the appointment's number, APT-000042.
func (a Appointment) Number() string { return Number(a.ID) }

// Number formats an appointment id as its number.
func Number(id guanxi.ID) string { return fmt.Sprintf("APT-%06d", id) }

// KindName is the kind's name in lang.
func (a Appointment) KindName(lang string) string {
	return Kind{NameZh: a.KindNameZh, NameEn: a.KindNameEn}.Name(lang)
}

// Due reports whether an open appointment's start has passed: staff must
// record arrived or no-show (see PastOpen).
func (a Appointment) Due(now time.Time) bool { return Open(a.Status) && !a.StartsAt.After(now) }
