package consent

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

// historyLimitStore records the page the service asks the store for.
type historyLimitStore struct {
	Store
	got EventQuery
}

func (s *historyLimitStore) ConsentEvents(_ context.Context, _ guanxi.Actor, _ guanxi.ID, q EventQuery) (EventPage, State, error) {
	s.got = q
	return EventPage{}, State{}, nil
}

// TestHistoryLimit: no limit is the default page, a limit over the cap is
// the cap, and the cursor goes to the store as given.
func TestHistoryLimit(t *testing.T) {
	st := &historyLimitStore{}
	svc := &Service{Store: st}
	agent := guanxi.Actor{UserID: 1, Role: guanxi.RoleAgent}
	for _, c := range []struct{ in, want int }{{0, DefaultEventLimit}, {-1, DefaultEventLimit}, {9, 9},
		{MaxEventLimit, MaxEventLimit}, {MaxEventLimit + 1, MaxEventLimit}, {1000, MaxEventLimit}} {
		if _, _, err := svc.History(context.Background(), agent, 7, EventQuery{Limit: c.in, Cursor: "42"}); err != nil {
			t.Fatal(err)
		}
		if st.got.Limit != c.want || st.got.Cursor != "42" {
			t.Fatalf("limit %d: store got %+v", c.in, st.got)
		}
	}
}
