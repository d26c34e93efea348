package sqlstore

import (
	"context"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

type exportChildQueries struct {
	ExportHoldings     string `q:"export-holdings"`
	ExportTransactions string `q:"export-transactions"`
	ExportInteractions string `q:"export-interactions"`
}

// childrenOf completes an export-children query: the page's customer ids
// and a's scope on the customer, ordered by customer then the child's own
// order. ids holds at most one page (customer.MaxLimit).
func childrenOf(base, alias, order string, a guanxi.Actor, ids []guanxi.ID) (string, []any) {
	args := make([]any, 0, len(ids)+1)
	marks := make([]string, len(ids))
	for i, id := range ids {
		marks[i] = "?"
		args = append(args, id)
	}
	pred, pargs := scopeSQL(a, "c")
	args = append(args, pargs...)
	return base + " AND " + alias + ".customer_id IN (" + strings.Join(marks, ",") + ") AND " + pred +
		" ORDER BY " + alias + ".customer_id, " + order, args
}

// ExportHoldings returns the holdings of the customers (in a's scope).
func (s *Store) ExportHoldings(ctx context.Context, a guanxi.Actor, ids []guanxi.ID) ([]customer.Holding, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q, args := childrenOf(s.q.ExportHoldings, "h", "h.id", a, ids)
	var rows []holdingRow
	if err := s.r.SelectContext(ctx, &rows, s.rebind(q), args...); err != nil {
		return nil, wrap(err)
	}
	out := make([]customer.Holding, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.decode())
	}
	return out, nil
}

// ExportTransactions returns the transactions of the customers (in a's
// scope), newest first per customer.
func (s *Store) ExportTransactions(ctx context.Context, a guanxi.Actor, ids []guanxi.ID) ([]customer.Transaction, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q, args := childrenOf(s.q.ExportTransactions, "x", "x.occurred_at DESC, x.id DESC", a, ids)
	var out []customer.Transaction
	if err := s.r.SelectContext(ctx, &out, s.rebind(q), args...); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].OccurredAt = out[i].OccurredAt.UTC()
	}
	return out, nil
}

// ExportInteractions returns the contact log of the customers (in a's
// scope), newest first per customer.
func (s *Store) ExportInteractions(ctx context.Context, a guanxi.Actor, ids []guanxi.ID) ([]customer.Interaction, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	q, args := childrenOf(s.q.ExportInteractions, "i", "i.occurred_at DESC, i.id DESC", a, ids)
	var out []customer.Interaction
	if err := s.r.SelectContext(ctx, &out, s.rebind(q), args...); err != nil {
		return nil, wrap(err)
	}
	for i := range out {
		out[i].OccurredAt = out[i].OccurredAt.UTC()
	}
	return out, nil
}
