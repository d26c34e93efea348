package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/appointment"
)

// ListAppointments returns one page of the appointments in the actor's
// customer scope that match q, in (start, id) order after q.Cursor. The
// page reads one row more to know whether another follows; nothing counts
// the table.
func (s *Store) ListAppointments(ctx context.Context, a guanxi.Actor, q appointment.ListQuery) (appointment.Page[appointment.Appointment], error) {
	page := appointment.Page[appointment.Appointment]{Items: []appointment.Appointment{}}
	from, afterID := q.FromAt.UTC(), int64(0)
	after := from
	if q.Cursor != "" {
		var err error
		if after, afterID, err = parseAptCursor(q.Cursor); err != nil {
			return page, err
		}
		// The window starts at the cursor's instant, so the index does too.
		if after.After(from) {
			from = after
		}
	}
	past := 0
	if q.PastOpen {
		past = 1
	}
	limit := q.Limit
	if limit <= 0 || limit > appointment.MaxLimit {
		limit = appointment.DefaultLimit
	}
	text, args := s.scoped(withLimit(s.q.AptColumns+"\n"+s.q.AptList, limit+1), a, from, q.ToAt.UTC(), after, afterID,
		q.ResourceID, q.ResourceID, q.KindID, q.KindID, q.Status, q.Status, q.OwnerID, q.OwnerID,
		q.CustomerID, q.CustomerID, past, q.Now.UTC())
	if err := s.r.SelectContext(ctx, &page.Items, text, args...); err != nil {
		return page, wrap(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = strconv.FormatInt(last.StartsAt.UnixNano(), 10) + "." + strconv.FormatInt(last.ID, 10)
	}
	for i := range page.Items {
		aptUTC(&page.Items[i])
	}
	return page, nil
}

// parseAptCursor reads "unixnano.appointment-id".
func parseAptCursor(c string) (time.Time, int64, error) {
	bad := errBadCursor()
	nanos, rest, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(nanos, 10, 64)
	if !ok || err != nil {
		return time.Time{}, 0, bad
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return time.Time{}, 0, bad
	}
	return time.Unix(0, n).UTC(), id, nil
}
