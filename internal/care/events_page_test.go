package care

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

// eventLimitStore records the page size the service asks the store for.
type eventLimitStore struct {
	Store
	got EventQuery
}

func (s *eventLimitStore) ListCareEvents(_ context.Context, _ guanxi.Actor, q EventQuery) (EventPage, error) {
	s.got = q
	return EventPage{}, nil
}

// TestEventsLimit: no limit is the default page, a limit over the cap is
// the cap, and the cursor goes to the store as given.
func TestEventsLimit(t *testing.T) {
	st := &eventLimitStore{}
	svc := &Service{Store: st}
	agent := guanxi.Actor{UserID: 1, Role: guanxi.RoleAgent}
	for _, c := range []struct{ in, want int }{{0, DefaultEventLimit}, {-1, DefaultEventLimit}, {9, 9},
		{MaxEventLimit, MaxEventLimit}, {MaxEventLimit + 1, MaxEventLimit}, {500, MaxEventLimit}} {
		if _, err := svc.Events(context.Background(), agent, EventQuery{Limit: c.in, Cursor: "42"}); err != nil {
			t.Fatal(err)
		}
		if st.got.Limit != c.want || st.got.Cursor != "42" {
			t.Fatalf("limit %d: store got %+v", c.in, st.got)
		}
	}
}
