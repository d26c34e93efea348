package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/care"
)

type careQueries struct {
	CareRuleColumns     string `q:"care-rule-columns"`
	CareRuleList        string `q:"care-rule-list"`
	CareRuleGet         string `q:"care-rule-get"`
	CareRuleInsert      string `q:"care-rule-insert"`
	CareRuleUpdate      string `q:"care-rule-update"`
	CareRuleDelete      string `q:"care-rule-delete"`
	CareRuleVersion     string `q:"care-rule-version"`
	CareRuleRan         string `q:"care-rule-ran"`
	CareCandBirthday    string `q:"care-cand-birthday"`
	CareCandLunar       string `q:"care-cand-lunar"`
	CareCandAll         string `q:"care-cand-all"`
	CareCandAnniversary string `q:"care-cand-anniversary"`
	CareCandDue         string `q:"care-cand-due"`
	CareCandService     string `q:"care-cand-service"`
	CareCandDormancy    string `q:"care-cand-dormancy"`
	CareExisting        string `q:"care-existing"`
	CareEventInsert     string `q:"care-event-insert"`
	CareCapCount        string `q:"care-cap-count"`
	CareEventTask       string `q:"care-event-task"`
	CareEventList       string `q:"care-event-list"`
	CareTaskInfo        string `q:"care-task-info"`
	CareChurnResolve    string `q:"care-churn-resolve"`
	CareReasons         string `q:"care-reasons"`
	CareReasonUpsert    string `q:"care-reason-upsert"`
	CareReportReasons   string `q:"care-report-reasons"`
	CareReportOwners    string `q:"care-report-owners"`
	CareReportChurn     string `q:"care-report-churn"`
	CareReportBase      string `q:"care-report-base"`
}

// careSub is a marker of a care query with the SQL and arguments it
// stands for.
type careSub struct {
	marker string
	sql    string
	args   []any
}

// careSQL puts each marker's SQL in q and splices its arguments among the
// query's own at the marker's position, so markers may sit anywhere.
func (s *Store) careSQL(q string, args []any, subs ...careSub) (string, []any) {
	if s.dialect == Postgres {
		q = dollarParam.ReplaceAllString(q, "?")
	}
	for _, sub := range subs {
		i := strings.Index(q, sub.marker)
		if i < 0 {
			continue
		}
		n := strings.Count(q[:i], "?")
		out := make([]any, 0, len(args)+len(sub.args))
		out = append(out, args[:n]...)
		out = append(out, sub.args...)
		args = append(out, args[n:]...)
		q = q[:i] + sub.sql + q[i+len(sub.marker):]
	}
	return s.rebind(q), args
}

func scopeSub(a guanxi.Actor) careSub {
	pred, args := scopeSQL(a, "c")
	return careSub{"/*scope*/", pred, args}
}

func listSub(marker string, vs []any) careSub {
	if len(vs) == 0 {
		return careSub{marker, "NULL", nil}
	}
	return careSub{marker, strings.TrimSuffix(strings.Repeat("?, ", len(vs)), ", "), vs}
}

type careRuleRow struct {
	care.Rule
	ParamsJSON string `db:"params"`
}

func (r *careRuleRow) rule() (care.Rule, error) {
	out := r.Rule
	if err := json.Unmarshal([]byte(r.ParamsJSON), &out.Params); err != nil {
		return out, guanxi.Internal(err)
	}
	out.CreatedAt, out.UpdatedAt = out.CreatedAt.UTC(), out.UpdatedAt.UTC()
	utcPtr(out.LastRunAt)
	return out, nil
}

// ListCareRules returns the rules that are not deleted.
func (s *Store) ListCareRules(ctx context.Context) ([]care.Rule, error) {
	var rows []careRuleRow
	if err := s.r.SelectContext(ctx, &rows, s.q.CareRuleColumns+"\n"+s.q.CareRuleList); err != nil {
		return nil, wrap(err)
	}
	out := make([]care.Rule, 0, len(rows))
	for i := range rows {
		r, err := rows[i].rule()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Store) GetCareRule(ctx context.Context, id guanxi.ID) (care.Rule, error) {
	return s.getCareRule(ctx, s.r, id)
}

func (s *Store) getCareRule(ctx context.Context, q sqlx.QueryerContext, id guanxi.ID) (care.Rule, error) {
	var row careRuleRow
	if err := sqlx.GetContext(ctx, q, &row, s.q.CareRuleColumns+"\n"+s.q.CareRuleGet, id); err != nil {
		return care.Rule{}, notFound(err, "error.not_found")
	}
	return row.rule()
}

func ruleDetail(r *care.Rule) map[string]any {
	return map[string]any{"name": r.Name, "kind": r.Kind, "params": r.Params, "audience": r.Audience,
		"channel": r.Channel, "template": r.Template, "create_task": r.CreateTask, "lead_days": r.LeadDays,
		"quiet": r.QuietStart + "-" + r.QuietEnd, "cap": []int{r.CapCount, r.CapDays}, "enabled": r.Enabled}
}

// SaveCareRule inserts (ID 0) or updates a rule at version, audited.
func (s *Store) SaveCareRule(ctx context.Context, a guanxi.Actor, r *care.Rule, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		if r.ID == 0 {
			if a.UserID != 0 {
				by := a.UserID
				r.CreatedBy = &by
			}
			if err := tx.GetContext(ctx, &r.ID, s.q.CareRuleInsert, r.Name, r.Kind, r.ParamsJSON(), r.Audience, r.Channel,
				r.Template, b2i(r.CreateTask), r.TaskTitle, r.LeadDays, r.QuietStart, r.QuietEnd, r.CapCount, r.CapDays,
				b2i(r.Enabled), r.CreatedBy, now, now); err != nil {
				return wrap(err)
			}
			r.Version, r.CreatedAt, r.UpdatedAt = 1, now, now
			return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "care_rule", r.ID, ruleDetail(r)))
		}
		res, err := tx.ExecContext(ctx, s.q.CareRuleUpdate, r.Name, r.Kind, r.ParamsJSON(), r.Audience, r.Channel,
			r.Template, b2i(r.CreateTask), r.TaskTitle, r.LeadDays, r.QuietStart, r.QuietEnd, r.CapCount, r.CapDays,
			b2i(r.Enabled), now, r.ID, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.careStale(ctx, tx, res, r.ID); err != nil {
			return err
		}
		r.Version, r.UpdatedAt = version+1, now
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "care_rule", r.ID, ruleDetail(r)))
	})
}

// careStale turns an update that matched no row into NotFound or Stale.
func (s *Store) careStale(ctx context.Context, tx *sqlx.Tx, res interface{ RowsAffected() (int64, error) }, id guanxi.ID) error {
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var cur int64
	if err := tx.GetContext(ctx, &cur, s.q.CareRuleVersion, id); err != nil {
		return notFound(err, "error.not_found")
	}
	return guanxi.Stale(cur)
}

// DeleteCareRule removes a rule at version (its events stay).
func (s *Store) DeleteCareRule(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.CareRuleDelete, now, now, id, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.careStale(ctx, tx, res, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionDelete, "care_rule", id, nil))
	})
}

// ChurnReasons lists the reason codes.
func (s *Store) ChurnReasons(ctx context.Context) ([]care.Reason, error) {
	out := []care.Reason{}
	return out, wrap(s.r.SelectContext(ctx, &out, s.q.CareReasons))
}

// SaveChurnReason adds or changes a reason code, audited.
func (s *Store) SaveChurnReason(ctx context.Context, a guanxi.Actor, r care.Reason) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.CareReasonUpsert, r.Code, r.Label, r.Position, b2i(r.Active)); err != nil {
			return wrap(err)
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "care_churn_reason", 0,
			map[string]any{"code": r.Code, "label": r.Label, "active": r.Active}))
	})
}
