package task

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

// pageStore answers TaskPage with next as the cursor and records the
// queries; every other Store method is left unimplemented.
type pageStore struct {
	Store
	next string
	got  []ListQuery
}

func (p *pageStore) TaskPage(_ context.Context, _ guanxi.Actor, q ListQuery) (Page[Task], error) {
	p.got = append(p.got, q)
	return Page[Task]{Items: []Task{{ID: 1}}, NextCursor: p.next}, nil
}

// TestPageLimits: a page is at most MaxLimit (TESTPLAN I5), DefaultLimit
// when none is asked for; the caller is the owner when none is named; the
// cursor reaches the store.
func TestPageLimits(t *testing.T) {
	agent := guanxi.Actor{UserID: 7, Role: guanxi.RoleAgent}
	for _, c := range []struct{ ask, want int }{{0, DefaultLimit}, {-3, DefaultLimit}, {5, 5}, {200, 200}, {1000, MaxLimit}} {
		st := &pageStore{}
		s := &Service{Store: st}
		if _, err := s.Page(context.Background(), agent, ListQuery{Limit: c.ask, Cursor: "2030-01-01.9"}); err != nil {
			t.Fatal(err)
		}
		if q := st.got[0]; q.Limit != c.want || q.OwnerID != 7 || q.Cursor != "2030-01-01.9" {
			t.Errorf("limit %d: store got %+v", c.ask, q)
		}
	}
	st := &pageStore{}
	s := &Service{Store: st}
	if _, err := s.Page(context.Background(), agent, ListQuery{DueFrom: "2030-13-01"}); guanxi.KindOf(err) != guanxi.KindInvalid || len(st.got) != 0 {
		t.Fatalf("bad date: %v", err)
	}
	if _, err := s.Page(context.Background(), guanxi.Actor{}, ListQuery{}); guanxi.KindOf(err) != guanxi.KindForbidden {
		t.Fatalf("no permission: %v", err)
	}
}

// TestDayMore: the today page says when more tasks are due than MaxDue
// (the store has a next page) instead of cutting them off unseen.
func TestDayMore(t *testing.T) {
	agent := guanxi.Actor{UserID: 7, Role: guanxi.RoleAgent}
	for _, next := range []string{"", "2030-01-01.9"} {
		st := &pageStore{next: next}
		d, err := (&Service{Store: st}).Day(context.Background(), agent)
		if err != nil {
			t.Fatal(err)
		}
		if d.DueMore != (next != "") || d.UpcomingMore != (next != "") || len(d.Due) != 1 {
			t.Errorf("next %q: %+v", next, d)
		}
		for _, q := range st.got {
			if q.Limit != MaxDue || q.OwnerID != 7 {
				t.Errorf("today query %+v", q)
			}
		}
	}
}
