package appointment

import (
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Page is one page of a list in start then id order; NextCursor is empty
// on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// Page sizes of the paged list: DefaultLimit when none is asked for, at
// most MaxLimit (TESTPLAN I5).
const (
	DefaultLimit = 200
	MaxLimit     = 200
)

// Page returns one page of the appointments in the actor's customer scope
// that match q, after q.Cursor. A cursor that is not one of ours is an
// invalid "cursor" field.
func (s *Service) Page(ctx context.Context, a guanxi.Actor, q ListQuery) (Page[Appointment], error) {
	q, err := s.listQuery(a, q)
	if err != nil {
		return Page[Appointment]{}, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	return s.Store.ListAppointments(ctx, a, q)
}

// Each calls fn with every page of the appointments matching q, from
// q.Cursor to the end of the window; the CSV export streams through it.
func (s *Service) Each(ctx context.Context, a guanxi.Actor, q ListQuery, fn func([]Appointment) error) error {
	q, err := s.listQuery(a, q)
	if err != nil {
		return err
	}
	return s.walk(ctx, a, q, 0, fn)
}

// List returns every appointment matching q, or the first q.Limit when
// q.Limit is positive, for the pages that need a whole window at once (a
// day's grid, a customer's appointments). Lists that people page through
// use Page.
func (s *Service) List(ctx context.Context, a guanxi.Actor, q ListQuery) ([]Appointment, error) {
	want := q.Limit
	q, err := s.listQuery(a, q)
	if err != nil {
		return nil, err
	}
	out := []Appointment{}
	err = s.walk(ctx, a, q, want, func(ps []Appointment) error {
		out = append(out, ps...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// walk reads the checked q page by page from q.Cursor, calling fn with
// each, until the window ends or want rows (when want > 0) were passed.
func (s *Service) walk(ctx context.Context, a guanxi.Actor, q ListQuery, want int, fn func([]Appointment) error) error {
	for seen := 0; ; {
		q.Limit = MaxLimit
		if want > 0 {
			q.Limit = min(MaxLimit, want-seen)
		}
		p, err := s.Store.ListAppointments(ctx, a, q)
		if err != nil {
			return err
		}
		if len(p.Items) > 0 {
			if err := fn(p.Items); err != nil {
				return err
			}
		}
		seen += len(p.Items)
		if p.NextCursor == "" || (want > 0 && seen >= want) {
			return nil
		}
		q.Cursor = p.NextCursor
	}
}

// listQuery checks q's filters and sets the window's instants and now.
func (s *Service) listQuery(a guanxi.Actor, q ListQuery) (ListQuery, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return q, err
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		return q, guanxi.Invalid(guanxi.Field("status", "validation.enum"))
	}
	var f guanxi.Fields
	q.FromAt, q.ToAt = time.Unix(0, 0).UTC(), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	if q.From != "" {
		d, err := time.ParseInLocation(time.DateOnly, q.From, s.loc())
		if err != nil {
			f.Add("from", "validation.date")
		}
		q.FromAt = d.UTC()
	}
	if q.To != "" {
		d, err := time.ParseInLocation(time.DateOnly, q.To, s.loc())
		if err != nil {
			f.Add("to", "validation.date")
		}
		q.ToAt = d.AddDate(0, 0, 1).UTC()
	}
	if err := f.Err(); err != nil {
		return q, err
	}
	q.Now = s.now()
	return q, nil
}
