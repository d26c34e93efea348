package renewal

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

// dueLimitStore records the page size the service asks the store for.
type dueLimitStore struct {
	Store
	got DueQuery
}

func (s *dueLimitStore) ListRenewalDue(_ context.Context, _ guanxi.Actor, q DueQuery) (DuePage, error) {
	s.got = q
	return DuePage{}, nil
}

// TestDueLimit: no limit is the default page, a limit over the cap is the
// cap, and the cursor goes to the store as given.
func TestDueLimit(t *testing.T) {
	st := &dueLimitStore{}
	svc := &Service{Store: st}
	agent := guanxi.Actor{UserID: 1, Role: guanxi.RoleAgent}
	for _, c := range []struct{ in, want int }{{0, DefaultLimit}, {-3, DefaultLimit}, {7, 7}, {MaxLimit, MaxLimit},
		{MaxLimit + 1, MaxLimit}, {5000, MaxLimit}} {
		if _, err := svc.Due(context.Background(), agent, DueQuery{From: "2026-03-01", To: "2026-03-31", Limit: c.in, Cursor: "2026-03-05.9"}); err != nil {
			t.Fatal(err)
		}
		if st.got.Limit != c.want || st.got.Cursor != "2026-03-05.9" {
			t.Fatalf("limit %d: store got %+v", c.in, st.got)
		}
	}
}
