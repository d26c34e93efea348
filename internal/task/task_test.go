package task

import (
	"testing"
	"time"
)

func TestPeriods(t *testing.T) {
	w := Periods("week", "2026-11-26", 3) // a Thursday
	if w[2] != (Period{"2026-11-23", "2026-11-29"}) || w[0] != (Period{"2026-11-09", "2026-11-15"}) {
		t.Fatalf("weeks: %+v", w)
	}
	m := Periods("month", "2026-03-31", 3)
	if m[2] != (Period{"2026-03-01", "2026-03-31"}) || m[1] != (Period{"2026-02-01", "2026-02-28"}) || m[0].From != "2026-01-01" {
		t.Fatalf("months: %+v", m)
	}
}

func TestBuildReport(t *testing.T) {
	ps := Periods("week", "2026-11-26", 2)
	c := Counts{
		Tasks: []TaskCount{
			{OwnerID: 1, OwnerName: "李", UnitID: 9, UnitName: "一组", DueOn: "2026-11-24", Total: 4, Done: 2, Open: 2},
			{OwnerID: 2, OwnerName: "赵", UnitID: 9, UnitName: "一组", DueOn: "2026-11-27", Total: 1, Open: 1},
			{OwnerID: 1, OwnerName: "李", UnitID: 9, UnitName: "一组", DueOn: "2026-11-17", Total: 2, Done: 2},
			{OwnerID: 1, DueOn: "2026-10-01", Total: 9}, // outside: ignored
		},
		Interactions: []InteractionCount{
			{StaffID: 1, StaffName: "李", UnitID: 9, UnitName: "一组", Day: "2026-11-25", Channel: "phone", Purpose: "", N: 3},
			{StaffID: 1, StaffName: "李", UnitID: 9, UnitName: "一组", Day: "2026-11-18", Channel: "visit", Purpose: "care", N: 1},
		},
	}
	r := Build("week", "2026-11-26", ps, c)
	if r.Total.Due != 5 || r.Total.Done != 2 || r.Total.Overdue != 2 || r.Total.Rate() != 40 || r.Total.Interactions != 3 {
		t.Fatalf("total: %+v", r.Total)
	}
	if len(r.Staff) != 2 || r.Staff[0].Name != "李" || r.Staff[0].ByChannel["phone"] != 3 || r.Staff[0].ByPurpose["none"] != 3 {
		t.Fatalf("staff: %+v", r.Staff)
	}
	if len(r.Teams) != 1 || r.Teams[0].Due != 5 {
		t.Fatalf("teams: %+v", r.Teams)
	}
	if r.Trend[0].Due != 2 || r.Trend[0].Rate() != 100 || r.Trend[0].Interactions != 1 || r.Trend[1].Due != 5 {
		t.Fatalf("trend: %+v", r.Trend)
	}
}

func TestPlanWindowAndTask(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	p := Plan{ID: 7, Trigger: TriggerVehicleDelivery, OffsetDays: 3, Active: true, StartsOn: "2026-11-20", Title: "交车回访 {customer} {date}"}
	w, ok := WindowFor(p, "2026-11-26", loc)
	if !ok || w.From != "2026-11-17" || w.To != "2026-11-26" || !w.FromAt.Equal(time.Date(2026, 11, 16, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("window: %+v %v", w, ok)
	}
	// A plan older than the lookback only looks back Lookback days.
	p.StartsOn = "2020-01-01"
	if w, _ = WindowFor(p, "2026-11-26", loc); w.From != AddDays("2026-11-26", -Lookback) {
		t.Fatalf("lookback: %+v", w)
	}
	tk := TaskFor(p, Event{CustomerID: 1, CustomerName: "王五", OwnerID: 3, Occurrence: 11, On: "2026-11-25"}, "2026-11-26", loc)
	if tk.DueOn != "2026-11-28" || tk.Title != "交车回访 王五 2026-11-28" || *tk.Occurrence != 11 || *tk.PlanID != 7 {
		t.Fatalf("task: %+v", tk)
	}
	// A service at 23:30 UTC is the next local day.
	at := time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC)
	p.Trigger, p.OffsetDays = TriggerService, 1
	if tk = TaskFor(p, Event{At: &at}, "2026-11-26", loc); tk.DueOn != "2026-11-27" {
		t.Fatalf("service due %s", tk.DueOn)
	}
	g := Plan{ID: 8, Trigger: TriggerPeriodicGrade, OffsetDays: 4, Grades: []string{"gold"}, Active: true, StartsOn: "2026-11-10", Title: "月访"}
	w, ok = WindowFor(g, "2026-11-26", loc)
	if !ok || w.Occurrence != 202611 {
		t.Fatalf("periodic window: %+v", w)
	}
	if tk = TaskFor(g, Event{}, "2026-11-26", loc); tk.DueOn != "2026-11-10" {
		t.Fatalf("periodic due before start: %s", tk.DueOn)
	}
	g.StartsOn = "2026-12-01"
	if _, ok = WindowFor(g, "2026-11-26", loc); ok {
		t.Fatal("periodic plan ran before its month")
	}
	if _, ok = WindowFor(Plan{Trigger: TriggerService, StartsOn: "2026-01-01"}, "2026-11-26", loc); ok {
		t.Fatal("inactive plan ran")
	}
}

func TestValidation(t *testing.T) {
	if err := (&Close{Status: StatusFailed}).Validate(); err == nil {
		t.Fatal("failed without outcome")
	}
	if err := (&Close{Status: StatusDone}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := ValidatePlan(&Plan{Name: "x", Trigger: TriggerPeriodicGrade, Title: "x"}); err == nil {
		t.Fatal("periodic plan without grades")
	}
	if g := ParseGrades("gold，platinum、 gold"); len(g) != 2 || g[1] != "platinum" {
		t.Fatalf("grades %v", g)
	}
	if err := Validate(&Task{Title: "x", CustomerID: 1, DueOn: "2026-02-30"}); err == nil {
		t.Fatal("bad date accepted")
	}
}
