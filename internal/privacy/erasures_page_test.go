package privacy

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

// erasureLimitStore records the page the service asks the store for.
type erasureLimitStore struct {
	Store
	got   ErasureQuery
	calls int
}

func (s *erasureLimitStore) ListErasures(_ context.Context, _ guanxi.Actor, q ErasureQuery) (ErasurePage, error) {
	s.got = q
	s.calls++
	return ErasurePage{}, nil
}

// TestErasuresLimit: no limit is the default page, a limit over the cap is
// the cap, the cursor goes to the store as given, and a caller without
// privacy.admin never reaches the store.
func TestErasuresLimit(t *testing.T) {
	st := &erasureLimitStore{}
	svc := &Service{Store: st}
	admin := guanxi.Actor{UserID: 1, Role: guanxi.RoleAdmin}
	for _, c := range []struct{ in, want int }{{0, DefaultErasureLimit}, {-1, DefaultErasureLimit}, {9, 9},
		{MaxErasureLimit, MaxErasureLimit}, {MaxErasureLimit + 1, MaxErasureLimit}, {500, MaxErasureLimit}} {
		if _, err := svc.Erasures(context.Background(), admin, ErasureQuery{Limit: c.in, Cursor: "42"}); err != nil {
			t.Fatal(err)
		}
		if st.got.Limit != c.want || st.got.Cursor != "42" {
			t.Fatalf("limit %d: store got %+v", c.in, st.got)
		}
	}
	calls := st.calls
	agent := guanxi.Actor{UserID: 2, Role: guanxi.RoleAgent}
	if _, err := svc.Erasures(context.Background(), agent, ErasureQuery{}); guanxi.KindOf(err) != guanxi.KindForbidden || st.calls != calls {
		t.Fatalf("agent: %v, store called %d times", err, st.calls-calls)
	}
}
