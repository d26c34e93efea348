package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// mergeSnapshot is the merged customer as it was, kept in customer_merges.
type mergeSnapshot struct {
	customer.Customer
	Tags    []string        `json:"tags"`
	Custom  map[string]any  `json:"custom"`
	Consent map[string]bool `json:"consent"`
}

// MergeCustomers joins p.Merged into p.Survivor in one transaction: both
// versions are checked, every row that references the merged customer moves
// to the survivor, the survivor gets the chosen values (version + 1), the
// merge is recorded with a snapshot, the merged row is deleted and the
// survivor's history gets the audit entry. Any failure leaves both as they
// were.
func (s *Store) MergeCustomers(ctx context.Context, a guanxi.Actor, p customer.MergePlan) error {
	sid, mid := p.Survivor.ID, p.Merged.ID
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		// Both in scope (else 404) and unchanged since the person looked.
		sv, err := s.liveInScope(ctx, tx, a, sid)
		if err != nil {
			return err
		}
		mv, err := s.liveInScope(ctx, tx, a, mid)
		if err != nil {
			return err
		}
		if sv != p.SurvivorVersion {
			return guanxi.Stale(sv)
		}
		if mv != p.MergedVersion {
			return guanxi.Stale(mv)
		}
		now := s.nowUTC()
		moved := map[string]int64{}
		exec := func(name, q string, args ...any) error {
			r, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return wrap(err)
			}
			if name != "" {
				n, _ := r.RowsAffected()
				moved[name] += n
			}
			return nil
		}
		// Open tasks follow the customer to the survivor's owner, as in a
		// transfer; plan tasks the survivor already has lose their plan link.
		if p.Merged.OwnerID != p.Survivor.OwnerID {
			if err := exec("", s.q.TransferMoveTasks, p.Survivor.OwnerID, now, mid, p.Merged.OwnerID); err != nil {
				return err
			}
		}
		steps := []struct{ name, q string }{
			{"contacts", s.q.MergeMoveContacts},
			{"holdings", s.q.MergeMoveHoldings},
			{"transactions", s.q.MergeMoveTransactions},
			{"interactions", s.q.MergeMoveInteractions},
			{"transfers", s.q.MergeMoveTransfers},
			{"tickets", s.q.MergeMoveTickets},
			{"survey_requests", s.q.MergeMoveSurveyReqs},
			{"survey_answers", s.q.MergeMoveSurveyAnswers},
		}
		for _, st := range steps {
			if err := exec(st.name, st.q, sid, mid); err != nil {
				return err
			}
		}
		if err := exec("", s.q.MergeDetachPlanTasks, now, mid, sid); err != nil {
			return err
		}
		if err := exec("tasks", s.q.MergeMoveTasks, sid, mid); err != nil {
			return err
		}
		if err := exec("", s.q.MergeCopyWorkLogs, sid, mid); err != nil {
			return err
		}
		if err := exec("work_logs", s.q.MergeDeleteWorkLogs, mid); err != nil {
			return err
		}
		if err := exec("import_changes", s.q.MergeMoveImportChanges, sid, mid); err != nil {
			return err
		}
		if err := exec("merges", s.q.MergeMoveMerges, sid, mid); err != nil {
			return err
		}
		if err := s.mergePairs(ctx, tx, sid, mid); err != nil {
			return err
		}
		// The merged row goes (its tags and tokens first) so that its unique
		// mobile and ID number are free for the survivor.
		if err := exec("", s.q.CustomerTagsDelete, mid); err != nil {
			return err
		}
		if err := exec("", s.q.CustomerTokensDel, mid); err != nil {
			return err
		}
		snap, err := json.Marshal(mergeSnapshot{Customer: p.Merged, Tags: p.Merged.Tags, Custom: p.Merged.Custom, Consent: p.Merged.Consent})
		if err != nil {
			return guanxi.Internal(err)
		}
		chosen, _ := json.Marshal(p.Chosen)
		movedJSON, _ := json.Marshal(moved)
		var by *guanxi.ID
		if a.UserID != 0 {
			u := a.UserID
			by = &u
		}
		if err := exec("", s.q.MergeInsert, sid, sid, mid, p.Merged.Number, p.Merged.Name, s.keys.Seal(string(snap), colMergeSnapshot),
			string(chosen), string(movedJSON), by, now); err != nil {
			return err
		}
		r, err := tx.ExecContext(ctx, s.q.MergeCustomerDelete, mid, p.MergedVersion)
		if err != nil {
			return wrap(err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return guanxi.Stale(mv)
		}
		c := p.Survivor
		idSealed, idExact, idKey := s.idColumns(c.IDNumber)
		r, err = tx.ExecContext(ctx, s.q.CustomerUpdate, c.Kind, c.Name, c.NamePinyin, c.Gender, c.Birthday,
			b2i(c.LunarBirthday), c.IDType, idSealed, idExact, idKey, c.Mobile, c.Phone, c.Email, c.WeChat, c.Province,
			c.City, c.District, c.Address, c.Market, c.Industry, c.Source, c.Stage, c.Grade,
			jsonText(c.Custom), jsonText(c.Consent), c.Notes, now, sid, p.SurvivorVersion)
		if err != nil {
			return uniqueConflict(err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return guanxi.Stale(sv)
		}
		if last := p.Merged.LastContactAt; last != nil {
			if err := exec("", s.q.CustomerTouch, last.UTC(), sid, last.UTC()); err != nil {
				return err
			}
		}
		if err := s.writeTagsAndTokens(ctx, tx, &c, true); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, audit.New(a, actionMerge, "customer", sid, map[string]any{
			"merged_id": mid, "merged_number": p.Merged.Number, "chosen": p.Chosen,
			"changes": p.Changes, "moved": moved,
		}).ForCustomer(sid))
	})
}

// mergePairs fixes the review queue: the pair of the two goes, pairs of the
// merged customer with others move to the survivor unless the survivor
// already has one with that customer (then they go too).
func (s *Store) mergePairs(ctx context.Context, tx *sqlx.Tx, sid, mid guanxi.ID) error {
	var rows []struct {
		ID     guanxi.ID `db:"id"`
		A      guanxi.ID `db:"a_id"`
		B      guanxi.ID `db:"b_id"`
		Status string    `db:"status"`
	}
	if err := tx.SelectContext(ctx, &rows, s.q.MergePairsOf, mid, mid); err != nil {
		return wrap(err)
	}
	for _, r := range rows {
		other := r.A
		if other == mid {
			other = r.B
		}
		if other == sid {
			if _, err := tx.ExecContext(ctx, s.q.MergePairDelete, r.ID); err != nil {
				return wrap(err)
			}
			continue
		}
		lo, hi := min(sid, other), max(sid, other)
		var existing []guanxi.ID
		if err := tx.SelectContext(ctx, &existing, s.q.MergePairExists, lo, hi); err != nil {
			return wrap(err)
		}
		q, args := s.q.MergePairRepoint, []any{lo, hi, r.ID}
		if len(existing) > 0 {
			q, args = s.q.MergePairDelete, []any{r.ID}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return wrap(err)
		}
	}
	return nil
}

// MergedInto lists the customers merged into survivor id, newest first.
func (s *Store) MergedInto(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]customer.MergeRecord, error) {
	if !s.visible(ctx, s.r, a, id) {
		return nil, guanxi.NotFound("error.not_found")
	}
	out := []customer.MergeRecord{}
	if err := s.r.SelectContext(ctx, &out, s.q.MergeList, id); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// AuditMergeView records, on each customer's history, that a saw the
// plaintext of fields on the merge page (values are not logged).
func (s *Store) AuditMergeView(ctx context.Context, a guanxi.Actor, ids []guanxi.ID, fields []string) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		entries := make([]audit.Entry, 0, len(ids))
		for _, id := range ids {
			if !s.visible(ctx, tx, a, id) {
				return guanxi.NotFound("error.not_found")
			}
			entries = append(entries, audit.New(a, audit.ActionReveal, "customer", id,
				map[string]any{"fields": fields, "purpose": "merge"}).ForCustomer(id))
		}
		return s.appendAudit(ctx, tx, entries...)
	})
}
