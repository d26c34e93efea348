package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

type ticketPublicQueries struct {
	TicketPublicInsert  string `q:"ticket-public-insert"`
	TicketPublicMatch   string `q:"ticket-public-match"`
	TicketPublicStatus  string `q:"ticket-public-status"`
	PublicFormKeyInsert string `q:"public-form-key-insert"`
	PublicFormKey       string `q:"public-form-key"`
	TicketLinkCustomer  string `q:"ticket-link-customer"`
	TicketCustomerOf    string `q:"ticket-customer-of"`
}

// publicMatches are the live customers with this mobile whose customer
// number or last 4 characters of the ID number equal hint (any, when hint
// is empty).
func (s *Store) publicMatches(ctx context.Context, tx *sqlx.Tx, mobile, hint string) ([]guanxi.ID, error) {
	var rows []struct {
		ID       guanxi.ID `db:"id"`
		Number   string    `db:"number"`
		IDNumber string    `db:"id_number"`
	}
	if err := tx.SelectContext(ctx, &rows, s.q.TicketPublicMatch, mobile); err != nil {
		return nil, wrap(err)
	}
	hint = strings.ToUpper(hint)
	var ids []guanxi.ID
	for _, r := range rows {
		idn, err := s.openID(r.IDNumber)
		if err != nil {
			return nil, guanxi.Internal(err)
		}
		idn = strings.ToUpper(idn)
		if hint == "" || strings.ToUpper(r.Number) == hint || (len(idn) >= 4 && idn[len(idn)-4:] == hint) {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// CreatePublicTicket numbers and stores a complaint from the public form
// with its form record, register event and audit row in one transaction,
// linking the one live customer whose mobile (and hint) match.
func (s *Store) CreatePublicTicket(ctx context.Context, a guanxi.Actor, t *ticket.Ticket, rec ticket.PublicRecord, format string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		ids, err := s.publicMatches(ctx, tx, t.ContactPhone, rec.Hint)
		if err != nil {
			return err
		}
		t.CustomerID = nil
		if len(ids) == 1 {
			t.CustomerID = &ids[0]
		}
		if t.OrgUnitID != nil {
			var p string
			if err := tx.GetContext(ctx, &p, s.q.TicketUnitPath, *t.OrgUnitID); err != nil {
				t.OrgUnitID = nil
			}
		}
		num, err := s.ticketNumber(ctx, tx, format)
		if err != nil {
			return err
		}
		now := s.nowUTC()
		t.Number, t.CreatedAt, t.UpdatedAt, t.Version, t.CreatedBy = num, now, now, 1, nil
		// The same row as a staff registration, without a staff author.
		if err := s.insertTicket(ctx, tx, t); err != nil {
			return wrap(err)
		}
		if _, err := tx.ExecContext(ctx, s.q.TicketPublicInsert, t.ID, rec.TokenHash, rec.ContactTime, rec.Hint,
			rec.ConsentAt.UTC(), now); err != nil {
			return wrap(err)
		}
		ev := ticket.Event{TicketID: t.ID, At: now, ActorName: actorName(a), Action: string(ticket.StepRegister),
			ToStatus: string(t.Status), Note: rec.Note}
		if err := s.addEvent(ctx, tx, ev); err != nil {
			return err
		}
		e := audit.New(a, audit.ActionCreate, "ticket", t.ID, map[string]any{"number": t.Number,
			"channel": t.Channel, "matched": t.CustomerID != nil})
		if t.CustomerID != nil {
			e = e.ForCustomer(*t.CustomerID)
		}
		return s.appendAudit(ctx, tx, e)
	})
}

// PublicTicket returns what the status page shows for a token hash.
func (s *Store) PublicTicket(ctx context.Context, tokenHash string) (ticket.PublicStatus, error) {
	var st ticket.PublicStatus
	if err := s.r.GetContext(ctx, &st, s.q.TicketPublicStatus, tokenHash); err != nil {
		return st, notFound(err, "error.not_found")
	}
	st.ReceivedAt = st.ReceivedAt.UTC()
	return st, nil
}

// PublicFormKey returns the form signing key, storing candidate when none
// exists yet (the first instance to ask wins; the others read its key).
func (s *Store) PublicFormKey(ctx context.Context, candidate string) (string, error) {
	var key string
	err := s.r.GetContext(ctx, &key, s.q.PublicFormKey, "complaint_form")
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", wrap(err)
	}
	err = s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.PublicFormKeyInsert, "complaint_form", candidate, s.nowUTC()); err != nil {
			return wrap(err)
		}
		return wrap(tx.GetContext(ctx, &key, s.q.PublicFormKey, "complaint_form"))
	})
	return key, err
}

// LinkTicketCustomer sets the customer of a ticket that has none. Both must
// be in a's scope (else NotFound); a ticket that has a customer already is
// a Conflict.
func (s *Store) LinkTicketCustomer(ctx context.Context, a guanxi.Actor, ticketID guanxi.ID, version int64, customerID guanxi.ID) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.ticketInScope(ctx, tx, a, ticketID)
		if err != nil {
			return err
		}
		if cur != version {
			return guanxi.Stale(cur)
		}
		var has *guanxi.ID
		if err := tx.GetContext(ctx, &has, s.q.TicketCustomerOf, ticketID); err != nil {
			return wrap(err)
		}
		if has != nil {
			return guanxi.Conflict("public.customer_linked", nil)
		}
		if _, err := s.liveInScope(ctx, tx, a, customerID); err != nil {
			if guanxi.KindOf(err) == guanxi.KindNotFound {
				return guanxi.Invalid(guanxi.Field("customer_id", "ticket.customer_unknown"))
			}
			return err
		}
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.TicketLinkCustomer, customerID, now, ticketID, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Stale(cur)
		}
		ev := ticket.Event{TicketID: ticketID, At: now, ActorName: actorName(a), Action: "link_customer"}
		if a.UserID != 0 {
			uid := a.UserID
			ev.ActorID = &uid
		}
		if err := s.addEvent(ctx, tx, ev); err != nil {
			return err
		}
		e := audit.New(a, audit.ActionUpdate, "ticket", ticketID, map[string]any{"step": "link_customer"}).ForCustomer(customerID)
		return s.appendAudit(ctx, tx, e)
	})
}
