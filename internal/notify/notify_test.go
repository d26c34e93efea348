package notify

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

type fakeStore struct{ limit int }

func (f *fakeStore) Notifications(_ context.Context, _ guanxi.ID, _ bool, limit int) ([]Notification, error) {
	f.limit = limit
	return []Notification{{ID: 1, Kind: "escalation", ArgsJSON: `{"number":"TS-2026-000001","level":2}`}}, nil
}
func (f *fakeStore) UnreadCount(context.Context, guanxi.ID) (int, error)  { return 1, nil }
func (f *fakeStore) MarkRead(context.Context, guanxi.ID, guanxi.ID) error { return nil }
func (f *fakeStore) MarkAllRead(context.Context, guanxi.ID) (int, error)  { return 1, nil }

func TestService(t *testing.T) {
	st := &fakeStore{}
	s := &Service{Store: st}
	ctx := context.Background()
	if _, err := s.List(ctx, guanxi.Actor{}, false, 10); guanxi.KindOf(err) != guanxi.KindUnauthorized {
		t.Fatalf("anonymous: %v", err)
	}
	ns, err := s.List(ctx, guanxi.Actor{UserID: 3}, true, 5000)
	if err != nil || st.limit != 50 || len(ns) != 1 {
		t.Fatalf("list: %v %d", err, st.limit)
	}
	if ns[0].Key() != "notify.escalation" || ns[0].Args()["number"] != "TS-2026-000001" {
		t.Fatalf("decoded: %s %v", ns[0].Key(), ns[0].Args())
	}
}
