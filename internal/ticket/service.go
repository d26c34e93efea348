package ticket

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Store is what the ticket service needs from storage. Reads of tickets
// take the actor and apply the ticket scope (customer scope, or assigned to
// the actor or a unit in its subtree) in the query; out of scope is NotFound.
type Store interface {
	// CreateTicket numbers and stores t with its register event and audit
	// row. With SourceSurveyAnswerID set and already used it fills t.ID and
	// t.Number from the existing ticket and returns existed = true.
	CreateTicket(ctx context.Context, a guanxi.Actor, t *Ticket, numberFormat string) (existed bool, err error)
	GetTicket(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Ticket, error)
	ListTickets(ctx context.Context, a guanxi.Actor, q ListQuery, now time.Time) (Page[Ticket], error)
	TicketEvents(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Event, error)
	// UpdateTicket writes t if its version is still version, with ev, an
	// audit row and in-app notices to notify (user ids), in one transaction.
	// A merge also checks the target is in scope and open.
	UpdateTicket(ctx context.Context, a guanxi.Actor, t *Ticket, version int64, ev Event, notify []guanxi.ID) error

	Notices(ctx context.Context, a guanxi.Actor, ticketID guanxi.ID) ([]Notice, error)
	CreateNotice(ctx context.Context, a guanxi.Actor, n *Notice) error
	UpdateNotice(ctx context.Context, a guanxi.Actor, n *Notice, version int64, ev Event) error

	Categories(ctx context.Context) ([]Category, error)
	SaveCategory(ctx context.Context, a guanxi.Actor, c *Category, version int64) error
	Policies(ctx context.Context) ([]Policy, error)
	SavePolicy(ctx context.Context, a guanxi.Actor, p *Policy, version int64) error
	DeletePolicy(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error

	CalendarNotices(ctx context.Context) ([]CalendarNotice, error)
	SaveCalendarNotice(ctx context.Context, a guanxi.Actor, n *CalendarNotice, version int64) error
	WorkingHours(ctx context.Context) ([]UnitHours, error)
	SaveWorkingHours(ctx context.Context, a guanxi.Actor, h *UnitHours, version int64) error
	TicketUnitPath(ctx context.Context, id guanxi.ID) (string, error)

	// SLADue lists up to limit open tickets whose check kind is due at now
	// and not yet done; SLAApply claims each (a conditional UPDATE, so two
	// servers never both win), records it once and notifies, in one
	// transaction, and returns how many it claimed.
	SLADue(ctx context.Context, kind SLAKind, now time.Time, limit int) ([]SLACandidate, error)
	SLAApply(ctx context.Context, kind SLAKind, cs []SLACandidate, now time.Time) (int, error)
}

// Settings reads integer and text settings (internal/settings.Service).
type Settings interface {
	Get(ctx context.Context, key string) (string, error)
	Int(ctx context.Context, key string) int
}

// Setting keys the service reads (declared in internal/settings).
const (
	SettingNumberFormat   = "ticket.number_format"
	SettingWarnPercent    = "ticket.sla_warn_percent"
	SettingLevels         = "ticket.escalation_levels"
	SettingLevelDays      = "ticket.escalation_days"
	SettingOmbudsmanWeeks = "ticket.ombudsman_weeks"
)

// Service is the complaint process.
type Service struct {
	Store    Store
	Settings Settings
	Now      guanxi.Clock
	// Loc is the time zone of working hours (default Asia/Shanghai).
	Loc *time.Location

	mu       sync.Mutex
	cache    *scheduleCache
	cachedAt time.Time
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// Rules returns the escalation settings.
func (s *Service) Rules(ctx context.Context) Rules {
	r := DefaultRules()
	if s.Settings == nil {
		return r
	}
	r.WarnPercent = s.Settings.Int(ctx, SettingWarnPercent)
	r.Levels = s.Settings.Int(ctx, SettingLevels)
	r.Days = s.Settings.Int(ctx, SettingLevelDays)
	r.OmbudsmanWeeks = s.Settings.Int(ctx, SettingOmbudsmanWeeks)
	return r
}

// Register stores a new complaint (the 《客户投诉处理表》) with its number and
// SLA clocks. The customer, when given, must be in the caller's scope.
func (s *Service) Register(ctx context.Context, a guanxi.Actor, t *Ticket) error {
	if err := need(a, guanxi.PermTicketWrite); err != nil {
		return err
	}
	_, err := s.register(ctx, a, t)
	return err
}

func (s *Service) register(ctx context.Context, a guanxi.Actor, t *Ticket) (bool, error) {
	now := s.now()
	t.Normalize()
	if err := Validate(t, now); err != nil {
		return false, err
	}
	if t.ReceivedAt.IsZero() {
		t.ReceivedAt = now
	}
	t.ReceivedAt = t.ReceivedAt.UTC().Truncate(time.Microsecond)
	t.Status, t.EscalationLevel = StatusRegistered, 1
	if t.FirstContact {
		// Resolved during the first contact (CMP-10): fed back at once.
		t.Status, t.FirstResponseAt, t.ResolvedAt = StatusFedBack, &now, &now
	}
	// Until routed, the clocks run on the registering unit's hours; the
	// ticket itself names no unit yet (that would widen who sees it).
	if err := s.setClocks(ctx, t, t.ReceivedAt, a.OrgUnitID); err != nil {
		return false, err
	}
	format := DefaultNumberFormat
	if s.Settings != nil {
		if v, err := s.Settings.Get(ctx, SettingNumberFormat); err == nil && ValidNumberFormat(v) {
			format = v
		}
	}
	t.CreatedAt = now
	return s.Store.CreateTicket(ctx, a, t, format)
}

// OpenComplaintFromSurvey opens a complaint for a low survey score. It is
// idempotent per answer: a second call returns the ticket of the first. It
// checks ticket.write and the customer's scope itself and is audited.
func (s *Service) OpenComplaintFromSurvey(ctx context.Context, a guanxi.Actor, customerID, answerID guanxi.ID, score float64, summary string) (guanxi.ID, string, error) {
	if err := need(a, guanxi.PermTicketWrite); err != nil {
		return 0, "", err
	}
	if answerID == 0 || customerID == 0 {
		return 0, "", guanxi.Invalid(guanxi.Field("answer_id", "validation.required"))
	}
	subject := fmt.Sprintf("回访满意度低分（%g/100）", score)
	if a.Lang == "en" {
		subject = fmt.Sprintf("Low follow-up survey score (%g/100)", score)
	}
	summary = strings.TrimSpace(summary)
	if summary == "" {
		summary = subject
	}
	cid, aid := customerID, answerID
	t := &Ticket{Channel: "survey", Severity: SeverityMedium, Subject: subject, Description: summary,
		CustomerID: &cid, SourceSurveyAnswerID: &aid}
	if _, err := s.register(ctx, a, t); err != nil {
		return 0, "", err
	}
	return t.ID, t.Number, nil
}

// Get returns a ticket in the caller's ticket scope.
func (s *Service) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Ticket, error) {
	if err := need(a, guanxi.PermTicketRead); err != nil {
		return Ticket{}, err
	}
	return s.Store.GetTicket(ctx, a, id)
}

// List returns a page of the complaint board.
func (s *Service) List(ctx context.Context, a guanxi.Actor, q ListQuery) (Page[Ticket], error) {
	if err := need(a, guanxi.PermTicketRead); err != nil {
		return Page[Ticket]{}, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, MaxLimit)
	var f guanxi.Fields
	if q.Status != "" && !statusValid(q.Status) {
		f.Add("status", "validation.enum")
	}
	if q.Severity != "" && !validSeverity(q.Severity) {
		f.Add("severity", "validation.enum")
	}
	if err := f.Err(); err != nil {
		return Page[Ticket]{}, err
	}
	return s.Store.ListTickets(ctx, a, q, s.now())
}

func statusValid(st Status) bool {
	for _, x := range Statuses {
		if x == st {
			return true
		}
	}
	return false
}

// Events returns a ticket's history.
func (s *Service) Events(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Event, error) {
	if err := need(a, guanxi.PermTicketRead); err != nil {
		return nil, err
	}
	return s.Store.TicketEvents(ctx, a, id)
}

// Act takes one process step on ticket id at the version the caller saw.
// Refusals name the step; a stale version is PreconditionFailed.
func (s *Service) Act(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, act Action) (Ticket, error) {
	if err := need(a, guanxi.PermTicketWrite); err != nil {
		return Ticket{}, err
	}
	before, err := s.Store.GetTicket(ctx, a, id)
	if err != nil {
		return Ticket{}, err
	}
	if before.Version != version {
		return Ticket{}, guanxi.Stale(before.Version)
	}
	now := s.now()
	after, ev, err := Apply(before, a, act, now)
	if err != nil {
		return Ticket{}, err
	}
	var notify []guanxi.ID
	switch act.Step {
	case StepConfirm, StepRoute:
		// The responsible party's schedule may differ: recompute from the
		// first complaint (the clock never restarts on routing).
		if err := s.setClocks(ctx, &after, after.ReceivedAt, a.OrgUnitID); err != nil {
			return Ticket{}, err
		}
		if act.Step == StepRoute && after.AssigneeID != nil && *after.AssigneeID != a.UserID {
			notify = append(notify, *after.AssigneeID)
		}
	case StepReopen:
		// A reopened complaint gets a fresh resolution clock and level 1;
		// the ombudsman clock keeps counting from the first complaint.
		after.EscalationLevel = 1
		omb := after.OmbudsmanDueAt
		if err := s.setClocks(ctx, &after, now, a.OrgUnitID); err != nil {
			return Ticket{}, err
		}
		after.OmbudsmanDueAt = omb
		if after.AssigneeID != nil && *after.AssigneeID != a.UserID {
			notify = append(notify, *after.AssigneeID)
		}
	}
	if err := s.Store.UpdateTicket(ctx, a, &after, version, ev, notify); err != nil {
		return Ticket{}, err
	}
	got, err := s.Store.GetTicket(ctx, a, id)
	if guanxi.KindOf(err) == guanxi.KindNotFound {
		// Routed out of the caller's scope: the step is done, the ticket
		// is simply no longer the caller's to see.
		return after, nil
	}
	return got, err
}

// Notices lists a ticket's rectification notices.
func (s *Service) Notices(ctx context.Context, a guanxi.Actor, ticketID guanxi.ID) ([]Notice, error) {
	if err := need(a, guanxi.PermTicketRead); err != nil {
		return nil, err
	}
	return s.Store.Notices(ctx, a, ticketID)
}

// IssueNotice sends a rectification notice about ticket n.TicketID to a unit
// with a deadline (managers).
func (s *Service) IssueNotice(ctx context.Context, a guanxi.Actor, n *Notice) error {
	if err := need(a, guanxi.PermTicketManage); err != nil {
		return err
	}
	if err := ValidateNotice(n); err != nil {
		return err
	}
	n.Status = NoticeIssued
	return s.Store.CreateNotice(ctx, a, n)
}

// NoticeStep answers, verifies or rejects a notice at version.
func (s *Service) NoticeStep(ctx context.Context, a guanxi.Actor, ticketID, id guanxi.ID, version int64, act NoticeAction) (Notice, error) {
	if err := need(a, guanxi.PermTicketWrite); err != nil {
		return Notice{}, err
	}
	ns, err := s.Store.Notices(ctx, a, ticketID)
	if err != nil {
		return Notice{}, err
	}
	var before *Notice
	for i := range ns {
		if ns[i].ID == id {
			before = &ns[i]
		}
	}
	if before == nil {
		return Notice{}, guanxi.NotFound("error.not_found")
	}
	if before.Version != version {
		return Notice{}, guanxi.Stale(before.Version)
	}
	path, err := s.Store.TicketUnitPath(ctx, before.OrgUnitID)
	if err != nil {
		return Notice{}, err
	}
	responsible := a.OrgPath != "" && strings.HasPrefix(path, a.OrgPath)
	now := s.now()
	after, err := ApplyNotice(*before, a, act, responsible, now)
	if err != nil {
		return Notice{}, err
	}
	ev := Event{TicketID: ticketID, At: now, ActorName: a.Name, Action: "notice_" + act.Step,
		Note: strings.TrimSpace(act.Text)}
	if a.UserID != 0 {
		uid := a.UserID
		ev.ActorID = &uid
	}
	if err := s.Store.UpdateNotice(ctx, a, &after, version, ev); err != nil {
		return Notice{}, err
	}
	return after, nil
}
