package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/audit"
)

type appointmentQueries struct {
	AptKindColumns     string `q:"apt-kind-columns"`
	AptKindList        string `q:"apt-kind-list"`
	AptKindGet         string `q:"apt-kind-get"`
	AptKindInsert      string `q:"apt-kind-insert"`
	AptKindUpdate      string `q:"apt-kind-update"`
	AptKindVersion     string `q:"apt-kind-version"`
	AptResourceColumns string `q:"apt-resource-columns"`
	AptResourceList    string `q:"apt-resource-list"`
	AptResourceGet     string `q:"apt-resource-get"`
	AptResourceInsert  string `q:"apt-resource-insert"`
	AptResourceUpdate  string `q:"apt-resource-update"`
	AptResourceVersion string `q:"apt-resource-version"`
	AptResourceLock    string `q:"apt-resource-lock"`
	AptBusy            string `q:"apt-busy"`
	AptColumns         string `q:"apt-columns"`
	AptGet             string `q:"apt-get"`
	AptList            string `q:"apt-list"`
	AptInsert          string `q:"apt-insert"`
	AptSetPrepTask     string `q:"apt-set-prep-task"`
	AptMove            string `q:"apt-move"`
	AptState           string `q:"apt-state"`
	AptVersion         string `q:"apt-version"`
	AptTaskMove        string `q:"apt-task-move"`
	AptTaskDrop        string `q:"apt-task-drop"`
	AptFacts           string `q:"apt-facts"`
	AptCustomerFacts   string `q:"apt-customer-facts"`
}

func kindUTC(k *appointment.Kind) { k.CreatedAt, k.UpdatedAt = k.CreatedAt.UTC(), k.UpdatedAt.UTC() }

func resourceUTC(r *appointment.Resource) {
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
}

func aptUTC(a *appointment.Appointment) {
	a.StartsAt, a.EndsAt = a.StartsAt.UTC(), a.EndsAt.UTC()
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	utcPtr(a.ArrivedAt)
	utcPtr(a.ConfirmedAt)
}

// AppointmentKinds lists the kinds, active first.
func (s *Store) AppointmentKinds(ctx context.Context) ([]appointment.Kind, error) {
	out := []appointment.Kind{}
	if err := s.r.SelectContext(ctx, &out, s.q.AptKindColumns+"\n"+s.q.AptKindList); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		kindUTC(&out[i])
	}
	return out, nil
}

func (s *Store) GetAppointmentKind(ctx context.Context, id guanxi.ID) (appointment.Kind, error) {
	var k appointment.Kind
	if err := s.r.GetContext(ctx, &k, s.q.AptKindColumns+"\n"+s.q.AptKindGet, id); err != nil {
		return k, notFound(err, "error.not_found")
	}
	kindUTC(&k)
	return k, nil
}

// SaveAppointmentKind inserts (ID 0) or updates a kind at version.
func (s *Store) SaveAppointmentKind(ctx context.Context, a guanxi.Actor, k *appointment.Kind, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		action := audit.ActionCreate
		if k.ID == 0 {
			if err := tx.GetContext(ctx, &k.ID, s.q.AptKindInsert, k.Code, k.NameZh, k.NameEn, k.DurationMinutes,
				k.Reminders, b2i(k.Active), now, now); err != nil {
				return uniqueField(err, "code")
			}
			k.Version, k.CreatedAt = 1, now
		} else {
			action = audit.ActionUpdate
			res, err := tx.ExecContext(ctx, s.q.AptKindUpdate, k.Code, k.NameZh, k.NameEn, k.DurationMinutes,
				k.Reminders, b2i(k.Active), now, k.ID, version)
			if err != nil {
				return uniqueField(err, "code")
			}
			if err := s.staleOrMissing(ctx, tx, res, s.q.AptKindVersion, k.ID); err != nil {
				return err
			}
			k.Version = version + 1
		}
		k.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, action, "appointment_kind", k.ID,
			map[string]any{"code": k.Code, "duration_minutes": k.DurationMinutes, "reminders": k.Reminders, "active": k.Active}))
	})
}

// uniqueField reports a unique violation as a field error.
func uniqueField(err error, field string) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate key") {
		return guanxi.Invalid(guanxi.Field(field, "validation.taken"))
	}
	return wrap(err)
}

// AppointmentResources lists the resources, active first.
func (s *Store) AppointmentResources(ctx context.Context) ([]appointment.Resource, error) {
	out := []appointment.Resource{}
	if err := s.r.SelectContext(ctx, &out, s.q.AptResourceColumns+"\n"+s.q.AptResourceList); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		resourceUTC(&out[i])
	}
	return out, nil
}

func (s *Store) GetAppointmentResource(ctx context.Context, id guanxi.ID) (appointment.Resource, error) {
	return s.getResource(ctx, s.r, id)
}

func (s *Store) getResource(ctx context.Context, q sqlx.QueryerContext, id guanxi.ID) (appointment.Resource, error) {
	var r appointment.Resource
	if err := sqlx.GetContext(ctx, q, &r, s.q.AptResourceColumns+"\n"+s.q.AptResourceGet, id); err != nil {
		return r, notFound(err, "error.not_found")
	}
	resourceUTC(&r)
	return r, nil
}

// SaveAppointmentResource inserts (ID 0) or updates a resource at version.
func (s *Store) SaveAppointmentResource(ctx context.Context, a guanxi.Actor, r *appointment.Resource, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := s.resourceInScope(ctx, tx, a, r); err != nil {
			return err
		}
		if r.UserID != nil {
			if err := s.activeUser(ctx, tx, *r.UserID, "user_id"); err != nil {
				return err
			}
		}
		now := s.nowUTC()
		action := audit.ActionCreate
		if r.ID == 0 {
			if err := tx.GetContext(ctx, &r.ID, s.q.AptResourceInsert, r.Name, r.Kind, r.OrgUnitID, r.UserID, r.Hours,
				r.SlotMinutes, r.Capacity, b2i(r.Active), now, now); err != nil {
				return wrap(err)
			}
			r.Version, r.CreatedAt = 1, now
		} else {
			action = audit.ActionUpdate
			res, err := tx.ExecContext(ctx, s.q.AptResourceUpdate, r.Name, r.Kind, r.OrgUnitID, r.UserID, r.Hours,
				r.SlotMinutes, r.Capacity, b2i(r.Active), now, r.ID, version)
			if err != nil {
				return wrap(err)
			}
			if err := s.staleOrMissing(ctx, tx, res, s.q.AptResourceVersion, r.ID); err != nil {
				return err
			}
			r.Version = version + 1
		}
		r.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, action, "appointment_resource", r.ID,
			map[string]any{"name": r.Name, "kind": r.Kind, "slot_minutes": r.SlotMinutes, "capacity": r.Capacity,
				"hours": r.Hours, "active": r.Active}))
	})
}

// resourceInScope lets a manager (subtree scope) keep only the resources
// of org units in the subtree: another unit's resource is NotFound, a new
// or moved one must name a unit of the subtree. Admins keep every one.
func (s *Store) resourceInScope(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, r *appointment.Resource) error {
	if a.Scope() == guanxi.ScopeAll {
		return nil
	}
	inTree := func(unit *guanxi.ID) bool {
		if unit == nil || a.OrgPath == "" {
			return false
		}
		u, err := s.Unit(ctx, *unit)
		return err == nil && strings.HasPrefix(u.Path, a.OrgPath)
	}
	if r.ID != 0 {
		cur, err := s.getResource(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if !inTree(cur.OrgUnitID) {
			return guanxi.NotFound("error.not_found")
		}
	}
	if !inTree(r.OrgUnitID) {
		return guanxi.Invalid(guanxi.Field("org_unit_id", "validation.org_unit_scope"))
	}
	return nil
}

// activeUser checks that a staff member named on a resource or an
// appointment exists and is enabled.
func (s *Store) activeUser(ctx context.Context, tx *sqlx.Tx, id guanxi.ID, field string) error {
	var t struct {
		ID       guanxi.ID `db:"id"`
		Name     string    `db:"name"`
		Disabled bool      `db:"disabled"`
		Path     string    `db:"path"`
	}
	err := tx.GetContext(ctx, &t, s.q.TransferTarget, id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && t.Disabled) {
		return guanxi.Invalid(guanxi.Field(field, "validation.owner"))
	}
	return wrap(err)
}

// ResourceBusy lists the appointments holding seats on a resource in [from, to).
func (s *Store) ResourceBusy(ctx context.Context, resourceID guanxi.ID, from, to time.Time) ([]appointment.Busy, error) {
	return s.busy(ctx, s.r, resourceID, from, to, 0)
}

func (s *Store) busy(ctx context.Context, q sqlx.QueryerContext, resourceID guanxi.ID, from, to time.Time, except guanxi.ID) ([]appointment.Busy, error) {
	out := []appointment.Busy{}
	if err := sqlx.SelectContext(ctx, q, &out, s.q.AptBusy, resourceID, to.UTC(), from.UTC(), except); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].StartsAt, out[i].EndsAt = out[i].StartsAt.UTC(), out[i].EndsAt.UTC()
	}
	return out, nil
}

func (s *Store) GetAppointment(ctx context.Context, a guanxi.Actor, id guanxi.ID) (appointment.Appointment, error) {
	return s.getAppointment(ctx, s.r, a, id)
}

func (s *Store) getAppointment(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) (appointment.Appointment, error) {
	var ap appointment.Appointment
	text, args := s.scoped(s.q.AptColumns+"\n"+s.q.AptGet, a, id)
	if err := sqlx.GetContext(ctx, q, &ap, text, args...); err != nil {
		return ap, s.scopeMiss(ctx, q, appointmentExists, id, err)
	}
	aptUTC(&ap)
	return ap, nil
}

// seat locks the resource, re-reads it and checks that b's time fits its
// hours and a free seat in every slot (except: the appointment being moved).
// The lock makes two bookings of the last seat count one after the other.
func (s *Store) seat(ctx context.Context, tx *sqlx.Tx, b *appointment.Booking, except guanxi.ID) (appointment.Resource, error) {
	var id guanxi.ID
	if err := tx.GetContext(ctx, &id, s.q.AptResourceLock, b.A.ResourceID); err != nil {
		return appointment.Resource{}, notFound(err, "error.not_found")
	}
	r, err := s.getResource(ctx, tx, b.A.ResourceID)
	if err != nil {
		return r, err
	}
	if !r.Active {
		return r, guanxi.Invalid(guanxi.Field("resource_id", "validation.enum"))
	}
	end, err := appointment.Span(r, b.Loc, b.A.StartsAt, b.Minutes)
	if err != nil {
		return r, err
	}
	busy, err := s.busy(ctx, tx, r.ID, b.A.StartsAt, end, except)
	if err != nil {
		return r, err
	}
	if err := appointment.CheckCapacity(r, b.Loc, b.A.StartsAt, end, busy); err != nil {
		return r, err
	}
	b.A.EndsAt = end
	return r, nil
}

// BookAppointment books b in one transaction: the customer in scope, the
// seat, the row, its reminders, the prepare task and the source task.
func (s *Store) BookAppointment(ctx context.Context, a guanxi.Actor, b *appointment.Booking) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		ap := b.A
		if _, err := s.liveInScope(ctx, tx, a, ap.CustomerID); err != nil {
			return err
		}
		if ap.StaffID != nil {
			if err := s.activeUser(ctx, tx, *ap.StaffID, "staff_id"); err != nil {
				return err
			}
		}
		var source *guanxi.ID
		if b.TaskID != 0 {
			t, err := s.getTask(ctx, tx, a, b.TaskID)
			if err != nil || t.CustomerID != ap.CustomerID || t.Status != "open" {
				return guanxi.Invalid(guanxi.Field("task", "validation.appointment_task"))
			}
			id := t.ID
			source = &id
		}
		if _, err := s.seat(ctx, tx, b, 0); err != nil {
			return err
		}
		now := s.nowUTC()
		var by *guanxi.ID
		if a.UserID != 0 {
			u := a.UserID
			by = &u
		}
		if err := tx.GetContext(ctx, &ap.ID, s.q.AptInsert, ap.CustomerID, ap.KindID, ap.ResourceID, ap.StaffID,
			ap.StartsAt.UTC(), ap.EndsAt.UTC(), b2i(ap.Priority), ap.Note, source, by, now, now); err != nil {
			return wrap(err)
		}
		if source != nil {
			t, _ := s.getTask(ctx, tx, a, *source)
			res, err := tx.ExecContext(ctx, s.q.TaskClose, "done", b.TaskOutcome+" "+appointment.Number(ap.ID), now, by, nil, now, t.ID, t.Version)
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return guanxi.Stale(t.Version)
			}
			if err := s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "task", t.ID,
				map[string]any{"status": "done", "appointment": appointment.Number(ap.ID)}).ForCustomer(ap.CustomerID)); err != nil {
				return err
			}
		}
		if err := s.prepTask(ctx, tx, a, b); err != nil {
			return err
		}
		full, err := s.getAppointment(ctx, tx, a, ap.ID)
		if err != nil {
			return err
		}
		*ap = full
		if err := s.queueReminders(ctx, tx, b); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "appointment", ap.ID,
			map[string]any{"number": ap.Number(), "kind": ap.KindCode, "resource_id": ap.ResourceID,
				"starts_at": ap.StartsAt, "from_task": source}).ForCustomer(ap.CustomerID))
	})
}

// prepTask puts the appointment on the today page of the assigned staff
// member or, without one, the customer's owner.
func (s *Store) prepTask(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, b *appointment.Booking) error {
	t := taskForAppointment(b)
	if err := s.insertTask(ctx, tx, a, &t); err != nil {
		return err
	}
	b.A.PrepTaskID = &t.ID
	_, err := tx.ExecContext(ctx, s.q.AptSetPrepTask, t.ID, b.A.ID)
	return wrap(err)
}

func (s *Store) queueReminders(ctx context.Context, tx *sqlx.Tx, b *appointment.Booking) error {
	for _, r := range appointment.Reminders(b.Offsets, b.A.StartsAt, b.Now) {
		m := aptMessage(b.A, b.Loc, "appointment.reminder",
			fmt.Sprintf("appointment:%d:reminder:%d:%s", b.A.ID, r.Offset, b.A.StartsAt.UTC().Format("20060102T1504Z")))
		m.SendAfter = r.At
		if _, err := s.enqueueMessageTx(ctx, tx, m); err != nil {
			return err
		}
	}
	return nil
}

// RescheduleAppointment moves an open appointment at version: new seat,
// reminders replaced, the prepare task moved to the new day.
func (s *Store) RescheduleAppointment(ctx context.Context, a guanxi.Actor, b *appointment.Booking, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		ap := b.A
		cur, err := s.getAppointment(ctx, tx, a, ap.ID)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return guanxi.Stale(cur.Version)
		}
		if ap.StaffID != nil {
			if err := s.activeUser(ctx, tx, *ap.StaffID, "staff_id"); err != nil {
				return err
			}
		}
		if _, err := s.seat(ctx, tx, b, ap.ID); err != nil {
			return err
		}
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.AptMove, ap.ResourceID, ap.StaffID, ap.StartsAt.UTC(), ap.EndsAt.UTC(), now, ap.ID, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.AptVersion, ap.ID); err != nil {
			return err
		}
		if _, err := s.cancelMessagesTx(ctx, tx, "appointment", ap.ID); err != nil {
			return err
		}
		if cur.PrepTaskID != nil {
			day := ap.StartsAt.In(b.Loc).Format(time.DateOnly)
			res, err := tx.ExecContext(ctx, s.q.AptTaskMove, day, now, *cur.PrepTaskID)
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				if err := s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "task", *cur.PrepTaskID,
					map[string]any{"due_on": day, "appointment": cur.Number()}).ForCustomer(cur.CustomerID)); err != nil {
					return err
				}
			}
		}
		full, err := s.getAppointment(ctx, tx, a, ap.ID)
		if err != nil {
			return err
		}
		*ap = full
		if err := s.queueReminders(ctx, tx, b); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionAppointment, "appointment", ap.ID,
			map[string]any{"action": "reschedule", "from": cur.StartsAt, "to": ap.StartsAt,
				"resource_id": ap.ResourceID}).ForCustomer(ap.CustomerID))
	})
}

// SetAppointmentStatus writes a confirm, arrival, no-show or cancellation
// at version, withdraws the queued reminders and queues e's message.
func (s *Store) SetAppointmentStatus(ctx context.Context, a guanxi.Actor, ap *appointment.Appointment, version int64, e appointment.Effect) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.getAppointment(ctx, tx, a, ap.ID); err != nil {
			return err
		}
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.AptState, ap.Status, ap.CancelReason, b2i(ap.GiftGiven), ap.ArriveNote,
			ap.ArrivedAt, ap.ConfirmedAt, now, ap.ID, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.AptVersion, ap.ID); err != nil {
			return err
		}
		ap.Version, ap.UpdatedAt = version+1, now
		if e.CancelMessages {
			if _, err := s.cancelMessagesTx(ctx, tx, "appointment", ap.ID); err != nil {
				return err
			}
		}
		if e.Template != "" {
			m := aptMessage(ap, e.Loc, e.Template, fmt.Sprintf("appointment:%d:%s", ap.ID, strings.TrimPrefix(e.Template, "appointment.")))
			if _, err := s.enqueueMessageTx(ctx, tx, m); err != nil {
				return err
			}
		}
		if ap.Status == appointment.StatusCancelled && ap.PrepTaskID != nil {
			res, err := tx.ExecContext(ctx, s.q.AptTaskDrop, "cancelled "+ap.Number(), now, now, *ap.PrepTaskID)
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				if err := s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "task", *ap.PrepTaskID,
					map[string]any{"status": "skipped", "appointment": ap.Number()}).ForCustomer(ap.CustomerID)); err != nil {
					return err
				}
			}
		}
		detail := map[string]any{"status": ap.Status}
		switch ap.Status {
		case appointment.StatusArrived:
			detail["gift_given"] = ap.GiftGiven
		case appointment.StatusCancelled:
			detail["reason"] = ap.CancelReason
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionAppointment, "appointment", ap.ID, detail).ForCustomer(ap.CustomerID))
	})
}

// aptScoped puts the customer scope at /*scope*/ with before's arguments
// ahead of the scope's (for queries with a placeholder before the marker).
func (s *Store) aptScoped(q string, a guanxi.Actor, before []any, after ...any) (string, []any) {
	text, args := s.scoped(q, a)
	out := append(append([]any{}, before...), args...)
	return text, append(out, after...)
}

// AppointmentFacts lists the appointments starting in [from, to) in the
// actor's scope with their team and whether a reminder was sent.
func (s *Store) AppointmentFacts(ctx context.Context, a guanxi.Actor, from, to time.Time) ([]appointment.Fact, error) {
	text, args := s.scoped(s.q.AptFacts, a, from.UTC(), to.UTC())
	out := []appointment.Fact{}
	if err := s.r.SelectContext(ctx, &out, text, args...); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].StartsAt = out[i].StartsAt.UTC()
	}
	return out, nil
}

// AppointmentCustomerFacts counts per customer the arrivals and the due
// appointments starting in [from, to).
func (s *Store) AppointmentCustomerFacts(ctx context.Context, a guanxi.Actor, from, to, now time.Time) ([]appointment.CustomerRate, error) {
	text, args := s.aptScoped(s.q.AptCustomerFacts, a, []any{now.UTC()}, from.UTC(), to.UTC())
	out := []appointment.CustomerRate{}
	if err := s.r.SelectContext(ctx, &out, text, args...); err != nil {
		return nil, wrap(err)
	}
	return out, nil
}
