package ticket

import (
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/calendar"
)

// TargetUnit says whether an SLA target counts working hours or business days.
type TargetUnit string

const (
	Hours TargetUnit = "hours"
	Days  TargetUnit = "days"
)

// TargetUnits lists the units.
var TargetUnits = []TargetUnit{Hours, Days}

// Policy sets the first-response and resolution targets for complaints of
// a category (0: any) and severity ("": any).
type Policy struct {
	ID                guanxi.ID  `db:"id"`
	CategoryID        guanxi.ID  `db:"category_id"`
	Severity          Severity   `db:"severity"`
	FirstResponse     int        `db:"first_response"`
	FirstResponseUnit TargetUnit `db:"first_response_unit"`
	Resolution        int        `db:"resolution"`
	ResolutionUnit    TargetUnit `db:"resolution_unit"`
	Version           int64      `db:"version"`
	UpdatedAt         time.Time  `db:"updated_at"`
}

// DefaultPolicy is the built-in target when no stored policy matches:
// resolution within 10 business days (CMP-23), first response sooner the
// graver the complaint.
func DefaultPolicy(s Severity) Policy {
	p := Policy{Severity: s, Resolution: 10, ResolutionUnit: Days, FirstResponse: 1, FirstResponseUnit: Days}
	switch s {
	case SeverityHigh:
		p.FirstResponse, p.FirstResponseUnit, p.Resolution = 4, Hours, 5
	case SeverityCritical:
		p.FirstResponse, p.FirstResponseUnit, p.Resolution = 2, Hours, 2
	case SeverityLow:
		p.FirstResponse = 2
	}
	return p
}

// Match picks the most specific policy for a ticket: its category or the
// nearest ancestor (chain lists the category then its ancestors) with its
// severity, then with any severity, then any category; else the default.
func Match(ps []Policy, chain []guanxi.ID, s Severity) Policy {
	find := func(cat guanxi.ID, sev Severity) (Policy, bool) {
		for _, p := range ps {
			if p.CategoryID == cat && p.Severity == sev {
				return p, true
			}
		}
		return Policy{}, false
	}
	for _, cat := range append(append([]guanxi.ID{}, chain...), 0) {
		if p, ok := find(cat, s); ok {
			return p
		}
		if p, ok := find(cat, ""); ok {
			return p
		}
	}
	return DefaultPolicy(s)
}

// ValidatePolicy checks targets and enums.
func ValidatePolicy(p *Policy) error {
	var f guanxi.Fields
	if p.Severity != "" && !validSeverity(p.Severity) {
		f.Add("severity", "validation.enum")
	}
	for _, x := range []struct {
		field string
		n     int
		unit  TargetUnit
	}{{"first_response", p.FirstResponse, p.FirstResponseUnit}, {"resolution", p.Resolution, p.ResolutionUnit}} {
		if x.unit != Hours && x.unit != Days {
			f.Add(x.field+"_unit", "validation.enum")
		}
		if x.n < 1 || x.n > 1000 {
			f.Add(x.field, "settings.out_of_range", map[string]any{"min": 1, "max": 1000})
		}
	}
	return f.Err()
}

// Rules are the escalation settings (CMP-23..27 and CMP-15 by default):
// levels 1 → 2 → 3 every Days business days, warnings at WarnPercent of a
// target, the ombudsman notice OmbudsmanWeeks after the first complaint.
type Rules struct {
	Levels         int
	Days           int
	OmbudsmanWeeks int
	WarnPercent    int
}

// DefaultRules are the shipped settings.
func DefaultRules() Rules { return Rules{Levels: 3, Days: 10, OmbudsmanWeeks: 8, WarnPercent: 80} }

// Clocks are the due times stored on a ticket.
type Clocks struct {
	FirstResponseDue, FirstResponseWarn time.Time
	ResolutionDue, ResolutionWarn       time.Time
	// NextEscalation is zero at the last level.
	NextEscalation time.Time
	OmbudsmanDue   time.Time
}

func target(sch calendar.Schedule, start time.Time, n int, u TargetUnit) time.Time {
	if u == Hours {
		return sch.AddBusinessDuration(start, time.Duration(n)*time.Hour)
	}
	return sch.AddBusinessDays(start, n)
}

// ComputeClocks returns the due and warning times of a ticket registered
// at start (first complaint) whose level began at levelStart, on the
// responsible unit's schedule. All arithmetic is the calendar's.
func ComputeClocks(sch calendar.Schedule, p Policy, r Rules, start, levelStart time.Time, level int) Clocks {
	var c Clocks
	c.FirstResponseDue = target(sch, start, p.FirstResponse, p.FirstResponseUnit)
	c.FirstResponseWarn = sch.WarnAt(start, c.FirstResponseDue, r.WarnPercent)
	c.ResolutionDue = target(sch, start, p.Resolution, p.ResolutionUnit)
	c.ResolutionWarn = sch.WarnAt(start, c.ResolutionDue, r.WarnPercent)
	c.NextEscalation = NextEscalation(sch, r, levelStart, level)
	c.OmbudsmanDue = start.Add(time.Duration(r.OmbudsmanWeeks) * 7 * 24 * time.Hour)
	return c
}

// NextEscalation is when a ticket at level (started at levelStart) moves
// up, or zero at the last level.
func NextEscalation(sch calendar.Schedule, r Rules, levelStart time.Time, level int) time.Time {
	if level >= r.Levels || r.Days <= 0 {
		return time.Time{}
	}
	return sch.AddBusinessDays(levelStart, r.Days)
}
