package jobs

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/guanxi-crm/guanxi"
)

// maxCatchUp bounds the walk over missed occurrences after downtime (an
// every-minute schedule down for a year is 525,600 steps; beyond this the
// walk restarts near now, which only matters for the skipped history).
const maxCatchUp = 100_000

// starBit is robfig/cron's mark of a field written as *.
const starBit = 1 << 63

// Cron is a parsed schedule in its time zone.
type Cron struct {
	sched cron.Schedule
	Loc   *time.Location
}

// ParseCron reads a standard five-field cron expression (or a descriptor
// such as @daily) in the IANA zone tz ("" is Asia/Shanghai). The parser is
// robfig/cron's; a CRON_TZ= or TZ= prefix in expr is refused, the zone
// belongs in tz.
func ParseCron(expr, tz string) (Cron, error) {
	if tz == "" {
		tz = DefaultTZ
	}
	expr = strings.TrimSpace(expr)
	if expr == "" || strings.HasPrefix(expr, "CRON_TZ=") || strings.HasPrefix(expr, "TZ=") {
		return Cron{}, guanxi.Invalid(guanxi.Field("cron", "jobs.error.cron"))
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return Cron{}, guanxi.Invalid(guanxi.Field("tz", "jobs.error.tz"))
	}
	sched, err := cron.ParseStandard("CRON_TZ=" + tz + " " + expr)
	if err != nil {
		return Cron{}, guanxi.Invalid(guanxi.Field("cron", "jobs.error.cron"))
	}
	return Cron{sched: sched, Loc: loc}, nil
}

// Next is the first occurrence strictly after t, in the schedule's zone
// (zero when the expression never matches again). A wall-clock time that
// happens twice when clocks go back (01:30 in New York on the first Sunday
// of November) fires once, at its first instant; robfig/cron alone would
// fire at both. As in Vixie cron, an expression whose hour is * keeps
// firing through the repeated hour.
func (c Cron) Next(t time.Time) time.Time {
	n := c.sched.Next(t)
	if sp, ok := c.sched.(*cron.SpecSchedule); ok && sp.Hour&starBit != 0 {
		return n
	}
	for i := 0; i < 4 && !n.IsZero() && c.repeated(n); i++ {
		n = c.sched.Next(n)
	}
	return n
}

// repeated reports whether the wall-clock time of n already happened
// earlier the same day (n is in the hour repeated by a fall-back shift).
func (c Cron) repeated(n time.Time) bool {
	wall := n.In(c.Loc).Format(time.DateTime)
	for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if n.Add(-back).In(c.Loc).Format(time.DateTime) == wall {
			return true
		}
	}
	return false
}

// LatestDue is the last occurrence after `after` and not after now, or
// false when none is due. After downtime only this latest missed
// occurrence is enqueued, not one job per missed tick.
func (c Cron) LatestDue(after, now time.Time) (time.Time, bool) {
	var last time.Time
	t := after
	for i := 0; ; i++ {
		if i == maxCatchUp {
			// A long gap: restart the walk a day before now (every schedule
			// that fires this often fires again within the day).
			i, t = 0, now.Add(-24*time.Hour)
		}
		n := c.Next(t)
		if n.IsZero() || n.After(now) {
			break
		}
		last, t = n, n
	}
	return last, !last.IsZero()
}
