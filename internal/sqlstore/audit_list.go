package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/audit"
)

// ListAudit returns audit rows newest first, filtered for auditors. Only
// actors with audit.read reach it (the audit service checks), and they see
// the whole log.
func (s *Store) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var where []string
	var args []any
	add := func(p string, a any) { where = append(where, p); args = append(args, a) }
	if f.ActorID != 0 {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.CustomerID != 0 {
		add("customer_id = ?", f.CustomerID)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UTC())
	}
	if f.BeforeSeq > 0 {
		add("seq < ?", f.BeforeSeq)
	}
	q := "SELECT id, seq, at, actor_id, actor_name, addr, action, object_type, object_id, customer_id, outcome, detail, prev_hash, hash FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC LIMIT " + strconv.Itoa(f.Limit)
	out := []audit.Entry{}
	return out, wrap(s.r.SelectContext(ctx, &out, s.rebind(q), args...))
}
