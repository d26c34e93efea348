package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/care"
	"github.com/guanxi-crm/guanxi/internal/outbox"
)

// careCandRow adds the raw activity columns: MAX() over a timestamp is
// text on SQLite, so they are parsed here.
type careCandRow struct {
	care.Candidate
	Created any `db:"created"`
	Last    any `db:"last_at"`
	Last2   any `db:"last_at2"`
}

// dbTime reads a timestamp column or aggregate on either engine.
func dbTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case []byte:
		return dbTime(string(x))
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano,
			"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

func strs(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// CareCandidates reads one keyset page of a rule's candidates.
func (s *Store) CareCandidates(ctx context.Context, r care.Rule, q care.Query) ([]care.Candidate, error) {
	node, err := r.Filter()
	if err != nil {
		return nil, err
	}
	pred, aargs, err := s.filterSQL(node, "c")
	if err != nil {
		return nil, err
	}
	aud := careSub{"/*audience*/", "(" + pred + ")", aargs}
	md := func() (string, string) {
		if len(q.MonthDays) == 0 {
			return "", ""
		}
		return q.MonthDays[0], q.MonthDays[len(q.MonthDays)-1]
	}
	var text string
	var args []any
	switch r.Kind {
	case care.KindBirthday:
		if q.Lunar {
			text, args = s.careSQL(s.q.CareCandLunar, []any{q.After}, aud)
		} else {
			a, b := md()
			text, args = s.careSQL(s.q.CareCandBirthday, []any{a, b, q.After, r.ID, q.Occurrence}, aud)
		}
	case care.KindFestival:
		text, args = s.careSQL(s.q.CareCandAll, []any{q.After, r.ID, q.Occurrence}, aud)
	case care.KindAnniversary:
		a, b := md()
		text, args = s.careSQL(s.q.CareCandAnniversary, []any{a, b, q.Year + "-01-01", q.After},
			listSub("/*kinds*/", strs(q.HoldingKinds)), aud)
	case care.KindExpiry, care.KindLoanDue:
		text, args = s.careSQL(s.q.CareCandDue, []any{q.DueFrom, q.DueTo, q.After},
			listSub("/*kinds*/", strs(q.HoldingKinds)), aud)
	case care.KindServiceDue:
		text, args = s.careSQL(s.q.CareCandService, []any{q.After}, aud)
	case care.KindDormancy:
		before := q.Before.UTC()
		text, args = s.careSQL(s.q.CareCandDormancy, []any{q.Activity, q.After, before, before, q.Activity, before,
			r.ID, before}, aud)
	default:
		return nil, guanxi.Invalid(guanxi.Field("kind", "validation.enum"))
	}
	text = withLimit(text, q.Limit)
	var rows []careCandRow
	if err := s.r.SelectContext(ctx, &rows, text, args...); err != nil {
		return nil, wrap(err)
	}
	out := make([]care.Candidate, len(rows))
	for i, row := range rows {
		c := row.Candidate
		var last time.Time
		for _, v := range []any{row.Created, row.Last, row.Last2} {
			if t, ok := dbTime(v); ok && t.After(last) {
				last = t
			}
		}
		if !last.IsZero() {
			c.LastAt = &last
		}
		out[i] = c
	}
	// Care messages are gated by the ledger's care purpose: rewrite each
	// candidate's consent map to the effective one.
	return out, s.careConsent(ctx, out)
}

type careKey struct {
	customer guanxi.ID
	occ      string
}

// FireCare records each new occurrence with its task and message in one
// transaction. A read first drops the occurrences already recorded, so a
// repeated run writes nothing; the UNIQUE key makes a concurrent run's
// insert a no-op, and only an inserted event makes its task and message.
func (s *Store) FireCare(ctx context.Context, r care.Rule, fs []care.Fire) (care.Result, error) {
	var res care.Result
	ids := make([]any, 0, len(fs))
	seen := map[guanxi.ID]bool{}
	for _, f := range fs {
		if !seen[f.CustomerID] {
			seen[f.CustomerID] = true
			ids = append(ids, f.CustomerID)
		}
	}
	text, args := s.careSQL(s.q.CareExisting, []any{r.ID}, listSub("/*ids*/", ids))
	var existing []struct {
		CustomerID guanxi.ID `db:"customer_id"`
		Occurrence string    `db:"occurrence"`
	}
	if err := s.r.SelectContext(ctx, &existing, text, args...); err != nil {
		return res, wrap(err)
	}
	done := map[careKey]bool{}
	for _, e := range existing {
		done[careKey{e.CustomerID, e.Occurrence}] = true
	}
	todo := fs[:0:0]
	for _, f := range fs {
		if k := (careKey{f.CustomerID, f.Occurrence}); !done[k] {
			done[k] = true
			todo = append(todo, f)
		}
	}
	if len(todo) == 0 {
		return res, nil
	}
	sys := guanxi.SystemActor("care")
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		res = care.Result{}
		now := s.nowUTC()
		// A page writes up to three rows per occurrence: prepare once,
		// as parsing each statement again dominated the run on SQLite.
		var stmts [4]*sqlx.Stmt
		for i, q := range []string{s.q.CareEventInsert, s.q.TaskInsert, s.q.CareEventTask, s.q.CareCapCount} {
			st, err := tx.PreparexContext(ctx, q)
			if err != nil {
				return wrap(err)
			}
			defer st.Close()
			stmts[i] = st
		}
		insEvent, insTask, linkTask, capCount := stmts[0], stmts[1], stmts[2], stmts[3]
		for _, f := range todo {
			status := f.Status
			if status == care.EventFired && r.Channel != care.ChannelNone && r.CapCount > 0 {
				var n int
				if err := capCount.GetContext(ctx, &n, f.CustomerID, now.AddDate(0, 0, -r.CapDays)); err != nil {
					return wrap(err)
				}
				if n >= r.CapCount {
					status = care.EventCapped
				}
			}
			var id guanxi.ID
			err := insEvent.GetContext(ctx, &id, r.ID, f.CustomerID, f.Occurrence, r.Kind, f.EventOn,
				status, f.Reason, r.Channel, f.OwnerID, now)
			if errors.Is(err, sql.ErrNoRows) {
				continue // another run recorded it first
			}
			if err != nil {
				return wrap(err)
			}
			switch status {
			case care.EventFired:
				res.Fired++
			case care.EventSuppressed:
				res.Suppressed++
			case care.EventCapped:
				res.Capped++
			}
			if f.Task != nil {
				t := *f.Task
				if err := insTask.GetContext(ctx, &t.ID, t.Kind, t.Title, t.Notes, t.CustomerID, t.OwnerID,
					t.DueOn, nil, now, now); err != nil {
					return wrap(err)
				}
				if _, err := linkTask.ExecContext(ctx, t.ID, id); err != nil {
					return wrap(err)
				}
				res.Tasks++
			}
			if status == care.EventFired && r.Channel != care.ChannelNone {
				cid, ref := f.CustomerID, id
				if _, err := s.enqueueMessageTx(ctx, tx, outbox.Message{Channel: r.Channel, Purpose: outbox.PurposeCare,
					CustomerID: &cid, Template: f.Template, Vars: f.Vars, SendAfter: f.SendAfter,
					IdemKey: "care:" + strconv.FormatInt(int64(id), 10), RefKind: "care_event", RefID: &ref}); err != nil {
					return err
				}
				res.Messages++
			}
		}
		if res.Fired+res.Suppressed+res.Capped == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, audit.New(sys, audit.ActionCreate, "care_event", 0,
			map[string]any{"rule_id": r.ID, "fired": res.Fired, "suppressed": res.Suppressed, "capped": res.Capped,
				"tasks": res.Tasks, "messages": res.Messages}))
	})
	if err != nil {
		return care.Result{}, err
	}
	return res, nil
}

// MarkCareRun notes when a rule last ran.
func (s *Store) MarkCareRun(ctx context.Context, id guanxi.ID, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q.CareRuleRan, at.UTC(), id)
	return wrap(err)
}

// AuditCareRun records a run started by hand.
func (s *Store) AuditCareRun(ctx context.Context, a guanxi.Actor, id guanxi.ID, res care.Result) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCareRun, "care_rule", id, res))
	})
}
