package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

type surveyQueries struct {
	SurveyTemplateListUse    string `q:"survey-template-list-use"`
	SurveyTemplateListManage string `q:"survey-template-list-manage"`
	SurveyTemplateGetUse     string `q:"survey-template-get-use"`
	SurveyTemplateGetManage  string `q:"survey-template-get-manage"`
	SurveyUnitManageable     string `q:"survey-unit-manageable"`
	SurveyTemplateInsert     string `q:"survey-template-insert"`
	SurveyTemplateUpdate     string `q:"survey-template-update"`
	SurveyTemplateVersionRow string `q:"survey-template-version-row"`
	SurveyVersionInsert      string `q:"survey-version-insert"`
	SurveyVersionUpdateItems string `q:"survey-version-update-items"`
	SurveyVersionGet         string `q:"survey-version-get"`
	SurveyRequestInsert      string `q:"survey-request-insert"`
	SurveyRequestGet         string `q:"survey-request-get"`
	SurveyRequestList        string `q:"survey-request-list"`
	SurveyRequestByToken     string `q:"survey-request-by-token"`
	SurveyRequestAnswered    string `q:"survey-request-answered"`
	SurveyAnswerInsert       string `q:"survey-answer-insert"`
	SurveyAnswerItemInsert   string `q:"survey-answer-item-insert"`
	SurveyAnswerSetTicket    string `q:"survey-answer-set-ticket"`
	SurveyAnswerGet          string `q:"survey-answer-get"`
	SurveyAnswerList         string `q:"survey-answer-list"`
	SurveyAnswerPending      string `q:"survey-answer-pending"`
	SurveyAnswerItems        string `q:"survey-answer-items"`
}

type templateRow struct {
	survey.Template
	ItemsJSON string `db:"items"`
}

func (r templateRow) decode() (survey.Template, error) {
	t := r.Template
	return t, json.Unmarshal([]byte(r.ItemsJSON), &t.Items)
}

// orgArgs are the parameters of the template org-unit rule: full scope,
// the actor's subtree pattern and (for use) the actor's own path.
func orgArgs(a guanxi.Actor, manage bool) []any {
	all := b2i(a.Scope() == guanxi.ScopeAll)
	if manage {
		return []any{all, a.OrgPath + "%"}
	}
	return []any{all, a.OrgPath + "%", a.OrgPath}
}

func (s *Store) ListTemplates(ctx context.Context, a guanxi.Actor, manage bool) ([]survey.Template, error) {
	q := s.q.SurveyTemplateListUse
	if manage {
		q = s.q.SurveyTemplateListManage
	}
	var rows []templateRow
	if err := s.r.SelectContext(ctx, &rows, q, orgArgs(a, manage)...); err != nil {
		return nil, wrap(err)
	}
	out := make([]survey.Template, 0, len(rows))
	for _, r := range rows {
		t, err := r.decode()
		if err != nil {
			return nil, guanxi.Internal(err)
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *Store) GetTemplate(ctx context.Context, a guanxi.Actor, id guanxi.ID, manage bool) (survey.Template, error) {
	return s.getTemplate(ctx, s.r, a, id, manage)
}

func (s *Store) getTemplate(ctx context.Context, q sqlx.QueryerContext, a guanxi.Actor, id guanxi.ID, manage bool) (survey.Template, error) {
	text := s.q.SurveyTemplateGetUse
	if manage {
		text = s.q.SurveyTemplateGetManage
	}
	var row templateRow
	if err := sqlx.GetContext(ctx, q, &row, text, append([]any{id}, orgArgs(a, manage)...)...); err != nil {
		return survey.Template{}, notFound(err, "error.not_found")
	}
	t, err := row.decode()
	if err != nil {
		return t, guanxi.Internal(err)
	}
	return t, nil
}

// manageableUnit checks that the owning unit is in the actor's subtree.
func (s *Store) manageableUnit(ctx context.Context, tx *sqlx.Tx, a guanxi.Actor, unit guanxi.ID) error {
	var id guanxi.ID
	args := append([]any{unit}, orgArgs(a, true)...)
	if err := tx.GetContext(ctx, &id, s.q.SurveyUnitManageable, args...); err != nil {
		return notFoundAsInvalid(err, "org_unit_id")
	}
	return nil
}

func notFoundAsInvalid(err error, field string) error {
	if guanxi.KindOf(notFound(err, "")) == guanxi.KindNotFound {
		return guanxi.Invalid(guanxi.Field(field, "survey.org_unit"))
	}
	return wrap(err)
}

func itemsJSON(items []survey.Item) string {
	b, _ := json.Marshal(items)
	return string(b)
}

func nullID(id guanxi.ID) *guanxi.ID {
	if id == 0 {
		return nil
	}
	return &id
}

func (s *Store) CreateTemplate(ctx context.Context, a guanxi.Actor, t *survey.Template) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := s.manageableUnit(ctx, tx, a, t.OrgUnitID); err != nil {
			return err
		}
		now := s.nowUTC()
		if err := tx.GetContext(ctx, &t.ID, s.q.SurveyTemplateInsert, t.OrgUnitID, t.Name, t.Description, t.Status,
			nullID(a.UserID), now, now); err != nil {
			return wrap(err)
		}
		if err := tx.GetContext(ctx, &t.VersionID, s.q.SurveyVersionInsert, t.ID, 1, itemsJSON(t.Items), nullID(a.UserID), now); err != nil {
			return wrap(err)
		}
		t.Revision, t.Version, t.CreatedAt, t.UpdatedAt, t.CreatedBy = 1, 1, now, now, a.UserID
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "survey_template", t.ID,
			map[string]any{"name": t.Name, "revision": 1, "items": len(t.Items)}))
	})
}

// UpdateTemplate writes the items into the current version while no request
// uses it, else into a new revision; answers keep their own version.
func (s *Store) UpdateTemplate(ctx context.Context, a guanxi.Actor, t *survey.Template, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		cur, err := s.getTemplate(ctx, tx, a, t.ID, true)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return guanxi.Stale(cur.Version)
		}
		if t.OrgUnitID != cur.OrgUnitID {
			if err := s.manageableUnit(ctx, tx, a, t.OrgUnitID); err != nil {
				return err
			}
		}
		now := s.nowUTC()
		revision := cur.Revision
		itemsChanged := itemsJSON(t.Items) != itemsJSON(cur.Items)
		if itemsChanged {
			res, err := tx.ExecContext(ctx, s.q.SurveyVersionUpdateItems, itemsJSON(t.Items), cur.VersionID)
			if err != nil {
				return wrap(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				// The current version has been sent: start the next one.
				revision++
				if err := tx.GetContext(ctx, &t.VersionID, s.q.SurveyVersionInsert, t.ID, revision, itemsJSON(t.Items),
					nullID(a.UserID), now); err != nil {
					return wrap(err)
				}
			}
		}
		res, err := tx.ExecContext(ctx, s.q.SurveyTemplateUpdate, t.OrgUnitID, t.Name, t.Description, t.Status,
			revision, now, t.ID, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.SurveyTemplateVersionRow, t.ID); err != nil {
			return err
		}
		t.Revision, t.Version, t.UpdatedAt = revision, version+1, now
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "survey_template", t.ID,
			map[string]any{"name": t.Name, "status": t.Status, "revision": revision, "items_changed": itemsChanged}))
	})
}

type versionRow struct {
	survey.Version
	ItemsJSON string `db:"items"`
}

func (s *Store) TemplateVersion(ctx context.Context, id guanxi.ID) (survey.Version, error) {
	var row versionRow
	if err := s.r.GetContext(ctx, &row, s.q.SurveyVersionGet, id); err != nil {
		return survey.Version{}, notFound(err, "error.not_found")
	}
	v := row.Version
	if err := json.Unmarshal([]byte(row.ItemsJSON), &v.Items); err != nil {
		return v, guanxi.Internal(err)
	}
	return v, nil
}

func (s *Store) CreateRequest(ctx context.Context, a guanxi.Actor, r *survey.Request) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := s.liveInScope(ctx, tx, a, r.CustomerID); err != nil {
			return err
		}
		// The service's clock stamps the request and the answer, as the
		// ticket store does for a registration.
		now := stamp(r.CreatedAt, s.nowUTC())
		var exp *time.Time
		if r.ExpiresAt != nil {
			e := r.ExpiresAt.UTC().Truncate(time.Microsecond)
			exp = &e
		}
		if err := tx.GetContext(ctx, &r.ID, s.q.SurveyRequestInsert, r.CustomerID, r.TemplateID, r.VersionID, r.Channel,
			r.TokenHash, exp, nullID(r.CreatedBy), nullID(r.OrgUnitID), now); err != nil {
			return wrap(err)
		}
		r.ExpiresAt, r.CreatedAt, r.Version = exp, now, 1
		// The audit row names the request, never the token.
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "survey_request", r.ID,
			map[string]any{"template_id": r.TemplateID, "channel": r.Channel}).ForCustomer(r.CustomerID))
	})
}

func (s *Store) GetRequest(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (survey.Request, error) {
	var r survey.Request
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return r, err
	}
	return r, notFound(s.r.GetContext(ctx, &r, s.q.SurveyRequestGet, customerID, id), "error.not_found")
}

func (s *Store) ListRequests(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]survey.Request, error) {
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return nil, err
	}
	out := []survey.Request{}
	return out, wrap(s.r.SelectContext(ctx, &out, withLimit(s.q.SurveyRequestList, limit), customerID))
}

func (s *Store) RequestByToken(ctx context.Context, hash string) (survey.Request, string, error) {
	var row struct {
		survey.Request
		CustomerName string `db:"customer_name"`
	}
	if err := s.r.GetContext(ctx, &row, s.q.SurveyRequestByToken, hash); err != nil {
		return survey.Request{}, "", notFound(err, "error.not_found")
	}
	return row.Request, row.CustomerName, nil
}

// SubmitAnswer stores the answer, its items and the request's answered mark
// with the audit row, all in one transaction. The unique request_id and the
// "answer_id IS NULL" guard make a replay a Conflict that changes nothing.
func (s *Store) SubmitAnswer(ctx context.Context, a guanxi.Actor, ans *survey.Answer, scoped bool) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if scoped {
			if _, err := s.liveInScope(ctx, tx, a, ans.CustomerID); err != nil {
				return err
			}
		}
		now := stamp(ans.AnsweredAt, s.nowUTC())
		ans.AnsweredAt = now
		if err := tx.GetContext(ctx, &ans.ID, s.q.SurveyAnswerInsert, ans.RequestID, ans.CustomerID, ans.TemplateID,
			ans.VersionID, ans.Channel, nullID(ans.StaffID), nullID(ans.OrgUnitID), ans.Comment, ans.Score,
			b2i(ans.Low), now); err != nil {
			if guanxi.KindOf(uniqueConflict(err)) == guanxi.KindConflict {
				return guanxi.Conflict("survey.request_answered", nil)
			}
			return wrap(err)
		}
		res, err := tx.ExecContext(ctx, s.q.SurveyRequestAnswered, now, ans.ID, ans.RequestID)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return guanxi.Conflict("survey.request_answered", nil)
		}
		for _, v := range ans.Values {
			var sat *int
			if v.Satisfied != nil {
				x := b2i(*v.Satisfied)
				sat = &x
			}
			if _, err := tx.ExecContext(ctx, s.q.SurveyAnswerItemInsert, ans.ID, v.Key, v.Type, v.Score, v.Text,
				sat, v.NPSClass); err != nil {
				return wrap(err)
			}
		}
		ans.Version = 1
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionCreate, "survey_answer", ans.ID,
			map[string]any{"request_id": ans.RequestID, "channel": ans.Channel, "score": ans.Score, "low": ans.Low}).
			ForCustomer(ans.CustomerID))
	})
}

// SetAnswerTicket records the complaint of a low answer; a second call for
// the same answer changes nothing.
func (s *Store) SetAnswerTicket(ctx context.Context, a guanxi.Actor, answerID, ticketID guanxi.ID, number string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.SurveyAnswerSetTicket, ticketID, number, answerID)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, audit.New(a, audit.ActionUpdate, "survey_answer", answerID,
			map[string]any{"ticket_id": ticketID, "ticket_number": number}))
	})
}

func (s *Store) answerValues(ctx context.Context, id guanxi.ID) ([]survey.Value, error) {
	out := []survey.Value{}
	return out, wrap(s.r.SelectContext(ctx, &out, s.q.SurveyAnswerItems, id))
}

func (s *Store) LowWithoutTicket(ctx context.Context, before time.Time, limit int) ([]survey.Answer, error) {
	var out []survey.Answer
	if err := s.r.SelectContext(ctx, &out, withLimit(s.q.SurveyAnswerPending, limit), before.UTC()); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		vs, err := s.answerValues(ctx, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Values = vs
	}
	return out, nil
}

func (s *Store) ListAnswers(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]survey.Answer, error) {
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return nil, err
	}
	out := []survey.Answer{}
	return out, wrap(s.r.SelectContext(ctx, &out, withLimit(s.q.SurveyAnswerList, limit), customerID))
}

func (s *Store) GetAnswer(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (survey.Answer, error) {
	var ans survey.Answer
	if _, err := s.liveInScope(ctx, s.r, a, customerID); err != nil {
		return ans, err
	}
	if err := s.r.GetContext(ctx, &ans, s.q.SurveyAnswerGet, customerID, id); err != nil {
		return ans, notFound(err, "error.not_found")
	}
	vs, err := s.answerValues(ctx, id)
	ans.Values = vs
	return ans, err
}

// stamp is t in UTC, or fallback when the caller left t unset.
func stamp(t, fallback time.Time) time.Time {
	if t.IsZero() {
		return fallback
	}
	return t.UTC().Truncate(time.Microsecond)
}
