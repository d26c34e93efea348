package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// ListTickets returns one page of the complaint board, newest first, in
// a's ticket scope. Paging is by id cursor; nothing counts the table.
func (s *Store) ListTickets(ctx context.Context, a guanxi.Actor, q ticket.ListQuery, now time.Time) (ticket.Page[ticket.Ticket], error) {
	var page ticket.Page[ticket.Ticket]
	var where []string
	var args []any
	add := func(pred string, v ...any) {
		where = append(where, pred)
		args = append(args, v...)
	}
	pred, pargs := ticketScopeSQL(a, "t")
	add(pred, pargs...)
	if q.Status != "" {
		add("t.status = ?", string(q.Status))
	} else if q.Open {
		add("t.status NOT IN ('closed', 'merged')")
	}
	if q.CategoryID != 0 {
		// The category or any of its children (two levels deep is the tree
		// Guanxi ships; deeper trees match their direct children too).
		add("(t.category_id = ? OR t.category_id IN (SELECT id FROM ticket_categories WHERE parent_id = ?))", q.CategoryID, q.CategoryID)
	}
	if q.Severity != "" {
		add("t.severity = ?", string(q.Severity))
	}
	if q.OrgUnitID != 0 {
		add("t.org_unit_id = ?", q.OrgUnitID)
	}
	if q.AssigneeID != 0 {
		add("t.assignee_id = ?", q.AssigneeID)
	}
	if q.CustomerID != 0 {
		add("t.customer_id = ?", q.CustomerID)
	}
	if q.Overdue {
		add("t.resolved_at IS NULL AND t.status NOT IN ('closed', 'merged') AND t.resolution_due_at < ?", now.UTC())
	}
	// The overdue list runs most overdue first, straight off the partial
	// index of open due times; every other list is newest first by id.
	order := "t.id DESC"
	if q.Overdue {
		order = "t.resolution_due_at, t.id"
	}
	if q.Cursor != "" {
		due, id, err := parseTicketCursor(q.Cursor, q.Overdue)
		if err != nil {
			return page, err
		}
		if q.Overdue {
			add("(t.resolution_due_at > ? OR (t.resolution_due_at = ? AND t.id > ?))", due, due, id)
		} else {
			add("t.id < ?", id)
		}
	}
	limit := q.Limit
	if limit <= 0 || limit > ticket.MaxLimit {
		limit = 50
	}
	text := s.q.TicketColumns + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + order + " LIMIT " + strconv.Itoa(limit+1)
	var rows []ticket.Ticket
	if err := s.r.SelectContext(ctx, &rows, s.rebind(text), args...); err != nil {
		return page, wrap(err)
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.NextCursor = strconv.FormatInt(last.ID, 10)
		if q.Overdue && last.ResolutionDue != nil {
			page.NextCursor = strconv.FormatInt(last.ResolutionDue.UTC().UnixMicro(), 10) + "." + page.NextCursor
		}
	}
	for i := range rows {
		ticketUTC(&rows[i])
	}
	page.Items = rows
	return page, nil
}

// parseTicketCursor reads "id", or "unixmicro.id" for the overdue list.
func parseTicketCursor(c string, overdue bool) (time.Time, int64, error) {
	bad := guanxi.Invalid(guanxi.Field("cursor", "validation.cursor"))
	var due time.Time
	if overdue {
		micro, rest, ok := strings.Cut(c, ".")
		m, err := strconv.ParseInt(micro, 10, 64)
		if !ok || err != nil {
			return due, 0, bad
		}
		due, c = time.UnixMicro(m).UTC(), rest
	}
	id, err := strconv.ParseInt(c, 10, 64)
	if err != nil || id <= 0 {
		return due, 0, bad
	}
	return due, id, nil
}
