package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/renewal"
)

// renewalQueries serve renewal tracking (SUB-*). Holdings and records are
// read through their customer, so the customer scope decides what exists.
type renewalQueries struct {
	RenewalHolding      string `q:"renewal-holding"`
	RenewalDuePending   string `q:"renewal-due-pending"`
	RenewalDueDecided   string `q:"renewal-due-decided"`
	RenewalGet          string `q:"renewal-get"`
	RenewalExists       string `q:"renewal-exists"`
	RenewalHoldingState string `q:"renewal-holding-state"`
	RenewalHoldingMove  string `q:"renewal-holding-move"`
	RenewalInsert       string `q:"renewal-insert"`
	RenewalUpdate       string `q:"renewal-update"`
	RenewalVersion      string `q:"renewal-version"`
	RenewalMonthDecided string `q:"renewal-month-decided"`
	RenewalMonthPending string `q:"renewal-month-pending"`
	RenewalReasonCounts string `q:"renewal-reason-counts"`
	RenewalReasonList   string `q:"renewal-reason-list"`
	RenewalReasonInsert string `q:"renewal-reason-insert"`
	RenewalReasonUpdate string `q:"renewal-reason-update"`
	RenewalReasonGet    string `q:"renewal-reason-get"`
}

func decodeRenewalHolding(h *renewal.Holding) {
	h.Attrs = map[string]any{}
	_ = json.Unmarshal([]byte(h.AttrsJSON), &h.Attrs)
}

func (s *Store) GetRenewalHolding(ctx context.Context, a guanxi.Actor, id guanxi.ID) (renewal.Holding, error) {
	return s.renewalHolding(ctx, s.r, a, id)
}

func (s *Store) renewalHolding(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) (renewal.Holding, error) {
	var h renewal.Holding
	text, args := s.scoped(s.q.RenewalHolding, a, id)
	if err := sqlx.GetContext(ctx, q, &h, text, args...); err != nil {
		return h, notFound(err, "error.not_found")
	}
	decodeRenewalHolding(&h)
	return h, nil
}

func (s *Store) GetRenewal(ctx context.Context, a guanxi.Actor, id guanxi.ID) (renewal.Record, error) {
	return s.getRenewal(ctx, s.r, a, id)
}

func (s *Store) getRenewal(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID) (renewal.Record, error) {
	var r renewal.Record
	text, args := s.scoped(s.q.RenewalGet, a, id)
	if err := sqlx.GetContext(ctx, q, &r, text, args...); err != nil {
		return r, notFound(err, "error.not_found")
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

func reasonArg(r *renewal.Record) any {
	if r.ReasonCode == "" {
		return nil
	}
	return r.ReasonCode
}

// moveHolding sets the holding's due date and status if it is still at
// version and due date from; otherwise Stale (another write came first).
func (s *Store) moveHolding(ctx context.Context, tx *sqlx.Tx, id guanxi.ID, version int64, from, to, status string) error {
	res, err := tx.ExecContext(ctx, s.q.RenewalHoldingMove, to, status, s.nowUTC(), id, version, from)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var cur struct {
		Version int64  `db:"version"`
		DueOn   string `db:"due_on"`
	}
	if err := tx.GetContext(ctx, &cur, s.q.RenewalHoldingState, id); err != nil {
		return notFound(err, "error.not_found")
	}
	return guanxi.Stale(cur.Version)
}

// RecordRenewal decides the holding's current period; see renewal.Store.
func (s *Store) RecordRenewal(ctx context.Context, a guanxi.Actor, r *renewal.Record, holdingVersion int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		h, err := s.renewalHolding(ctx, tx, a, r.HoldingID)
		if err != nil {
			return err
		}
		if h.DueOn != r.DueOn {
			return guanxi.Conflict("renewal.not_current_period", map[string]any{"due": h.DueOn})
		}
		var existing guanxi.ID
		if err := tx.GetContext(ctx, &existing, s.q.RenewalExists, r.HoldingID, r.DueOn); err == nil {
			return guanxi.Conflict("renewal.already_decided", map[string]any{"due": r.DueOn})
		}
		to, status := h.DueOn, renewal.Lapsed
		if r.Outcome == renewal.Renewed {
			to, status = r.NewDueOn, renewal.Renewed
		}
		if err := s.moveHolding(ctx, tx, h.ID, holdingVersion, h.DueOn, to, status); err != nil {
			return err
		}
		now := s.nowUTC()
		if a.UserID != 0 {
			by := a.UserID
			r.RecordedBy = &by
		}
		if err := tx.GetContext(ctx, &r.ID, s.q.RenewalInsert, r.HoldingID, r.DueOn, r.Outcome, r.FeeMinor, r.Currency,
			r.NewDueOn, reasonArg(r), r.Note, r.RecordedBy, now, now); err != nil {
			if guanxi.KindOf(uniqueConflict(err)) == guanxi.KindConflict {
				return guanxi.Conflict("renewal.already_decided", map[string]any{"due": r.DueOn})
			}
			return wrap(err)
		}
		r.Version, r.CreatedAt, r.UpdatedAt, r.CustomerID = 1, now, now, h.CustomerID
		return s.appendAudit(ctx, tx,
			audit.New(a, audit.ActionRenewal, "renewal", r.ID, map[string]any{"holding_id": h.ID, "due_on": r.DueOn,
				"outcome": r.Outcome, "fee_minor": r.FeeMinor, "new_due_on": r.NewDueOn, "reason": r.ReasonCode}).ForCustomer(h.CustomerID),
			audit.New(a, audit.ActionUpdate, "holding", h.ID, map[string]any{"due_on": [2]string{h.DueOn, to},
				"status": [2]string{h.Status, status}}).ForCustomer(h.CustomerID))
	})
}

// CorrectRenewal rewrites a record; see renewal.Store. The holding's due
// date follows the change only while it still stands where the record
// left it.
func (s *Store) CorrectRenewal(ctx context.Context, a guanxi.Actor, r *renewal.Record, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.getRenewal(ctx, tx, a, r.ID)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return guanxi.Stale(cur.Version)
		}
		h, err := s.renewalHolding(ctx, tx, a, cur.HoldingID)
		if err != nil {
			return err
		}
		// Where the holding stands after the old and after the new decision.
		was, will := cur.DueOn, r.DueOn
		if cur.Outcome == renewal.Renewed {
			was = cur.NewDueOn
		}
		status := renewal.Lapsed
		if r.Outcome == renewal.Renewed {
			will, status = r.NewDueOn, renewal.Renewed
		}
		if was != will || cur.Outcome != r.Outcome {
			if h.DueOn != was {
				return guanxi.Conflict("renewal.later_period", map[string]any{"due": h.DueOn})
			}
			if err := s.moveHolding(ctx, tx, h.ID, h.Version, was, will, status); err != nil {
				return err
			}
		}
		now := s.nowUTC()
		if a.UserID != 0 {
			by := a.UserID
			r.RecordedBy = &by
		}
		res, err := tx.ExecContext(ctx, s.q.RenewalUpdate, r.Outcome, r.FeeMinor, r.Currency, r.NewDueOn, reasonArg(r),
			r.Note, r.RecordedBy, now, r.ID, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.RenewalVersion, r.ID); err != nil {
			return err
		}
		r.Version, r.UpdatedAt, r.CreatedAt = version+1, now, cur.CreatedAt
		entries := []audit.Entry{audit.New(a, audit.ActionRenewal, "renewal", r.ID, map[string]any{
			"holding_id": h.ID, "due_on": r.DueOn, "correction": true,
			"outcome": [2]string{cur.Outcome, r.Outcome}, "fee_minor": [2]int64{cur.FeeMinor, r.FeeMinor},
			"new_due_on": [2]string{cur.NewDueOn, r.NewDueOn}, "reason": [2]string{cur.ReasonCode, r.ReasonCode},
		}).ForCustomer(h.CustomerID)}
		if was != will || cur.Outcome != r.Outcome {
			entries = append(entries, audit.New(a, audit.ActionUpdate, "holding", h.ID, map[string]any{
				"due_on": [2]string{was, will}, "status": [2]string{h.Status, status}}).ForCustomer(h.CustomerID))
		}
		return s.appendAudit(ctx, tx, entries...)
	})
}

// RenewalFigures counts the periods due in [from, to) by month and outcome
// (pending ones included) and the lapsed ones by reason.
func (s *Store) RenewalFigures(ctx context.Context, a guanxi.Actor, q renewal.ReportQuery, from, to string) ([]renewal.MonthCount, []renewal.ReasonCount, error) {
	var counts, pending []renewal.MonthCount
	text, args := s.scoped(s.q.RenewalMonthDecided, a, from, to, q.Kind, q.Kind, q.OwnerID, q.OwnerID)
	if err := s.r.SelectContext(ctx, &counts, text, args...); err != nil {
		return nil, nil, wrap(err)
	}
	text, args = s.scoped(s.q.RenewalMonthPending, a, from, to, q.Kind, q.Kind, q.OwnerID, q.OwnerID)
	if err := s.r.SelectContext(ctx, &pending, text, args...); err != nil {
		return nil, nil, wrap(err)
	}
	reasons := []renewal.ReasonCount{}
	text, args = s.scoped(s.q.RenewalReasonCounts, a, from, to, q.Kind, q.Kind, q.OwnerID, q.OwnerID)
	if err := s.r.SelectContext(ctx, &reasons, text, args...); err != nil {
		return nil, nil, wrap(err)
	}
	return append(counts, pending...), reasons, nil
}

func (s *Store) ListRenewalReasons(ctx context.Context) ([]renewal.Reason, error) {
	out := []renewal.Reason{}
	if err := s.r.SelectContext(ctx, &out, s.q.RenewalReasonList); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].CreatedAt, out[i].UpdatedAt = out[i].CreatedAt.UTC(), out[i].UpdatedAt.UTC()
	}
	return out, nil
}

// SaveRenewalReason inserts (version 0) or updates a reason at version.
func (s *Store) SaveRenewalReason(ctx context.Context, a guanxi.Actor, r *renewal.Reason, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		action := audit.ActionCreate
		if version == 0 {
			var got struct {
				Code    string `db:"code"`
				Version int64  `db:"version"`
			}
			if err := tx.GetContext(ctx, &got, s.q.RenewalReasonGet, r.Code); err == nil {
				return guanxi.Invalid(guanxi.Field("code", "validation.taken"))
			}
			if _, err := tx.ExecContext(ctx, s.q.RenewalReasonInsert, r.Code, r.NameZh, r.NameEn, r.Position, b2i(r.Active), now, now); err != nil {
				if guanxi.KindOf(uniqueConflict(err)) == guanxi.KindConflict {
					return guanxi.Invalid(guanxi.Field("code", "validation.taken"))
				}
				return wrap(err)
			}
			r.Version, r.CreatedAt = 1, now
		} else {
			action = audit.ActionUpdate
			res, err := tx.ExecContext(ctx, s.q.RenewalReasonUpdate, r.NameZh, r.NameEn, r.Position, b2i(r.Active), now, r.Code, version)
			if err != nil {
				return wrap(err)
			}
			if err := s.staleOrMissing(ctx, tx, res, s.q.RenewalReasonGet, r.Code); err != nil {
				return err
			}
			r.Version = version + 1
		}
		r.UpdatedAt = now
		return s.appendAudit(ctx, tx, audit.New(a, action, "renewal_reason", 0,
			map[string]any{"code": r.Code, "name_zh": r.NameZh, "active": r.Active}))
	})
}
