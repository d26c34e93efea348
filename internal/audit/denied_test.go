package audit

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// TestDenialThrottle: one row per key a minute, again after the minute;
// the memory stays bounded however many keys come.
func TestDenialThrottle(t *testing.T) {
	var th denialThrottle
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if !th.reserve("7 GET /a", t0) {
		t.Fatal("first denial throttled")
	}
	if th.reserve("7 GET /a", t0.Add(59*time.Second)) {
		t.Fatal("second denial within the minute written")
	}
	if !th.reserve("7 GET /b", t0.Add(time.Second)) || !th.reserve("8 GET /a", t0.Add(time.Second)) {
		t.Fatal("another route or user throttled")
	}
	if !th.reserve("7 GET /a", t0.Add(time.Minute)) {
		t.Fatal("denial after the minute throttled")
	}
	for i := range deniedMaxKeys * 2 {
		th.reserve("k"+strconv.Itoa(i), t0.Add(2*time.Minute))
	}
	if n := len(th.last); n > deniedMaxKeys {
		t.Fatalf("%d keys remembered, bound %d", n, deniedMaxKeys)
	}
}

type fakeStore struct {
	Store
	rows []Entry
	err  error
}

func (f *fakeStore) Audit(_ context.Context, es ...Entry) error {
	if f.err != nil {
		return f.err
	}
	f.rows = append(f.rows, es...)
	return nil
}

// TestDenied writes the row with its route, path and missing permission,
// throttles the repeat, and tries again after a failed write.
func TestDenied(t *testing.T) {
	st := &fakeStore{err: errors.New("disk full")}
	s := &Service{Store: st}
	a := guanxi.Actor{UserID: 7, Username: "zhangsan", Addr: "10.0.0.1"}
	d := Denial{Surface: "api", Method: "GET", Route: "/api/v1/settings", Path: "/api/v1/settings", Perm: guanxi.PermSettingsAdmin}
	if err := s.Denied(context.Background(), a, d); err == nil {
		t.Fatal("a failed write reported no error")
	}
	st.err = nil
	for range 3 {
		if err := s.Denied(context.Background(), a, d); err != nil {
			t.Fatal(err)
		}
	}
	if len(st.rows) != 1 {
		t.Fatalf("%d rows, want 1", len(st.rows))
	}
	e := st.rows[0]
	want := `{"method":"GET","path":"/api/v1/settings","perm":"settings.admin","route":"/api/v1/settings","surface":"api"}`
	if e.Action != ActionDenied || e.Outcome != "denied" || e.ObjectType != "route" || e.Addr != "10.0.0.1" ||
		e.ActorID == nil || *e.ActorID != 7 || e.Detail != want {
		t.Fatalf("row %+v", e)
	}
}
