package appointment

import (
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Busy is the time an existing appointment holds on a resource.
type Busy struct {
	ID       guanxi.ID `db:"id"`
	StartsAt time.Time `db:"starts_at"`
	EndsAt   time.Time `db:"ends_at"`
}

// Slot is one slot of a resource's day with its free capacity.
type Slot struct {
	Start, End time.Time
	Capacity   int
	Taken      int
}

// Free is the number of seats left.
func (s Slot) Free() int {
	if s.Taken >= s.Capacity {
		return 0
	}
	return s.Capacity - s.Taken
}

// Label is the slot's local start time, as shown in errors and grids.
func (s Slot) Label(loc *time.Location) string { return s.Start.In(loc).Format("2006-01-02 15:04") }

// DaySlots lists the slots of r on the local day (YYYY-MM-DD) with the
// seats busy takes; none when the resource is closed that day.
func DaySlots(r Resource, loc *time.Location, day string, busy []Busy) []Slot {
	d, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil || r.SlotMinutes <= 0 {
		return nil
	}
	open, close, ok := r.DayHours(d.Weekday())
	if !ok {
		return nil
	}
	step := time.Duration(r.SlotMinutes) * time.Minute
	var out []Slot
	for m := open; m+r.SlotMinutes <= close; m += r.SlotMinutes {
		s := Slot{Start: d.Add(time.Duration(m) * time.Minute), Capacity: r.Capacity}
		s.End = s.Start.Add(step)
		s.Taken = overlapping(busy, s.Start, s.End)
		out = append(out, s)
	}
	return out
}

func overlapping(busy []Busy, from, to time.Time) int {
	n := 0
	for _, b := range busy {
		if b.StartsAt.Before(to) && b.EndsAt.After(from) {
			n++
		}
	}
	return n
}

// Span checks that an appointment of minutes starting at start fits r's
// slot grid and opening hours, and returns its end: the length rounded up
// to whole slots.
func Span(r Resource, loc *time.Location, start time.Time, minutes int) (time.Time, error) {
	if r.SlotMinutes <= 0 {
		return start, guanxi.Invalid(guanxi.Field("starts_at", "validation.appointment_slot"))
	}
	local := start.In(loc)
	open, close, ok := r.DayHours(local.Weekday())
	at := local.Hour()*60 + local.Minute()
	if !ok || local.Second() != 0 || local.Nanosecond() != 0 || at < open || (at-open)%r.SlotMinutes != 0 {
		return start, guanxi.Invalid(guanxi.Field("starts_at", "validation.appointment_slot"))
	}
	n := (minutes + r.SlotMinutes - 1) / r.SlotMinutes
	if n < 1 {
		n = 1
	}
	if at+n*r.SlotMinutes > close {
		return start, guanxi.Invalid(guanxi.Field("starts_at", "validation.appointment_closing"))
	}
	return start.Add(time.Duration(n*r.SlotMinutes) * time.Minute), nil
}

// CheckCapacity fails with a Conflict naming the first full slot when
// [start, end) does not fit next to busy (the other appointments holding
// seats on r). The store calls it with the resource locked.
func CheckCapacity(r Resource, loc *time.Location, start, end time.Time, busy []Busy) error {
	step := time.Duration(r.SlotMinutes) * time.Minute
	for t := start; t.Before(end); t = t.Add(step) {
		if overlapping(busy, t, t.Add(step)) >= r.Capacity {
			return guanxi.Conflict("error.appointment_full", map[string]any{
				"resource": r.Name, "slot": t.In(loc).Format("2006-01-02 15:04"), "capacity": r.Capacity})
		}
	}
	return nil
}

// Reminder is one reminder to queue: Offset minutes before the start.
type Reminder struct {
	Offset int
	At     time.Time
}

// Reminders lists the reminders of an appointment at start, skipping the
// offsets whose time has already passed.
func Reminders(offsets []int, start, now time.Time) []Reminder {
	var out []Reminder
	for _, m := range offsets {
		at := start.Add(-time.Duration(m) * time.Minute)
		if at.After(now) {
			out = append(out, Reminder{Offset: m, At: at})
		}
	}
	return out
}
