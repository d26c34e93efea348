package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

func (s *Store) slaQueries(kind ticket.SLAKind) (due, claim string) {
	switch kind {
	case ticket.SLAFirstResponseWarning:
		return s.q.SLADueFRWarn, s.q.SLAClaimFRWarn
	case ticket.SLAFirstResponseBreach:
		return s.q.SLADueFRBreach, s.q.SLAClaimFRBreach
	case ticket.SLAResolutionWarning:
		return s.q.SLADueResWarn, s.q.SLAClaimResWarn
	case ticket.SLAResolutionBreach:
		return s.q.SLADueResBreach, s.q.SLAClaimResBreach
	case ticket.SLAEscalation:
		return s.q.SLADueEscalation, s.q.SLAClaimEscalation
	case ticket.SLAOmbudsman:
		return s.q.SLADueOmbudsman, s.q.SLAClaimOmbudsman
	}
	return "", ""
}

// SLADue lists tickets whose check is due and not done. The job acts for
// the system, so no actor scope applies.
func (s *Store) SLADue(ctx context.Context, kind ticket.SLAKind, now time.Time, limit int) ([]ticket.SLACandidate, error) {
	due, _ := s.slaQueries(kind)
	if due == "" {
		return nil, guanxi.Invalid(guanxi.Field("kind", "validation.enum"))
	}
	var out []ticket.SLACandidate
	if err := s.r.SelectContext(ctx, &out, withLimit(due, limit), now.UTC()); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].Due = out[i].Due.UTC()
	}
	return out, nil
}

// SLAApply claims each candidate with a conditional UPDATE (a second server
// finds the condition false and skips it), records the event once (unique
// key, ON CONFLICT DO NOTHING) and notifies the assignee and its manager,
// all in one transaction. Statements are prepared once per batch: the job
// may claim tens of thousands of tickets after an outage.
func (s *Store) SLAApply(ctx context.Context, kind ticket.SLAKind, cs []ticket.SLACandidate, now time.Time) (int, error) {
	_, claim := s.slaQueries(kind)
	now = now.UTC()
	job := guanxi.SystemActor("sla")
	claimed := 0
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		prep := func(q string) (*sqlx.Stmt, error) { return tx.PreparexContext(ctx, q) }
		var st [4]*sqlx.Stmt
		for i, q := range []string{claim, s.q.SLAEventInsert, s.q.TicketEventInsert, s.q.NotificationInsert} {
			var err error
			if st[i], err = prep(q); err != nil {
				return wrap(err)
			}
			defer st[i].Close()
		}
		claimSt, slaSt, eventSt, noteSt := st[0], st[1], st[2], st[3]
		var entries []audit.Entry
		// Managers by assignee and unit, looked up once per batch.
		type who struct {
			assignee guanxi.ID
			path     string
			chain    bool
		}
		managers := map[who][]guanxi.ID{}
		for _, c := range cs {
			var res interface{ RowsAffected() (int64, error) }
			var err error
			if kind == ticket.SLAEscalation {
				var next any
				if !c.Next.IsZero() {
					next = c.Next.UTC()
				}
				res, err = claimSt.ExecContext(ctx, next, now, c.TicketID, c.Level)
			} else {
				res, err = claimSt.ExecContext(ctx, now, c.TicketID)
			}
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				continue // another server got there first, or the ticket moved on
			}
			claimed++
			args := map[string]any{"number": c.Number}
			if kind == ticket.SLAEscalation {
				level := c.Level + 1
				args["level"] = level
				if _, err := tx.ExecContext(ctx, s.q.EscalationInsert, c.TicketID, c.Cycle, level, c.Due, now); err != nil {
					return wrap(err)
				}
				if _, err := eventSt.ExecContext(ctx, c.TicketID, now, nil, "SLA", string(ticket.StepEscalate), "", "",
					"L"+itoa(c.Level)+" → L"+itoa(level)); err != nil {
					return wrap(err)
				}
				entries = append(entries, audit.New(job, audit.ActionUpdate, "ticket", c.TicketID,
					map[string]any{"step": "escalate", "level": level}))
			} else {
				if _, err := slaSt.ExecContext(ctx, c.TicketID, string(kind), c.Cycle, c.Due, now); err != nil {
					return wrap(err)
				}
				if kind == ticket.SLAFirstResponseBreach || kind == ticket.SLAResolutionBreach || kind == ticket.SLAOmbudsman {
					if _, err := eventSt.ExecContext(ctx, c.TicketID, now, nil, "SLA", string(kind), "", "", ""); err != nil {
						return wrap(err)
					}
				}
			}
			// The last level reaches every manager up the tree.
			key := who{path: c.OrgUnitPath, chain: kind == ticket.SLAEscalation && c.Next.IsZero()}
			if c.AssigneeID != nil {
				key.assignee = *c.AssigneeID
			}
			mgrs, ok := managers[key]
			if !ok {
				if mgrs, err = s.managersUp(ctx, tx, c.AssigneeID, c.OrgUnitPath, key.chain); err != nil {
					return err
				}
				managers[key] = mgrs
			}
			users := mgrs
			if c.AssigneeID != nil {
				users = append([]guanxi.ID{*c.AssigneeID}, mgrs...)
			}
			dedupe := string(kind) + ":" + itoa(int(c.TicketID)) + ":" + itoa(c.Cycle) + ":" + itoa(c.Level)
			argText, _ := json.Marshal(args)
			seen := map[guanxi.ID]bool{}
			for _, u := range users {
				if seen[u] {
					continue
				}
				seen[u] = true
				if _, err := noteSt.ExecContext(ctx, u, string(kind), c.TicketID, string(argText), dedupe, now); err != nil {
					return wrap(err)
				}
			}
		}
		return s.appendAudit(ctx, tx, entries...)
	})
	return claimed, err
}
