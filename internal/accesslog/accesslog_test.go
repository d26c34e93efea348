package accesslog

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// memStore keeps rows in memory; fail makes writes fail.
type memStore struct {
	mu    sync.Mutex
	rows  []Access
	fail  bool
	calls int
	block chan struct{} // when set, writes wait on it
}

func (m *memStore) InsertAccess(ctx context.Context, rows []Access) error {
	if m.block != nil {
		<-m.block
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.fail {
		return errors.New("disk full")
	}
	m.rows = append(m.rows, rows...)
	return nil
}

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rows)
}

var agent = guanxi.Actor{UserID: 7, Username: "agent", Role: guanxi.RoleAgent}

func TestRecordFlushesByBatchAndInterval(t *testing.T) {
	st := &memStore{}
	l := &Log{Store: st, Interval: 20 * time.Millisecond, Batch: 10}
	for i := range 25 {
		if err := l.Record(agent, APIGet, guanxi.ID(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	// The interval timer writes the tail without any further call.
	deadline := time.Now().Add(5 * time.Second)
	for st.count() < 25 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st.count() != 25 {
		t.Fatalf("flushed %d of 25", st.count())
	}
	r := st.rows[3]
	if r.UserID != 7 || r.CustomerID != 4 || r.Via != APIGet || r.At.IsZero() {
		t.Fatalf("row %+v", r)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRecordFailsClosedWhenFull(t *testing.T) {
	st := &memStore{block: make(chan struct{})}
	l := &Log{Store: st, Interval: time.Hour, Batch: 5, Max: 8}
	ids := []guanxi.ID{1, 2, 3, 4, 5}
	if err := l.Record(agent, List, ids...); err != nil { // starts a flush that blocks
		t.Fatal(err)
	}
	for l.Pending() != 0 { // the flush has taken its rows
		time.Sleep(time.Millisecond)
	}
	if err := l.Record(agent, List, ids...); err != nil { // buffered while the flush hangs
		t.Fatal(err)
	}
	err := l.Record(agent, List, ids...)
	if guanxi.KindOf(err) != guanxi.KindUnavailable || guanxi.AsError(err).Key != "accesslog.unavailable" {
		t.Fatalf("full buffer: %v", err)
	}
	close(st.block)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st.count() != 10 {
		t.Fatalf("written %d, want 10", st.count())
	}
	if err := l.Record(agent, List, 1); guanxi.KindOf(err) != guanxi.KindUnavailable {
		t.Fatalf("after close: %v", err)
	}
}

func TestRecordFailsClosedWhenFlushesFail(t *testing.T) {
	st := &memStore{fail: true}
	l := &Log{Store: st, Interval: time.Hour, MaxFailures: 2}
	if err := l.Record(agent, WebView, 1); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := l.Flush(); err == nil {
			t.Fatal("flush to a failing store succeeded")
		}
	}
	if err := l.Record(agent, WebView, 2); guanxi.KindOf(err) != guanxi.KindUnavailable {
		t.Fatalf("after failing flushes: %v", err)
	}
	// The store recovers: the kept row is written and reads resume.
	st.mu.Lock()
	st.fail = false
	st.mu.Unlock()
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := l.Record(agent, WebView, 3); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st.count() != 2 || st.rows[0].CustomerID != 1 || st.rows[1].CustomerID != 3 {
		t.Fatalf("rows %+v", st.rows)
	}
}

func TestRecordWaitWaitsForRoom(t *testing.T) {
	st := &memStore{}
	l := &Log{Store: st, Interval: 5 * time.Millisecond, Batch: 100, Max: 100}
	ids := make([]guanxi.ID, 60)
	for i := range ids {
		ids[i] = guanxi.ID(i + 1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 10 { // 600 rows through a 100-row buffer
		if err := l.RecordWait(ctx, agent, Export, ids...); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if st.count() != 600 {
		t.Fatalf("written %d", st.count())
	}
}

func TestNilLogRecordsNothing(t *testing.T) {
	var l *Log
	if err := l.Record(agent, APIGet, 1); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil || l.Pending() != 0 {
		t.Fatal(err)
	}
}

func TestCanReadAudit(t *testing.T) {
	admin := guanxi.Actor{UserID: 1, Role: guanxi.RoleAdmin}
	auditor := guanxi.Actor{UserID: 2, Role: guanxi.RoleAuditor}
	for _, c := range []struct {
		a       guanxi.Actor
		profile string
		want    bool
	}{{admin, "asvs", true}, {admin, "mlps3", false}, {auditor, "asvs", true}, {auditor, "mlps3", true},
		{agent, "asvs", false}, {agent, "mlps3", false}} {
		if got := CanReadAudit(c.a, c.profile); got != c.want {
			t.Errorf("%s in %s: %v", c.a.Role, c.profile, got)
		}
	}
}

// retStore is a RetentionStore in memory.
type retStore struct {
	row     *settings.Setting
	entries []audit.Entry
	purged  time.Time
}

func (s *retStore) SettingRow(ctx context.Context, key string) (settings.Setting, bool, error) {
	if s.row == nil {
		return settings.Setting{}, false, nil
	}
	return *s.row, true, nil
}

func (s *retStore) SaveSetting(ctx context.Context, key, value string, version int64, e audit.Entry) error {
	s.row = &settings.Setting{Key: key, Value: value, Version: version + 1}
	s.entries = append(s.entries, e)
	return nil
}

func (s *retStore) Audit(ctx context.Context, es ...audit.Entry) error {
	s.entries = append(s.entries, es...)
	return nil
}

func (s *retStore) PurgeAudit(ctx context.Context, a guanxi.Actor, before time.Time, max int) (int64, error) {
	s.purged = before
	return 3, nil
}

func (s *retStore) PurgeAccess(ctx context.Context, before time.Time, batch int) (int64, error) {
	return 5, nil
}

// TestRetentionMinimum (E3/E4): 90 days is refused in mlps3 (and asvs),
// by admin and auditor alike, and each refusal is audited; an admin in
// mlps3 may not change it at all; 200 days is accepted and the purge cuts
// at now − 200 days on a fake clock.
func TestRetentionMinimum(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	st := &retStore{}
	r := &Retention{Store: st, Now: func() time.Time { return clock }, Profile: func(context.Context) string { return "mlps3" }}
	auditor := guanxi.Actor{UserID: 2, Username: "auditor", Role: guanxi.RoleAuditor}
	admin := guanxi.Actor{UserID: 1, Username: "admin", Role: guanxi.RoleAdmin}

	err := r.Set(ctx, auditor, 90, 0)
	if guanxi.KindOf(err) != guanxi.KindInvalid || guanxi.AsError(err).Fields[0].Key != "accesslog.retention_min" {
		t.Fatalf("90 days: %v", err)
	}
	if err := r.Set(ctx, admin, 400, 0); guanxi.KindOf(err) != guanxi.KindForbidden {
		t.Fatalf("admin in mlps3: %v", err)
	}
	if len(st.entries) != 2 || st.entries[0].Action != audit.ActionAuditProtect || st.entries[0].Outcome != "denied" ||
		st.entries[1].Outcome != "denied" || st.row != nil {
		t.Fatalf("refusals: %+v", st.entries)
	}
	if d, _, _ := r.Days(ctx); d != DefaultRetentionDays {
		t.Fatalf("default %d", d)
	}
	if err := r.Set(ctx, auditor, 200, 0); err != nil {
		t.Fatal(err)
	}
	res, err := r.Purge(ctx)
	if err != nil || !res.Before.Equal(clock.AddDate(0, 0, -200)) || !st.purged.Equal(res.Before) || res.AccessRows != 5 {
		t.Fatalf("purge %+v %v", res, err)
	}
	// A row below the minimum written around the service is not obeyed.
	st.row.Value = "30"
	if d, _, _ := r.Days(ctx); d != MinRetentionDays {
		t.Fatalf("stored 30: in force %d", d)
	}
}
