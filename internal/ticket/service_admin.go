package ticket

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/calendar"
)

// global reports whether a may change organisation-wide complaint settings
// (categories, SLA policies, the calendar): admins, and managers of the
// head office (whose subtree is the whole organisation).
func global(a guanxi.Actor) error {
	if err := need(a, guanxi.PermTicketManage); err != nil {
		return err
	}
	if a.Scope() == guanxi.ScopeAll || (a.Scope() == guanxi.ScopeSubtree && strings.Count(a.OrgPath, "/") == 2) {
		return nil
	}
	return guanxi.Forbidden("ticket.head_office_only")
}

// Categories returns the category tree in display order.
func (s *Service) Categories(ctx context.Context, a guanxi.Actor) ([]Category, error) {
	if err := need(a, guanxi.PermTicketRead); err != nil {
		return nil, err
	}
	return s.Store.Categories(ctx)
}

// SaveCategory creates (ID 0) or renames a category (managers).
func (s *Service) SaveCategory(ctx context.Context, a guanxi.Actor, c *Category, version int64) error {
	if err := global(a); err != nil {
		return err
	}
	var f guanxi.Fields
	c.Code, c.NameZh, c.NameEn = strings.TrimSpace(c.Code), strings.TrimSpace(c.NameZh), strings.TrimSpace(c.NameEn)
	if c.NameZh == "" {
		f.Add("name_zh", "validation.required")
	}
	if c.ID == 0 && c.Code == "" {
		f.Add("code", "validation.required")
	}
	tooLong(&f, "code", c.Code, 50)
	tooLong(&f, "name_zh", c.NameZh, 100)
	tooLong(&f, "name_en", c.NameEn, 100)
	if err := f.Err(); err != nil {
		return err
	}
	return s.Store.SaveCategory(ctx, a, c, version)
}

// Policies returns the stored SLA policies.
func (s *Service) Policies(ctx context.Context, a guanxi.Actor) ([]Policy, error) {
	if err := need(a, guanxi.PermTicketRead); err != nil {
		return nil, err
	}
	return s.Store.Policies(ctx)
}

// SavePolicy creates (ID 0) or changes a policy; tickets registered or
// confirmed afterwards use it.
func (s *Service) SavePolicy(ctx context.Context, a guanxi.Actor, p *Policy, version int64) error {
	if err := global(a); err != nil {
		return err
	}
	if err := ValidatePolicy(p); err != nil {
		return err
	}
	return s.Store.SavePolicy(ctx, a, p, version)
}

// DeletePolicy removes a policy.
func (s *Service) DeletePolicy(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	if err := global(a); err != nil {
		return err
	}
	return s.Store.DeletePolicy(ctx, a, id, version)
}

// CalendarNotices lists the admin-entered years.
func (s *Service) CalendarNotices(ctx context.Context, a guanxi.Actor) ([]CalendarNotice, error) {
	if err := need(a, guanxi.PermTicketRead); err != nil {
		return nil, err
	}
	return s.Store.CalendarNotices(ctx)
}

// SaveCalendarNotice enters or imports one year's holiday notice in the
// text format of calendar.ParseNotice (version 0 for a new year).
func (s *Service) SaveCalendarNotice(ctx context.Context, a guanxi.Actor, n *CalendarNotice, version int64) error {
	if err := global(a); err != nil {
		return err
	}
	parsed, err := calendar.ParseNotice(n.Year, n.Text)
	if err != nil {
		return err
	}
	if err := parsed.Validate(); err != nil {
		return err
	}
	n.Source = strings.TrimSpace(parsed.Source)
	if utf8.RuneCountInString(n.Source) > 200 {
		return guanxi.Invalid(guanxi.FieldError{Field: "text", Key: "validation.too_long", Args: map[string]any{"max": 200}})
	}
	if err := s.Store.SaveCalendarNotice(ctx, a, n, version); err != nil {
		return err
	}
	s.InvalidateCalendar()
	return nil
}

// WorkingHours lists the units with their own hours.
func (s *Service) WorkingHours(ctx context.Context, a guanxi.Actor) ([]UnitHours, error) {
	if err := need(a, guanxi.PermTicketRead); err != nil {
		return nil, err
	}
	return s.Store.WorkingHours(ctx)
}

// SaveWorkingHours sets a unit's working hours ("09:00-12:00, 13:30-17:30").
func (s *Service) SaveWorkingHours(ctx context.Context, a guanxi.Actor, h *UnitHours, version int64) error {
	if err := need(a, guanxi.PermTicketManage); err != nil {
		return err
	}
	if h.OrgUnitID == 0 {
		return guanxi.Invalid(guanxi.Field("org_unit_id", "validation.required"))
	}
	path, err := s.Store.TicketUnitPath(ctx, h.OrgUnitID)
	if err != nil {
		return err
	}
	// Managers set the hours of units in their own subtree.
	if a.Scope() != guanxi.ScopeAll && (a.OrgPath == "" || !strings.HasPrefix(path, a.OrgPath)) {
		return guanxi.NotFound("error.not_found")
	}
	parsed, err := calendar.ParseHours(s.location(), h.Hours)
	if err != nil {
		return err
	}
	h.Hours = parsed.String()
	if err := s.Store.SaveWorkingHours(ctx, a, h, version); err != nil {
		return err
	}
	s.InvalidateCalendar()
	return nil
}

// DueIn describes the time left to due on the unit's clock, for display.
func (s *Service) DueIn(ctx context.Context, t Ticket, now time.Time) (time.Duration, bool) {
	if t.ResolutionDue == nil || !t.Status.Open() || t.ResolvedAt != nil {
		return 0, false
	}
	var unit guanxi.ID
	if t.OrgUnitID != nil {
		unit = *t.OrgUnitID
	}
	sch, err := s.ScheduleFor(ctx, unit)
	if err != nil {
		return 0, false
	}
	return sch.Remaining(*t.ResolutionDue, now), true
}
