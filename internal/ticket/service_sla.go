package ticket

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/calendar"
)

// CalendarNotice is an admin-entered year of the business calendar (the
// State Council notice of a year Guanxi does not ship), in the text that
// calendar.ParseNotice reads.
type CalendarNotice struct {
	Year      int       `db:"year"`
	Source    string    `db:"source"`
	Text      string    `db:"text"`
	Version   int64     `db:"version"`
	UpdatedAt time.Time `db:"updated_at"`
}

// UnitHours are the working hours of an org unit ("09:00-12:00, 13:30-17:30");
// units without their own inherit their nearest ancestor's.
type UnitHours struct {
	OrgUnitID   guanxi.ID `db:"org_unit_id"`
	OrgUnitName string    `db:"org_unit_name"`
	Path        string    `db:"path"`
	Hours       string    `db:"hours"`
	Version     int64     `db:"version"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// SLAKind is one check of the periodic job.
type SLAKind string

const (
	SLAFirstResponseWarning SLAKind = "first_response_warning"
	SLAFirstResponseBreach  SLAKind = "first_response_breach"
	SLAResolutionWarning    SLAKind = "resolution_warning"
	SLAResolutionBreach     SLAKind = "resolution_breach"
	SLAEscalation           SLAKind = "escalation"
	SLAOmbudsman            SLAKind = "ombudsman"
)

// SLAKinds lists the checks in the order the job runs them.
var SLAKinds = []SLAKind{SLAFirstResponseWarning, SLAFirstResponseBreach, SLAResolutionWarning,
	SLAResolutionBreach, SLAEscalation, SLAOmbudsman}

// SLACandidate is a ticket whose check is due.
type SLACandidate struct {
	TicketID    guanxi.ID  `db:"id"`
	Number      string     `db:"number"`
	Level       int        `db:"escalation_level"`
	Cycle       int        `db:"reopen_count"`
	AssigneeID  *guanxi.ID `db:"assignee_id"`
	OrgUnitID   *guanxi.ID `db:"org_unit_id"`
	OrgUnitPath string     `db:"org_unit_path"`
	Due         time.Time  `db:"due"`
	// Next is the following escalation time, set by the service for
	// escalations (zero at the last level).
	Next time.Time `db:"-"`
}

// scheduleCache holds the calendar and every unit's hours for a minute, so
// a job over many tickets builds them once.
type scheduleCache struct {
	cal   *calendar.Calendar
	hours []UnitHours // by path length, longest first
	std   calendar.Hours
	loc   *time.Location
}

func (s *Service) location() *time.Location {
	if s.Loc != nil {
		return s.Loc
	}
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// Calendar returns the business calendar: the built-in years plus the
// admin-entered ones.
func (s *Service) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	c, err := s.schedules(ctx)
	if err != nil {
		return nil, err
	}
	return c.cal, nil
}

// InvalidateCalendar drops the cached calendar (after an admin change).
func (s *Service) InvalidateCalendar() {
	s.mu.Lock()
	s.cache = nil
	s.mu.Unlock()
}

func (s *Service) schedules(ctx context.Context) (*scheduleCache, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache != nil && time.Since(s.cachedAt) < time.Minute {
		return s.cache, nil
	}
	stored, err := s.Store.CalendarNotices(ctx)
	if err != nil {
		return nil, err
	}
	var extra []calendar.Notice
	for _, n := range stored {
		cn, err := calendar.ParseNotice(n.Year, n.Text)
		if err != nil {
			continue // validated on save; a bad row must not stop SLA clocks
		}
		extra = append(extra, cn)
	}
	cal, err := calendar.New(calendar.SatSun, calendar.Merge(calendar.Builtin(), extra...)...)
	if err != nil {
		return nil, err
	}
	hours, err := s.Store.WorkingHours(ctx)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(hours, func(i, j int) bool { return len(hours[i].Path) > len(hours[j].Path) })
	loc := s.location()
	s.cache = &scheduleCache{cal: cal, hours: hours, std: calendar.StandardHours(loc), loc: loc}
	s.cachedAt = time.Now()
	return s.cache, nil
}

// schedule returns the business clock of the unit at path: its own hours,
// else the nearest ancestor's, else the standard office day.
func (c *scheduleCache) schedule(path string) calendar.Schedule {
	h := c.std
	for _, uh := range c.hours {
		if path != "" && strings.HasPrefix(path, uh.Path) {
			if parsed, err := calendar.ParseHours(c.loc, uh.Hours); err == nil {
				h = parsed
			}
			break
		}
	}
	sch, _ := calendar.NewSchedule(c.cal, h)
	return sch
}

// ScheduleFor returns the business clock of org unit id (0: standard).
func (s *Service) ScheduleFor(ctx context.Context, unitID guanxi.ID) (calendar.Schedule, error) {
	c, err := s.schedules(ctx)
	if err != nil {
		return calendar.Schedule{}, err
	}
	path := ""
	if unitID != 0 {
		if path, err = s.Store.TicketUnitPath(ctx, unitID); err != nil {
			return calendar.Schedule{}, err
		}
	}
	return c.schedule(path), nil
}

// setClocks stores the SLA due times of t counted from start, on the
// responsible unit's schedule (fallbackUnit's while none is set).
func (s *Service) setClocks(ctx context.Context, t *Ticket, start time.Time, fallbackUnit guanxi.ID) error {
	unit := fallbackUnit
	if t.OrgUnitID != nil {
		unit = *t.OrgUnitID
	}
	sch, err := s.ScheduleFor(ctx, unit)
	if err != nil {
		return err
	}
	pols, err := s.Store.Policies(ctx)
	if err != nil {
		return err
	}
	cats, err := s.Store.Categories(ctx)
	if err != nil {
		return err
	}
	var chain []guanxi.ID
	if t.CategoryID != nil {
		chain = categoryChain(cats, *t.CategoryID)
	}
	p := Match(pols, chain, t.Severity)
	level := max(t.EscalationLevel, 1)
	c := ComputeClocks(sch, p, s.Rules(ctx), t.ReceivedAt, start, level)
	if start.After(t.ReceivedAt) {
		// Reopened: the resolution target runs again from start.
		c.ResolutionDue = target(sch, start, p.Resolution, p.ResolutionUnit)
		c.ResolutionWarn = sch.WarnAt(start, c.ResolutionDue, s.Rules(ctx).WarnPercent)
	}
	t.FirstResponseDue, t.FirstResponseWarn = timePtr(c.FirstResponseDue), timePtr(c.FirstResponseWarn)
	t.ResolutionDue, t.ResolutionWarn = timePtr(c.ResolutionDue), timePtr(c.ResolutionWarn)
	t.NextEscalationAt, t.OmbudsmanDueAt = timePtr(c.NextEscalation), timePtr(c.OmbudsmanDue)
	return nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// categoryChain returns id and its ancestors, nearest first.
func categoryChain(cats []Category, id guanxi.ID) []guanxi.ID {
	by := map[guanxi.ID]Category{}
	for _, c := range cats {
		by[c.ID] = c
	}
	var out []guanxi.ID
	for i := 0; i < 10 && id != 0; i++ {
		out = append(out, id)
		c, ok := by[id]
		if !ok || c.ParentID == nil {
			break
		}
		id = *c.ParentID
	}
	return out
}

// RunSLA is the periodic job: warnings at the configured share of each
// target, breach records, escalation to the next level and the ombudsman
// notice, each exactly once per ticket however many servers run it.
func (s *Service) RunSLA(ctx context.Context, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	const batch = 500
	rules := s.Rules(ctx)
	for _, kind := range SLAKinds {
		for range 1000 { // bounded: at most 500k claims a run
			cs, err := s.Store.SLADue(ctx, kind, now, batch)
			if err != nil {
				return err
			}
			if len(cs) == 0 {
				break
			}
			if kind == SLAEscalation {
				c, err := s.schedules(ctx)
				if err != nil {
					return err
				}
				for i := range cs {
					// The next level's clock starts when this one was due,
					// so a late job does not stretch the levels.
					cs[i].Next = NextEscalation(c.schedule(cs[i].OrgUnitPath), rules, cs[i].Due, cs[i].Level+1)
				}
			}
			if _, err := s.Store.SLAApply(ctx, kind, cs, now); err != nil {
				return err
			}
			if len(cs) < batch {
				break
			}
		}
	}
	return nil
}
