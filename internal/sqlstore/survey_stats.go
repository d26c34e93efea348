package sqlstore

import (
	"context"
	"sort"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// Follow-up report counts. The texts are built here because the group
// column and the scope predicate vary; every value is a parameter and the
// group columns come from the fixed map below.

type surveyGroupCols struct{ req, ans, joinReq, joinAns string }

var surveyGroups = map[string]surveyGroupCols{
	"": {req: "0 AS group_id, '' AS group_name", ans: "0 AS group_id, '' AS group_name"},
	survey.ByTeam: {
		req: "COALESCE(r.org_unit_id, 0) AS group_id, COALESCE(g.name, '') AS group_name", joinReq: " LEFT JOIN org_units g ON g.id = r.org_unit_id",
		ans: "COALESCE(s.org_unit_id, 0) AS group_id, COALESCE(g.name, '') AS group_name", joinAns: " LEFT JOIN org_units g ON g.id = s.org_unit_id",
	},
	survey.ByStaff: {
		req: "COALESCE(r.created_by, 0) AS group_id, COALESCE(g.name, '') AS group_name", joinReq: " LEFT JOIN users g ON g.id = r.created_by",
		ans: "COALESCE(s.staff_id, 0) AS group_id, COALESCE(g.name, '') AS group_name", joinAns: " LEFT JOIN users g ON g.id = s.staff_id",
	},
}

const surveyTallyCols = `CAST(COALESCE(SUM(CASE WHEN i.satisfied IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS scored,
    CAST(COALESCE(SUM(i.satisfied), 0) AS BIGINT) AS satisfied,
    CAST(COALESCE(SUM(CASE WHEN i.nps_class IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS nps_n,
    CAST(COALESCE(SUM(CASE WHEN i.nps_class = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS promoters,
    CAST(COALESCE(SUM(CASE WHEN i.nps_class = -1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS detractors,
    CAST(COALESCE(SUM(CASE WHEN i.item_type IN ('scale_5','scale_10','nps') THEN i.score ELSE 0 END), 0) AS BIGINT) AS score_sum,
    CAST(COALESCE(SUM(CASE WHEN i.item_type IN ('scale_5','scale_10','nps') AND i.score IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS score_n,
    CAST(COALESCE(SUM(CASE WHEN i.item_type = 'yes_no' THEN 1 ELSE 0 END), 0) AS BIGINT) AS yes_n,
    CAST(COALESCE(SUM(CASE WHEN i.item_type = 'yes_no' AND i.score = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS yes`

// SurveyStats counts requests sent, answers and item tallies in [From, To)
// for the customers in a's scope.
func (s *Store) SurveyStats(ctx context.Context, a guanxi.Actor, q survey.StatsQuery) (survey.Stats, error) {
	var st survey.Stats
	g, ok := surveyGroups[q.By]
	if !ok {
		return st, guanxi.Invalid(guanxi.Field("by", "validation.enum"))
	}
	pred, scopeArgs := scopeSQL(a, "c")
	groupBy := ""
	if q.By != "" {
		groupBy = " GROUP BY group_id, group_name"
	}
	tmplR, tmplS := "", ""
	args := []any{q.From.UTC(), q.To.UTC()}
	if q.TemplateID != 0 {
		tmplR, tmplS = " AND r.template_id = ?", " AND s.template_id = ?"
		args = append(args, q.TemplateID)
	}
	args = append(args, scopeArgs...)

	type counted struct {
		ID   guanxi.ID `db:"group_id"`
		Name string    `db:"group_name"`
		N    int64     `db:"n"`
		Low  int64     `db:"low"`
	}
	groups := map[guanxi.ID]*survey.GroupStats{}
	get := func(id guanxi.ID, name string) *survey.GroupStats {
		if x, ok := groups[id]; ok {
			return x
		}
		x := &survey.GroupStats{ID: id, Name: name}
		groups[id] = x
		return x
	}

	var sent []counted
	if err := s.r.SelectContext(ctx, &sent, s.rebind("SELECT "+g.req+", COUNT(*) AS n, 0 AS low FROM survey_requests r"+
		" JOIN customers c ON c.id = r.customer_id"+g.joinReq+
		" WHERE r.created_at >= ? AND r.created_at < ?"+tmplR+" AND "+pred+groupBy), args...); err != nil {
		return st, wrap(err)
	}
	for _, x := range sent {
		get(x.ID, x.Name).Sent += x.N
	}
	var answered []counted
	if err := s.r.SelectContext(ctx, &answered, s.rebind("SELECT "+g.ans+", COUNT(*) AS n,"+
		" CAST(COALESCE(SUM(s.low), 0) AS BIGINT) AS low FROM survey_answers s"+
		" JOIN customers c ON c.id = s.customer_id"+g.joinAns+
		" WHERE s.answered_at >= ? AND s.answered_at < ?"+tmplS+" AND "+pred+groupBy), args...); err != nil {
		return st, wrap(err)
	}
	for _, x := range answered {
		gs := get(x.ID, x.Name)
		gs.Answered += x.N
		gs.Low += x.Low
	}
	var tallies []struct {
		ID   guanxi.ID `db:"group_id"`
		Name string    `db:"group_name"`
		survey.Tally
	}
	if err := s.r.SelectContext(ctx, &tallies, s.rebind("SELECT "+g.ans+", "+surveyTallyCols+
		" FROM survey_answer_items i JOIN survey_answers s ON s.id = i.answer_id"+
		" JOIN customers c ON c.id = s.customer_id"+g.joinAns+
		" WHERE s.answered_at >= ? AND s.answered_at < ?"+tmplS+" AND "+pred+groupBy), args...); err != nil {
		return st, wrap(err)
	}
	for _, x := range tallies {
		get(x.ID, x.Name).Tally.Add(x.Tally)
	}
	var items []survey.ItemStats
	if err := s.r.SelectContext(ctx, &items, s.rebind("SELECT i.item_key, i.item_type, "+surveyTallyCols+
		" FROM survey_answer_items i JOIN survey_answers s ON s.id = i.answer_id"+
		" JOIN customers c ON c.id = s.customer_id"+
		" WHERE s.answered_at >= ? AND s.answered_at < ?"+tmplS+" AND "+pred+
		" AND i.item_type IN ('scale_5','scale_10','nps','yes_no')"+
		" GROUP BY i.item_key, i.item_type ORDER BY i.item_key"), args...); err != nil {
		return st, wrap(err)
	}
	st.Items = items
	for _, x := range groups {
		st.Total.Sent += x.Sent
		st.Total.Answered += x.Answered
		st.Total.Low += x.Low
		st.Total.Tally.Add(x.Tally)
		if q.By != "" && (x.Sent > 0 || x.Answered > 0) {
			st.Groups = append(st.Groups, *x)
		}
	}
	sort.Slice(st.Groups, func(i, j int) bool {
		if st.Groups[i].Name != st.Groups[j].Name {
			return st.Groups[i].Name < st.Groups[j].Name
		}
		return st.Groups[i].ID < st.Groups[j].ID
	})
	return st, nil
}
