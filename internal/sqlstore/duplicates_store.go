package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

type duplicateQueries struct {
	DupRuleIDNumber     string `q:"dup-rule-id-number"`
	DupRuleMobilePhone  string `q:"dup-rule-mobile-phone"`
	DupRuleContact      string `q:"dup-rule-contact-mobile"`
	DupRulePhone        string `q:"dup-rule-phone"`
	DupRuleNameBirthday string `q:"dup-rule-name-birthday"`
	DupFacts            string `q:"dup-facts"`
	DupCandidateIDs     string `q:"dup-candidate-ids"`
	DupContactMobiles   string `q:"dup-contact-mobiles"`
	DupSideColumns      string `q:"dup-side-columns"`
	DupPairColumns      string `q:"dup-pair-columns"`
	DupDismiss          string `q:"dup-dismiss"`
	DupVersion          string `q:"dup-version"`

	MergeMoveContacts      string `q:"merge-move-contacts"`
	MergeMoveHoldings      string `q:"merge-move-holdings"`
	MergeMoveTransactions  string `q:"merge-move-transactions"`
	MergeMoveInteractions  string `q:"merge-move-interactions"`
	MergeMoveTransfers     string `q:"merge-move-transfers"`
	MergeMoveTickets       string `q:"merge-move-tickets"`
	MergeMoveSurveyReqs    string `q:"merge-move-survey-requests"`
	MergeMoveSurveyAnswers string `q:"merge-move-survey-answers"`
	MergeDetachPlanTasks   string `q:"merge-detach-plan-tasks"`
	MergeMoveTasks         string `q:"merge-move-tasks"`
	MergeCopyWorkLogs      string `q:"merge-copy-work-logs"`
	MergeDeleteWorkLogs    string `q:"merge-delete-work-logs"`
	MergeMoveImportChanges string `q:"merge-move-import-changes"`
	MergeMoveMerges        string `q:"merge-move-merges"`
	MergePairsOf           string `q:"merge-pairs-of"`
	MergePairDelete        string `q:"merge-pair-delete"`
	MergePairExists        string `q:"merge-pair-exists"`
	MergePairRepoint       string `q:"merge-pair-repoint"`
	MergeCustomerDelete    string `q:"merge-customer-delete"`
	MergeInsert            string `q:"merge-insert"`
	MergeList              string `q:"merge-list"`
}

// Audit actions of the duplicate review (the merge itself is
// "customer.merge", the permission's name).
const (
	actionDupScan    = audit.ActionDupScan
	actionDupDismiss = audit.ActionDupDismiss
	actionMerge      = audit.ActionMerge
	// Facts are loaded and pairs inserted in batches of this many.
	dupBatch = 500
)

type dupPairIDs struct {
	A          guanxi.ID `db:"a_id"`
	B          guanxi.ID `db:"b_id"`
	ViaContact int       `db:"via_contact"`
}

type pairKey struct{ a, b guanxi.ID }

// ScanDuplicates runs every rule as one set-based statement over the whole
// table, scores the candidate pairs in Go and inserts the new ones in
// batches (ON CONFLICT DO NOTHING: a dismissed pair stays dismissed).
func (s *Store) ScanDuplicates(ctx context.Context, a guanxi.Actor) (customer.ScanResult, error) {
	start := time.Now()
	var res customer.ScanResult
	contact := map[pairKey]bool{}
	var keys []pairKey
	for _, q := range []string{s.q.DupRuleIDNumber, s.q.DupRuleMobilePhone, s.q.DupRuleContact, s.q.DupRulePhone, s.q.DupRuleNameBirthday} {
		var rows []dupPairIDs
		if err := s.r.SelectContext(ctx, &rows, q); err != nil {
			return res, wrap(err)
		}
		for _, r := range rows {
			k := pairKey{min(r.A, r.B), max(r.A, r.B)}
			seen, ok := contact[k]
			if !ok {
				keys = append(keys, k)
			}
			contact[k] = seen || r.ViaContact == 1
		}
	}
	slices.SortFunc(keys, func(x, y pairKey) int {
		if x.a != y.a {
			return int(x.a - y.a)
		}
		return int(x.b - y.b)
	})
	now := s.nowUTC()
	for len(keys) > 0 {
		n := min(len(keys), dupBatch)
		batch := keys[:n]
		keys = keys[n:]
		ids := make([]guanxi.ID, 0, 2*n)
		for _, k := range batch {
			ids = append(ids, k.a, k.b)
		}
		facts, err := s.dupFacts(ctx, ids)
		if err != nil {
			return res, err
		}
		var vals []string
		var args []any
		for _, k := range batch {
			fa, oka := facts[k.a]
			fb, okb := facts[k.b]
			if !oka || !okb {
				continue // deleted or merged since the rule ran
			}
			m := customer.Compare(fa, fb, contact[k])
			reason, ok := m.Reason()
			if !ok {
				continue
			}
			res.Candidates++
			vals = append(vals, "(?, ?, ?, ?, 'scan', 'open', 1, ?)")
			args = append(args, k.a, k.b, string(reason), m.Score(), now)
		}
		if len(vals) == 0 {
			continue
		}
		text := "INSERT INTO customer_duplicates (a_id, b_id, reason, score, source, status, version, created_at) VALUES " +
			strings.Join(vals, ", ") + " ON CONFLICT (a_id, b_id) DO NOTHING"
		err = s.tx(ctx, func(tx *sqlx.Tx) error {
			r, err := tx.ExecContext(ctx, s.rebind(text), args...)
			if err != nil {
				return wrap(err)
			}
			added, _ := r.RowsAffected()
			res.Added += int(added)
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	res.Took = time.Since(start)
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		return s.appendAudit(ctx, tx, audit.New(a, actionDupScan, "duplicate", 0,
			map[string]any{"candidates": res.Candidates, "added": res.Added, "ms": res.Took.Milliseconds()}))
	})
	return res, err
}

// inList returns "(?, ?, …)" for n values.
func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func idArgs(ids []guanxi.ID) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// dupFacts loads the compared fields of live customers by id.
func (s *Store) dupFacts(ctx context.Context, ids []guanxi.ID) (map[guanxi.ID]customer.DupFacts, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[guanxi.ID]customer.DupFacts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []customer.DupFacts
	text := s.q.DupFacts + " WHERE deleted_at IS NULL AND id IN " + inList(len(ids))
	if err := s.r.SelectContext(ctx, &rows, s.rebind(text), idArgs(ids)...); err != nil {
		return nil, wrap(err)
	}
	for _, r := range rows {
		var err error
		if r.IDNumber, err = s.openID(r.IDNumber); err != nil {
			return nil, guanxi.Internal(err)
		}
		out[r.ID] = r
	}
	return out, nil
}

type pairRow struct {
	ID        guanxi.ID  `db:"id"`
	A         guanxi.ID  `db:"a_id"`
	B         guanxi.ID  `db:"b_id"`
	Reason    string     `db:"reason"`
	Score     int        `db:"score"`
	Source    string     `db:"source"`
	ImportID  *guanxi.ID `db:"import_id"`
	Status    string     `db:"status"`
	DecidedBy *guanxi.ID `db:"decided_by"`
	DecidedAt *time.Time `db:"decided_at"`
	CreatedAt time.Time  `db:"created_at"`
	Version   int64      `db:"version"`
}

// pairScope is the predicate that both customers of a pair are in a's scope.
func pairScope(a guanxi.Actor) (string, []any) {
	pa, aa := scopeSQL(a, "ca")
	pb, ab := scopeSQL(a, "cb")
	return pa + " AND " + pb, append(aa, ab...)
}

// ListDuplicates returns a page of the queue, strongest first then newest
// (keyset on score, id), both customers in a's scope.
func (s *Store) ListDuplicates(ctx context.Context, a guanxi.Actor, q customer.DuplicateQuery) (customer.Page[customer.DuplicatePair], error) {
	var page customer.Page[customer.DuplicatePair]
	pred, args := pairScope(a)
	where := []string{pred, "d.status = ?"}
	args = append(args, q.Status)
	if q.Reason != "" {
		where = append(where, "d.reason = ?")
		args = append(args, string(q.Reason))
	}
	if q.Cursor != "" {
		score, id, ok := parseDupCursor(q.Cursor)
		if !ok {
			return page, guanxi.Invalid(guanxi.Field("cursor", "validation.cursor"))
		}
		where = append(where, "(d.score < ? OR (d.score = ? AND d.id < ?))")
		args = append(args, score, score, id)
	}
	text := s.q.DupPairColumns + " WHERE " + strings.Join(where, " AND ") + " ORDER BY d.score DESC, d.id DESC LIMIT " + strconv.Itoa(q.Limit+1)
	var rows []pairRow
	if err := s.r.SelectContext(ctx, &rows, s.rebind(text), args...); err != nil {
		return page, wrap(err)
	}
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		last := rows[len(rows)-1]
		page.NextCursor = fmt.Sprintf("%d.%d", last.Score, last.ID)
	}
	items, err := s.pairsWithSides(ctx, a, rows)
	page.Items = items
	return page, err
}

func parseDupCursor(c string) (int, guanxi.ID, bool) {
	sc, idText, ok := strings.Cut(c, ".")
	if !ok {
		return 0, 0, false
	}
	score, err1 := strconv.Atoi(sc)
	id, err2 := strconv.ParseInt(idText, 10, 64)
	return score, id, err1 == nil && err2 == nil && id > 0
}

// pairsWithSides adds both customers' summaries to queue rows.
func (s *Store) pairsWithSides(ctx context.Context, a guanxi.Actor, rows []pairRow) ([]customer.DuplicatePair, error) {
	ids := make([]guanxi.ID, 0, 2*len(rows))
	for _, r := range rows {
		ids = append(ids, r.A, r.B)
	}
	sides, err := s.pairSides(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	out := make([]customer.DuplicatePair, 0, len(rows))
	for _, r := range rows {
		sa, oka := sides[r.A]
		sb, okb := sides[r.B]
		if !oka || !okb {
			continue // changed between the two reads
		}
		out = append(out, customer.DuplicatePair{ID: r.ID, Reason: customer.DupReason(r.Reason), Score: r.Score,
			Source: r.Source, ImportID: r.ImportID, Status: r.Status, DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt,
			CreatedAt: r.CreatedAt.UTC(), Version: r.Version, A: sa, B: sb})
	}
	return out, nil
}

// pairSides loads live customers in a's scope as review summaries.
func (s *Store) pairSides(ctx context.Context, a guanxi.Actor, ids []guanxi.ID) (map[guanxi.ID]customer.PairSide, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[guanxi.ID]customer.PairSide, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	pred, pargs := scopeSQL(a, "c")
	text := s.q.DupSideColumns + " WHERE c.deleted_at IS NULL AND c.id IN " + inList(len(ids)) + " AND " + pred
	var rows []customer.PairSide
	if err := s.r.SelectContext(ctx, &rows, s.rebind(text), append(idArgs(ids), pargs...)...); err != nil {
		return nil, wrap(err)
	}
	for _, r := range rows {
		r.CreatedAt = r.CreatedAt.UTC()
		var err error
		if r.IDNumber, err = s.openID(r.IDNumber); err != nil {
			return nil, guanxi.Internal(err)
		}
		out[r.ID] = r
	}
	return out, nil
}

// GetDuplicate returns one queue entry whose customers are both in scope.
func (s *Store) GetDuplicate(ctx context.Context, a guanxi.Actor, id guanxi.ID) (customer.DuplicatePair, error) {
	pred, args := pairScope(a)
	var rows []pairRow
	text := s.q.DupPairColumns + " WHERE d.id = ? AND " + pred
	if err := s.r.SelectContext(ctx, &rows, s.rebind(text), append([]any{id}, args...)...); err != nil {
		return customer.DuplicatePair{}, wrap(err)
	}
	items, err := s.pairsWithSides(ctx, a, rows)
	if err != nil {
		return customer.DuplicatePair{}, err
	}
	if len(items) == 0 {
		return customer.DuplicatePair{}, guanxi.NotFound("error.not_found")
	}
	return items[0], nil
}

// DismissDuplicate marks an open pair in scope "not a duplicate" at version.
func (s *Store) DismissDuplicate(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		pred, args := pairScope(a)
		var row pairRow
		text := s.q.DupPairColumns + " WHERE d.id = ? AND " + pred
		if err := tx.GetContext(ctx, &row, s.rebind(text), append([]any{id}, args...)...); err != nil {
			return notFound(err, "error.not_found")
		}
		if row.Version != version {
			return guanxi.Stale(row.Version)
		}
		if row.Status != customer.DupOpen {
			return guanxi.Conflict("dup.not_open", nil)
		}
		var by *guanxi.ID
		if a.UserID != 0 {
			u := a.UserID
			by = &u
		}
		r, err := tx.ExecContext(ctx, s.q.DupDismiss, by, s.nowUTC(), id, version)
		if err != nil {
			return wrap(err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return guanxi.Stale(row.Version)
		}
		detail := map[string]any{"a_id": row.A, "b_id": row.B, "reason": row.Reason}
		return s.appendAudit(ctx, tx,
			audit.New(a, actionDupDismiss, "duplicate", id, detail).ForCustomer(row.A),
			audit.New(a, actionDupDismiss, "duplicate", id, detail).ForCustomer(row.B))
	})
}

// DuplicateCandidates applies the rules to one customer in scope: each rule
// is an indexed lookup, then the facts are compared as in the scan. Only
// candidates in a's scope are returned.
func (s *Store) DuplicateCandidates(ctx context.Context, a guanxi.Actor, id guanxi.ID, limit int) ([]customer.Candidate, error) {
	if _, err := s.liveInScope(ctx, s.r, a, id); err != nil {
		return nil, err
	}
	self, err := s.dupFacts(ctx, []guanxi.ID{id})
	if err != nil {
		return nil, err
	}
	me, ok := self[id]
	if !ok {
		return nil, guanxi.NotFound("error.not_found")
	}
	_, _, idKey := s.idColumns(me.IDNumber)
	args := append([]any{idKey}, me.Phone, me.Mobile, me.Phone, strings.ReplaceAll(me.Phone, "-", ""), me.Mobile, id, me.Name, me.Birthday)
	var ids []guanxi.ID
	if err := s.r.SelectContext(ctx, &ids, s.q.DupCandidateIDs, args...); err != nil {
		return nil, wrap(err)
	}
	ids = slices.DeleteFunc(ids, func(x guanxi.ID) bool { return x == id })
	if len(ids) == 0 {
		return []customer.Candidate{}, nil
	}
	if len(ids) > 500 {
		ids = ids[:500] // a switchboard number: the first 500 are plenty to review
	}
	facts, err := s.dupFacts(ctx, ids)
	if err != nil {
		return nil, err
	}
	sides, err := s.pairSides(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	viaContact, err := s.contactLinks(ctx, id, me.Mobile, ids, facts)
	if err != nil {
		return nil, err
	}
	var pairs []struct {
		ID     guanxi.ID `db:"id"`
		A      guanxi.ID `db:"a_id"`
		B      guanxi.ID `db:"b_id"`
		Status string    `db:"status"`
	}
	if err := s.r.SelectContext(ctx, &pairs, s.q.MergePairsOf, id, id); err != nil {
		return nil, wrap(err)
	}
	out := []customer.Candidate{}
	for _, cid := range ids {
		side, visible := sides[cid]
		f, live := facts[cid]
		if !visible || !live {
			continue
		}
		m := customer.Compare(me, f, viaContact[cid])
		reason, ok := m.Reason()
		if !ok {
			continue
		}
		c := customer.Candidate{PairSide: side, Reason: reason, Score: m.Score()}
		for _, p := range pairs {
			if p.A == cid || p.B == cid {
				pid := p.ID
				c.PairID, c.PairStatus = &pid, p.Status
			}
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(x, y customer.Candidate) int {
		if x.Score != y.Score {
			return y.Score - x.Score
		}
		return int(x.ID - y.ID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// contactLinks reports, per candidate, whether a contact's mobile of one
// side is the other's mobile.
func (s *Store) contactLinks(ctx context.Context, id guanxi.ID, mobile string, ids []guanxi.ID, facts map[guanxi.ID]customer.DupFacts) (map[guanxi.ID]bool, error) {
	all := append([]guanxi.ID{id}, ids...)
	var rows []struct {
		CustomerID guanxi.ID `db:"customer_id"`
		Mobile     string    `db:"mobile"`
	}
	text := s.q.DupContactMobiles + " AND customer_id IN " + inList(len(all))
	if err := s.r.SelectContext(ctx, &rows, s.rebind(text), idArgs(all)...); err != nil {
		return nil, wrap(err)
	}
	out := map[guanxi.ID]bool{}
	mine := map[string]bool{}
	for _, r := range rows {
		if r.CustomerID == id {
			mine[r.Mobile] = true
		}
	}
	for _, r := range rows {
		if r.CustomerID != id && mobile != "" && r.Mobile == mobile {
			out[r.CustomerID] = true
		}
	}
	for cid, f := range facts {
		if f.Mobile != "" && mine[f.Mobile] {
			out[cid] = true
		}
	}
	return out, nil
}
