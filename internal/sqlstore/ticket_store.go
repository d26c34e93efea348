package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

type ticketQueries struct {
	TicketColumns        string `q:"ticket-columns"`
	TicketInsert         string `q:"ticket-insert"`
	TicketUpdate         string `q:"ticket-update"`
	TicketBySurvey       string `q:"ticket-by-survey-answer"`
	TicketEventInsert    string `q:"ticket-event-insert"`
	TicketEvents         string `q:"ticket-events"`
	TicketHoldingOwner   string `q:"ticket-holding-owner"`
	TicketUserExists     string `q:"ticket-user-exists"`
	TicketUnitPath       string `q:"ticket-unit-path"`
	TicketUnitManagers   string `q:"ticket-unit-managers"`
	TicketUserUnitPath   string `q:"ticket-user-unit-path"`
	TicketManagersChain  string `q:"ticket-unit-managers-chain"`
	NoticeColumns        string `q:"notice-columns"`
	NoticeInsert         string `q:"notice-insert"`
	NoticeUpdate         string `q:"notice-update"`
	TicketCategories     string `q:"ticket-categories"`
	TicketCategoryInsert string `q:"ticket-category-insert"`
	TicketCategoryUpdate string `q:"ticket-category-update"`
	SLAPolicies          string `q:"sla-policies"`
	SLAPolicyInsert      string `q:"sla-policy-insert"`
	SLAPolicyUpdate      string `q:"sla-policy-update"`
	SLAPolicyDelete      string `q:"sla-policy-delete"`
	SLAPolicyVersion     string `q:"sla-policy-version"`
	SLADueFRWarn         string `q:"sla-due-first-response-warning"`
	SLADueFRBreach       string `q:"sla-due-first-response-breach"`
	SLADueResWarn        string `q:"sla-due-resolution-warning"`
	SLADueResBreach      string `q:"sla-due-resolution-breach"`
	SLADueEscalation     string `q:"sla-due-escalation"`
	SLADueOmbudsman      string `q:"sla-due-ombudsman"`
	SLAClaimFRWarn       string `q:"sla-claim-first-response-warning"`
	SLAClaimFRBreach     string `q:"sla-claim-first-response-breach"`
	SLAClaimResWarn      string `q:"sla-claim-resolution-warning"`
	SLAClaimResBreach    string `q:"sla-claim-resolution-breach"`
	SLAClaimOmbudsman    string `q:"sla-claim-ombudsman"`
	SLAClaimEscalation   string `q:"sla-claim-escalation"`
	SLAEventInsert       string `q:"sla-event-insert"`
	EscalationInsert     string `q:"escalation-insert"`
	CalendarNotices      string `q:"calendar-notices"`
	CalendarNoticeInsert string `q:"calendar-notice-insert"`
	CalendarNoticeUpdate string `q:"calendar-notice-update"`
	WorkingHours         string `q:"working-hours"`
	WorkingHoursInsert   string `q:"working-hours-insert"`
	WorkingHoursUpdate   string `q:"working-hours-update"`
	NotificationInsert   string `q:"notification-insert"`
	NotificationsAll     string `q:"notifications-all"`
	NotificationsUnread  string `q:"notifications-unread"`
	NotificationsCount   string `q:"notifications-unread-count"`
	NotificationRead     string `q:"notification-read"`
	NotificationExists   string `q:"notification-exists"`
	NotificationsReadAll string `q:"notifications-read-all"`
}

// chinaTime is the zone a ticket number's year is read in.
var chinaTime = time.FixedZone("CST", 8*3600)

func ticketUTC(t *ticket.Ticket) {
	t.ReceivedAt, t.CreatedAt, t.UpdatedAt = t.ReceivedAt.UTC(), t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	for _, p := range []*time.Time{t.ConfirmedAt, t.FirstResponseAt, t.ResolvedAt, t.ClosedAt, t.FirstResponseDue,
		t.FirstResponseWarn, t.ResolutionDue, t.ResolutionWarn, t.NextEscalationAt, t.OmbudsmanDueAt, t.OmbudsmanNoticeAt} {
		utcPtr(p)
	}
}

// ticketNumber returns the next number in format for this year.
func (s *Store) ticketNumber(ctx context.Context, tx *sqlx.Tx, format string) (string, error) {
	year := s.nowUTC().In(chinaTime).Year()
	name := ticket.SequenceName(format, year)
	var n int64
	err := tx.GetContext(ctx, &n, s.q.SequenceNext, name)
	if errors.Is(err, sql.ErrNoRows) {
		n = 1
		_, err = tx.ExecContext(ctx, s.q.SequenceInit, name)
	}
	if err != nil {
		return "", wrap(err)
	}
	return ticket.FormatNumber(format, year, n), nil
}

// ticketInScope returns the version of ticket id if a may see it.
func (s *Store) ticketInScope(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) (int64, error) {
	pred, args := ticketScopeSQL(a, "t")
	var v int64
	err := sqlx.GetContext(ctx, q, &v, s.rebind("SELECT t.version FROM tickets t WHERE t.id = ? AND "+pred), append([]any{id}, args...)...)
	if err != nil {
		return 0, s.scopeMiss(ctx, q, ticketExists, id, err)
	}
	return v, nil
}

func (s *Store) addEvent(ctx context.Context, tx *sqlx.Tx, ev ticket.Event) error {
	if ev.At.IsZero() {
		ev.At = s.nowUTC()
	}
	_, err := tx.ExecContext(ctx, s.q.TicketEventInsert, ev.TicketID, ev.At.UTC(), ev.ActorID, ev.ActorName,
		ev.Action, ev.FromStatus, ev.ToStatus, ev.Note)
	return wrap(err)
}

// notifyUsers writes one in-app notification per user; dedupe (when not
// empty) makes a repeat a no-op.
func (s *Store) notifyUsers(ctx context.Context, tx *sqlx.Tx, users []guanxi.ID, kind string, ticketID guanxi.ID, args map[string]any, dedupe string) error {
	seen := map[guanxi.ID]bool{}
	b, _ := json.Marshal(args)
	now := s.nowUTC()
	for _, u := range users {
		if u == 0 || seen[u] {
			continue
		}
		seen[u] = true
		var tid any
		if ticketID != 0 {
			tid = ticketID
		}
		if _, err := tx.ExecContext(ctx, s.q.NotificationInsert, u, kind, tid, string(b), dedupe, now); err != nil {
			return wrap(err)
		}
	}
	return nil
}

// managersOf returns the managers responsible for a ticket's assignee (its
// unit or nearest managed ancestor), else for its unit.
func (s *Store) managersOf(ctx context.Context, tx *sqlx.Tx, assignee *guanxi.ID, unitPath string) ([]guanxi.ID, error) {
	return s.managersUp(ctx, tx, assignee, unitPath, false)
}

// managersUp is managersOf, or with chain every manager up to the head
// office (a level-3 escalation reaches senior management, CMP-25).
func (s *Store) managersUp(ctx context.Context, tx *sqlx.Tx, assignee *guanxi.ID, unitPath string, chain bool) ([]guanxi.ID, error) {
	path := unitPath
	if assignee != nil {
		var p string
		if err := tx.GetContext(ctx, &p, s.q.TicketUserUnitPath, *assignee); err == nil {
			path = p
		}
	}
	if path == "" {
		return nil, nil
	}
	var ids []guanxi.ID
	if chain {
		return ids, wrap(tx.SelectContext(ctx, &ids, s.q.TicketManagersChain, path))
	}
	err := tx.SelectContext(ctx, &ids, s.q.TicketUnitManagers, path, path)
	return ids, wrap(err)
}

// checkTicketRefs verifies the customer (in a's scope), holding, unit and
// assignee a ticket points to.
func (s *Store) checkTicketRefs(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, t *ticket.Ticket) error {
	var f guanxi.Fields
	if t.CustomerID != nil {
		if _, err := s.liveInScope(ctx, tx, a, *t.CustomerID); err != nil {
			if guanxi.KindOf(err) != guanxi.KindNotFound {
				return err
			}
			f.Add("customer_id", "ticket.customer_unknown")
		}
	}
	if t.HoldingID != nil {
		var owner guanxi.ID
		err := tx.GetContext(ctx, &owner, s.q.TicketHoldingOwner, *t.HoldingID)
		if err != nil || t.CustomerID == nil || owner != *t.CustomerID {
			f.Add("holding_id", "ticket.holding_unknown")
		}
	}
	if t.OrgUnitID != nil {
		var p string
		if err := tx.GetContext(ctx, &p, s.q.TicketUnitPath, *t.OrgUnitID); err != nil {
			f.Add("org_unit_id", "staff.unit_unknown")
		}
	}
	if t.AssigneeID != nil {
		var id guanxi.ID
		if err := tx.GetContext(ctx, &id, s.q.TicketUserExists, *t.AssigneeID); err != nil {
			f.Add("assignee_id", "ticket.assignee_unknown")
		}
	}
	return f.Err()
}

// CreateTicket numbers and stores t with its register event and audit row.
func (s *Store) CreateTicket(ctx context.Context, a guanxi.Actor, t *ticket.Ticket, format string) (bool, error) {
	existed := false
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if t.SourceSurveyAnswerID != nil {
			var ex struct {
				ID     guanxi.ID `db:"id"`
				Number string    `db:"number"`
			}
			err := tx.GetContext(ctx, &ex, s.q.TicketBySurvey, *t.SourceSurveyAnswerID)
			if err == nil {
				t.ID, t.Number, existed = ex.ID, ex.Number, true
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return wrap(err)
			}
		}
		if err := s.checkTicketRefs(ctx, tx, a, t); err != nil {
			return err
		}
		num, err := s.ticketNumber(ctx, tx, format)
		if err != nil {
			return err
		}
		// The service's clock stamps the registration, like every later step.
		now := stamp(t.CreatedAt, s.nowUTC())
		t.Number, t.CreatedAt, t.UpdatedAt, t.Version = num, now, now, 1
		if a.UserID != 0 {
			by := a.UserID
			t.CreatedBy = &by
		}
		if err := s.insertTicket(ctx, tx, t); err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "unique") || strings.Contains(err.Error(), "duplicate key") {
				return guanxi.Conflict("error.conflict", nil)
			}
			return wrap(err)
		}
		ev := ticket.Event{TicketID: t.ID, At: now, ActorID: t.CreatedBy, ActorName: actorName(a),
			Action: string(ticket.StepRegister), ToStatus: string(t.Status)}
		if err := s.addEvent(ctx, tx, ev); err != nil {
			return err
		}
		e := audit.New(a, audit.ActionCreate, "ticket", t.ID, map[string]any{"number": t.Number, "channel": t.Channel})
		if t.CustomerID != nil {
			e = e.ForCustomer(*t.CustomerID)
		}
		return s.appendAudit(ctx, tx, e)
	})
	if err != nil && t.SourceSurveyAnswerID != nil && guanxi.KindOf(err) == guanxi.KindConflict {
		// A racing call for the same answer won: return its ticket.
		var ex struct {
			ID     guanxi.ID `db:"id"`
			Number string    `db:"number"`
		}
		if gerr := s.w.GetContext(ctx, &ex, s.q.TicketBySurvey, *t.SourceSurveyAnswerID); gerr == nil {
			t.ID, t.Number = ex.ID, ex.Number
			return true, nil
		}
	}
	return existed, err
}

func actorName(a guanxi.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.Username
}

// GetTicket returns a ticket in a's ticket scope.
func (s *Store) GetTicket(ctx context.Context, a guanxi.Actor, id guanxi.ID) (ticket.Ticket, error) {
	pred, args := ticketScopeSQL(a, "t")
	var t ticket.Ticket
	st, err := s.readStmt(ctx, s.rebind(s.q.TicketColumns+" WHERE t.id = ? AND "+pred))
	if err != nil {
		return t, wrap(err)
	}
	if err := st.GetContext(ctx, &t, append([]any{id}, args...)...); err != nil {
		return t, s.scopeMiss(ctx, s.r, ticketExists, id, err)
	}
	ticketUTC(&t)
	return t, nil
}

// TicketEvents returns the history of a ticket in scope.
func (s *Store) TicketEvents(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]ticket.Event, error) {
	if _, err := s.ticketInScope(ctx, s.r, a, id); err != nil {
		return nil, err
	}
	var out []ticket.Event
	if err := s.r.SelectContext(ctx, &out, s.q.TicketEvents, id); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// UpdateTicket writes a process step at version with its event, audit row
// and notifications.
func (s *Store) UpdateTicket(ctx context.Context, a guanxi.Actor, t *ticket.Ticket, version int64, ev ticket.Event, notify []guanxi.ID) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.ticketInScope(ctx, tx, a, t.ID)
		if err != nil {
			return err
		}
		if cur != version {
			return guanxi.Stale(cur)
		}
		if err := s.checkTicketRefs(ctx, tx, a, &ticket.Ticket{OrgUnitID: t.OrgUnitID, AssigneeID: t.AssigneeID}); err != nil {
			return err
		}
		if t.Status == ticket.StatusMerged && t.MergedIntoID != nil {
			target, err := s.GetTicketTx(ctx, tx, a, *t.MergedIntoID)
			if err != nil || !target.Status.Open() {
				return guanxi.Invalid(guanxi.Field("merge_into", "ticket.merge_target"))
			}
			if err := s.addEvent(ctx, tx, ticket.Event{TicketID: target.ID, At: ev.At, ActorID: ev.ActorID,
				ActorName: ev.ActorName, Action: "merged_from", FromStatus: string(target.Status),
				ToStatus: string(target.Status), Note: t.Number}); err != nil {
				return err
			}
		}
		reopened := ev.Action == string(ticket.StepReopen)
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.TicketUpdate, t.Status, t.CategoryID, t.Severity, t.OrgUnitID, t.AssigneeID,
			t.Resolution, t.RootCause, t.Feedback, t.FeedbackChannel, t.Opinion, t.Satisfaction, t.CloseReason,
			t.ReopenCount, t.MergedIntoID, t.ConfirmedBy, t.ConfirmedAt, t.FirstResponseAt, t.ResolvedAt,
			minutesSince(t.ReceivedAt, t.FirstResponseAt), minutesSince(t.ReceivedAt, t.ResolvedAt), t.ClosedAt,
			t.FirstResponseDue, t.FirstResponseWarn, t.ResolutionDue, t.ResolutionWarn, t.EscalationLevel,
			t.NextEscalationAt, t.OmbudsmanDueAt, b2i(reopened), b2i(reopened), now, t.ID, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(cur)
		}
		t.Version, t.UpdatedAt = version+1, now
		if err := s.addEvent(ctx, tx, ev); err != nil {
			return err
		}
		if len(notify) > 0 {
			kind := "assigned"
			if reopened {
				kind = "reopened"
			}
			if err := s.notifyUsers(ctx, tx, notify, kind, t.ID, map[string]any{"number": t.Number}, ""); err != nil {
				return err
			}
		}
		e := audit.New(a, audit.ActionUpdate, "ticket", t.ID, map[string]any{"step": ev.Action,
			"from": ev.FromStatus, "to": ev.ToStatus})
		if t.CustomerID != nil {
			e = e.ForCustomer(*t.CustomerID)
		}
		return s.appendAudit(ctx, tx, e)
	})
}

// GetTicketTx reads a ticket in scope inside tx.
func (s *Store) GetTicketTx(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, id guanxi.ID) (ticket.Ticket, error) {
	pred, args := ticketScopeSQL(a, "t")
	var t ticket.Ticket
	if err := tx.GetContext(ctx, &t, s.rebind(s.q.TicketColumns+" WHERE t.id = ? AND "+pred), append([]any{id}, args...)...); err != nil {
		return t, s.scopeMiss(ctx, tx, ticketExists, id, err)
	}
	ticketUTC(&t)
	return t, nil
}

// TicketUnitPath returns the materialised path of an org unit.
func (s *Store) TicketUnitPath(ctx context.Context, id guanxi.ID) (string, error) {
	var p string
	err := s.r.GetContext(ctx, &p, s.q.TicketUnitPath, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", guanxi.Invalid(guanxi.Field("org_unit_id", "staff.unit_unknown"))
	}
	return p, wrap(err)
}

// insertTicket writes the ticket row (staff and public registration alike)
// and sets t.ID; t.CreatedAt and t.UpdatedAt must be set.
func (s *Store) insertTicket(ctx context.Context, tx *sqlx.Tx, t *ticket.Ticket) error {
	return tx.GetContext(ctx, &t.ID, s.q.TicketInsert, t.Number, t.Status, t.Channel, t.CategoryID, t.Severity,
		t.Subject, t.Description, t.Demand, t.ContactName, t.ContactPhone, t.CustomerID, t.HoldingID,
		t.OrgUnitID, t.AssigneeID, t.ReceivedAt.UTC(), b2i(t.FirstContact), t.SourceSurveyAnswerID, t.CreatedBy,
		t.FirstResponseAt, t.ResolvedAt, t.FirstResponseDue, t.FirstResponseWarn, t.ResolutionDue,
		t.ResolutionWarn, t.EscalationLevel, t.NextEscalationAt, t.OmbudsmanDueAt, t.CreatedAt, t.UpdatedAt,
		minutesSince(t.ReceivedAt, t.FirstResponseAt), minutesSince(t.ReceivedAt, t.ResolvedAt))
}

// minutesSince is the whole minutes from start to *end (nil while end is
// unset), kept beside the timestamps for complaint analytics.
func minutesSince(start time.Time, end *time.Time) *int64 {
	if end == nil {
		return nil
	}
	m := int64(math.Round(end.Sub(start).Minutes()))
	return &m
}
