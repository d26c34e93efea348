package appointment

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// pagedStore holds n appointments and answers ListAppointments in pages
// of q.Limit with a cursor of the last index; the rest of Store is left
// unimplemented.
type pagedStore struct {
	Store
	n   int
	got []ListQuery
}

func (p *pagedStore) ListAppointments(_ context.Context, _ guanxi.Actor, q ListQuery) (Page[Appointment], error) {
	p.got = append(p.got, q)
	from := 0
	if q.Cursor != "" {
		from, _ = strconv.Atoi(q.Cursor)
	}
	var out Page[Appointment]
	for i := from; i < p.n && len(out.Items) < q.Limit; i++ {
		out.Items = append(out.Items, Appointment{ID: guanxi.ID(i + 1)})
	}
	if end := from + len(out.Items); end < p.n {
		out.NextCursor = strconv.Itoa(end)
	}
	return out, nil
}

// TestPageLimits: a page is at most MaxLimit (TESTPLAN I5), DefaultLimit
// when none is asked for.
func TestPageLimits(t *testing.T) {
	agent := guanxi.Actor{UserID: 7, Role: guanxi.RoleAgent}
	for _, c := range []struct{ ask, want int }{{0, DefaultLimit}, {3, 3}, {1000, MaxLimit}} {
		st := &pagedStore{n: 500}
		p, err := (&Service{Store: st}).Page(context.Background(), agent, ListQuery{Limit: c.ask})
		if err != nil || len(p.Items) != c.want || st.got[0].Limit != c.want || p.NextCursor == "" {
			t.Errorf("limit %d: %d rows, store limit %d, %v", c.ask, len(p.Items), st.got[0].Limit, err)
		}
	}
}

// TestListWalksPages: List and Each read a window longer than a page to
// its end (the day grid and the CSV export lose nothing), or List stops at
// a positive q.Limit; every page keeps the same now.
func TestListWalksPages(t *testing.T) {
	agent := guanxi.Actor{UserID: 7, Role: guanxi.RoleAgent}
	s := &Service{Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }}
	for _, c := range []struct{ n, limit, want int }{{0, 0, 0}, {450, 0, 450}, {450, 250, 250}, {450, 10, 10}, {400, 0, 400}} {
		st := &pagedStore{n: c.n}
		s.Store = st
		all, err := s.List(context.Background(), agent, ListQuery{Limit: c.limit})
		if err != nil || len(all) != c.want {
			t.Fatalf("%+v: %d rows, %v", c, len(all), err)
		}
		for i, ap := range all {
			if ap.ID != guanxi.ID(i+1) {
				t.Fatalf("%+v: row %d is %d", c, i, ap.ID)
			}
		}
		for _, q := range st.got {
			if q.Limit > MaxLimit || !q.Now.Equal(st.got[0].Now) {
				t.Fatalf("%+v: store asked %+v", c, q)
			}
		}
	}
	st := &pagedStore{n: 401}
	s.Store = st
	seen := 0
	if err := s.Each(context.Background(), agent, ListQuery{}, func(ps []Appointment) error {
		seen += len(ps)
		return nil
	}); err != nil || seen != 401 || len(st.got) != 3 {
		t.Fatalf("each: %d rows in %d pages, %v", seen, len(st.got), err)
	}
}
