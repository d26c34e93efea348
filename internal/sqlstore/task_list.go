package sqlstore

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// TaskPage returns one page of an owner's or a customer's tasks of one
// status in a due range, in (due day, id) order after q.Cursor, among the
// customers in a's scope. The owner list runs on the (owner_id, status,
// due_on) index, the customer list on (customer_id, due_on); the page
// reads one row more to know whether another follows, and counts nothing.
func (s *Store) TaskPage(ctx context.Context, a guanxi.Actor, q task.ListQuery) (task.Page[task.Task], error) {
	page := task.Page[task.Task]{Items: []task.Task{}}
	afterDue, afterID, err := dayCursor(q.Cursor)
	if err != nil {
		return page, err
	}
	from, to := q.DueFrom, q.DueTo
	if from == "" {
		from = "0000-00-00"
	}
	if to == "" {
		to = "9999-99-99"
	}
	// The range starts at the cursor's day, so the index does too; the
	// last two arguments skip that day's rows up to the cursor's id.
	from = max(from, afterDue)
	status := q.Status
	if status == "" {
		status = task.StatusOpen
	}
	limit := q.Limit
	if limit <= 0 || limit > task.MaxDue {
		limit = task.DefaultLimit
	}
	var text string
	var args []any
	if q.CustomerID != 0 {
		if _, err := s.liveInScope(ctx, s.r, a, q.CustomerID); err != nil {
			return page, err
		}
		text, args = s.scoped(withLimit(s.q.TaskColumns+"\n"+s.q.TaskListCustomer, limit+1), a, q.CustomerID, status, from, to,
			afterDue, afterID)
	} else {
		text, args = s.scoped(withLimit(s.q.TaskColumns+"\n"+s.q.TaskListOwner, limit+1), a, q.OwnerID, status, from, to,
			afterDue, afterID)
	}
	if err := s.r.SelectContext(ctx, &page.Items, text, args...); err != nil {
		return page, wrap(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = last.DueOn + "." + strconv.FormatInt(last.ID, 10)
	}
	for i := range page.Items {
		taskUTC(&page.Items[i])
	}
	return page, nil
}
