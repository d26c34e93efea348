package appointment

import (
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func TestSpanAndCapacity(t *testing.T) {
	r := Resource{Name: "工位", Hours: "09:00-12:00,,,,,,", SlotMinutes: 30, Capacity: 2}
	mon := time.Date(2030, 1, 7, 9, 0, 0, 0, cst) // a Monday
	if end, err := Span(r, cst, mon, 45); err != nil || !end.Equal(mon.Add(time.Hour)) {
		t.Fatalf("45 minutes take two slots: %v %v", end, err)
	}
	for _, bad := range []time.Time{mon.Add(10 * time.Minute), mon.Add(-30 * time.Minute), mon.AddDate(0, 0, 1)} {
		if _, err := Span(r, cst, bad, 30); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
	if _, err := Span(r, cst, mon.Add(150*time.Minute), 60); err == nil {
		t.Fatal("runs past closing")
	}
	busy := []Busy{{StartsAt: mon, EndsAt: mon.Add(time.Hour)}, {StartsAt: mon.Add(30 * time.Minute), EndsAt: mon.Add(time.Hour)}}
	if err := CheckCapacity(r, cst, mon, mon.Add(30*time.Minute), busy); err != nil {
		t.Fatalf("first slot has a seat: %v", err)
	}
	if err := CheckCapacity(r, cst, mon, mon.Add(time.Hour), busy); err == nil {
		t.Fatal("second slot is full")
	}
	slots := DaySlots(r, cst, "2030-01-07", busy)
	if len(slots) != 6 || slots[0].Free() != 1 || slots[1].Free() != 0 || slots[2].Free() != 2 {
		t.Fatalf("slots: %+v", slots)
	}
	if DaySlots(r, cst, "2030-01-08", nil) != nil {
		t.Fatal("closed on Tuesday")
	}
}

func TestReminders(t *testing.T) {
	start := time.Date(2030, 1, 7, 10, 0, 0, 0, cst)
	k := Kind{Reminders: DefaultReminders}
	got := Reminders(k.Offsets(), start, start.Add(-3*time.Hour))
	if len(got) != 1 || got[0].Offset != 120 || !got[0].At.Equal(start.Add(-2*time.Hour)) {
		t.Fatalf("the 1-day reminder is past: %+v", got)
	}
	if n := len(Reminders(k.Offsets(), start, start.AddDate(0, 0, -2))); n != 2 {
		t.Fatalf("both reminders: %d", n)
	}
}

// TestT31: 400 appointments due, 330 arrived → 82.5% ≥ the 80% target;
// cancelled and upcoming ones are not in the denominator.
func TestT31(t *testing.T) {
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, cst)
	var facts []Fact
	add := func(n int, status string, at time.Time) {
		for i := 0; i < n; i++ {
			facts = append(facts, Fact{UnitID: 4, UnitName: "A1", StartsAt: at, Status: status})
		}
	}
	add(330, StatusArrived, now.AddDate(0, -3, 0))
	add(60, StatusNoShow, now.AddDate(0, -1, 0))
	add(10, StatusConfirmed, now.AddDate(0, 0, -1)) // past, not closed: counts as not kept
	add(25, StatusCancelled, now.AddDate(0, -1, 0))
	add(5, StatusBooked, now.AddDate(0, 0, 3)) // upcoming
	lines, total := Summarize(facts, cst, PeriodQuarter, now)
	if total.Due() != 400 || Percent(total.Rate()) != "82.5" || total.Rate() < 0.8 || total.Booked != 430 {
		t.Fatalf("T31: %+v %v", total, total.Rate())
	}
	if len(lines) != 2 || lines[0].Period != "2030-Q1" || lines[1].Period != "2030-Q2" {
		t.Fatalf("quarters: %+v", lines)
	}
	if PeriodOf(now, cst, PeriodMonth) != "2030-06" || PeriodOf(now, cst, PeriodYear) != "2030" {
		t.Fatal("period labels")
	}
}

func TestTransitionsAndValidation(t *testing.T) {
	k := Kind{Code: "x", NameZh: "x", DurationMinutes: 30, Reminders: "1440, 120,"}
	if err := ValidateKind(&k); err != nil || k.Reminders != "1440,120" {
		t.Fatalf("kind: %+v %v", k, err)
	}
	k.Reminders = "1 day"
	if err := ValidateKind(&k); err == nil {
		t.Fatal("bad offsets accepted")
	}
	if !Open(StatusBooked) || !Open(StatusConfirmed) || Open(StatusArrived) || !Holds(StatusArrived) || Holds(StatusCancelled) || Holds(StatusNoShow) {
		t.Fatal("status sets")
	}
}
