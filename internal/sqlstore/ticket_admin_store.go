package sqlstore

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// Notices lists the rectification notices of a ticket in scope.
func (s *Store) Notices(ctx context.Context, a guanxi.Actor, ticketID guanxi.ID) ([]ticket.Notice, error) {
	if _, err := s.ticketInScope(ctx, s.r, a, ticketID); err != nil {
		return nil, err
	}
	var out []ticket.Notice
	if err := s.r.SelectContext(ctx, &out, s.q.NoticeColumns, ticketID); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		n := &out[i]
		n.CreatedAt, n.UpdatedAt = n.CreatedAt.UTC(), n.UpdatedAt.UTC()
		utcPtr(n.RespondedAt)
		utcPtr(n.VerifiedAt)
	}
	return out, nil
}

// CreateNotice issues a rectification notice on a ticket in scope and
// notifies the unit's managers.
func (s *Store) CreateNotice(ctx context.Context, a guanxi.Actor, n *ticket.Notice) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		t, err := s.GetTicketTx(ctx, tx, a, n.TicketID)
		if err != nil {
			return err
		}
		var path string
		if err := tx.GetContext(ctx, &path, s.q.TicketUnitPath, n.OrgUnitID); err != nil {
			return guanxi.Invalid(guanxi.Field("org_unit_id", "staff.unit_unknown"))
		}
		now := s.nowUTC()
		n.CreatedAt, n.UpdatedAt, n.Version = now, now, 1
		if a.UserID != 0 {
			by := a.UserID
			n.CreatedBy = &by
		}
		if err := tx.GetContext(ctx, &n.ID, s.q.NoticeInsert, n.TicketID, n.OrgUnitID, n.Problem, n.Requirement,
			n.Deadline, n.Status, n.CreatedBy, now, now); err != nil {
			return wrap(err)
		}
		if err := s.addEvent(ctx, tx, ticket.Event{TicketID: t.ID, At: now, ActorID: n.CreatedBy, ActorName: actorName(a),
			Action: "notice_issue", FromStatus: string(t.Status), ToStatus: string(t.Status), Note: n.Problem}); err != nil {
			return err
		}
		mgrs, err := s.managersOf(ctx, tx, nil, path)
		if err != nil {
			return err
		}
		if err := s.notifyUsers(ctx, tx, mgrs, "notice", t.ID, map[string]any{"number": t.Number, "deadline": n.Deadline}, ""); err != nil {
			return err
		}
		e := audit.New(a, audit.ActionCreate, "rectification_notice", n.ID, map[string]any{"ticket_id": t.ID, "org_unit_id": n.OrgUnitID})
		if t.CustomerID != nil {
			e = e.ForCustomer(*t.CustomerID)
		}
		return s.appendAudit(ctx, tx, e)
	})
}

// UpdateNotice stores a notice step at version with the ticket event.
func (s *Store) UpdateNotice(ctx context.Context, a guanxi.Actor, n *ticket.Notice, version int64, ev ticket.Event) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		t, err := s.GetTicketTx(ctx, tx, a, n.TicketID)
		if err != nil {
			return err
		}
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.NoticeUpdate, n.Status, n.Response, n.RespondedAt, n.VerifyNote, n.VerifiedAt,
			now, n.ID, n.TicketID, version)
		if err != nil {
			return wrap(err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return guanxi.Stale(version + 1)
		}
		n.Version, n.UpdatedAt = version+1, now
		ev.FromStatus, ev.ToStatus = string(t.Status), string(t.Status)
		if err := s.addEvent(ctx, tx, ev); err != nil {
			return err
		}
		e := audit.New(a, audit.ActionUpdate, "rectification_notice", n.ID, map[string]any{"ticket_id": t.ID, "status": n.Status})
		if t.CustomerID != nil {
			e = e.ForCustomer(*t.CustomerID)
		}
		return s.appendAudit(ctx, tx, e)
	})
}

// Categories returns the category tree in display order, parents first,
// with each node's depth.
func (s *Store) Categories(ctx context.Context) ([]ticket.Category, error) {
	var flat []ticket.Category
	if err := s.r.SelectContext(ctx, &flat, s.q.TicketCategories); err != nil {
		return nil, wrap(err)
	}
	children := map[guanxi.ID][]ticket.Category{}
	for _, c := range flat {
		var p guanxi.ID
		if c.ParentID != nil {
			p = *c.ParentID
		}
		children[p] = append(children[p], c)
	}
	out := make([]ticket.Category, 0, len(flat))
	var walk func(p guanxi.ID, depth int)
	walk = func(p guanxi.ID, depth int) {
		for _, c := range children[p] {
			if depth > 8 {
				return
			}
			c.Depth = depth
			out = append(out, c)
			walk(c.ID, depth+1)
		}
	}
	walk(0, 0)
	return out, nil
}

// SaveCategory creates (ID 0) or renames a category at version.
func (s *Store) SaveCategory(ctx context.Context, a guanxi.Actor, c *ticket.Category, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		action := audit.ActionUpdate
		if c.ID == 0 {
			action = audit.ActionCreate
			if err := tx.GetContext(ctx, &c.ID, s.q.TicketCategoryInsert, c.ParentID, c.Code, c.NameZh, c.NameEn,
				c.Position, now, now); err != nil {
				if strings.Contains(strings.ToLower(err.Error()), "unique") || strings.Contains(err.Error(), "duplicate key") {
					return guanxi.Invalid(guanxi.Field("code", "ticket.category_code_taken"))
				}
				return wrap(err)
			}
			c.Version = 1
		} else {
			res, err := tx.ExecContext(ctx, s.q.TicketCategoryUpdate, c.NameZh, c.NameEn, c.Position, now, c.ID, version)
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return guanxi.Stale(version + 1)
			}
			c.Version = version + 1
		}
		return s.appendAudit(ctx, tx, audit.New(a, action, "ticket_category", c.ID, map[string]any{"code": c.Code, "name": c.NameZh}))
	})
}

// Policies returns every SLA policy.
func (s *Store) Policies(ctx context.Context) ([]ticket.Policy, error) {
	var out []ticket.Policy
	if err := s.r.SelectContext(ctx, &out, s.q.SLAPolicies); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].UpdatedAt = out[i].UpdatedAt.UTC()
	}
	return out, nil
}

// SavePolicy creates (ID 0) or updates a policy at version.
func (s *Store) SavePolicy(ctx context.Context, a guanxi.Actor, p *ticket.Policy, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		action := audit.ActionUpdate
		var err error
		if p.ID == 0 {
			action = audit.ActionCreate
			err = tx.GetContext(ctx, &p.ID, s.q.SLAPolicyInsert, p.CategoryID, p.Severity, p.FirstResponse,
				p.FirstResponseUnit, p.Resolution, p.ResolutionUnit, now, now)
			p.Version = 1
		} else {
			var res interface{ RowsAffected() (int64, error) }
			res, err = tx.ExecContext(ctx, s.q.SLAPolicyUpdate, p.CategoryID, p.Severity, p.FirstResponse,
				p.FirstResponseUnit, p.Resolution, p.ResolutionUnit, now, p.ID, version)
			if err == nil {
				if n, _ := res.RowsAffected(); n != 1 {
					var cur int64
					if gerr := tx.GetContext(ctx, &cur, s.q.SLAPolicyVersion, p.ID); gerr != nil {
						return guanxi.NotFound("error.not_found")
					}
					return guanxi.Stale(cur)
				}
			}
			p.Version = version + 1
		}
		if err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "unique") || strings.Contains(err.Error(), "duplicate key") {
				return guanxi.Invalid(guanxi.Field("severity", "ticket.policy_exists"))
			}
			return wrap(err)
		}
		p.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, action, "sla_policy", p.ID, map[string]any{
			"category_id": p.CategoryID, "severity": p.Severity, "first_response": p.FirstResponse,
			"first_response_unit": p.FirstResponseUnit, "resolution": p.Resolution, "resolution_unit": p.ResolutionUnit}))
	})
}

// DeletePolicy removes a policy at version.
func (s *Store) DeletePolicy(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.SLAPolicyDelete, id, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var cur int64
			if gerr := tx.GetContext(ctx, &cur, s.q.SLAPolicyVersion, id); gerr != nil {
				return guanxi.NotFound("error.not_found")
			}
			return guanxi.Stale(cur)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionDelete, "sla_policy", id, nil))
	})
}
