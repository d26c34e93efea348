package server

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

func TestSessionCodec(t *testing.T) {
	deadline := time.Date(2026, 11, 27, 14, 0, 0, 123456789, time.UTC)
	values := map[string]any{"user_id": int64(42), "auth_at": int64(-7), "lang": "zh-CN", "flash": "", "k": int64(1 << 62)}
	first, err := sessionCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	// Go ranges over a map in a random order: 50 encodings must agree.
	for range 50 {
		if b, _ := (sessionCodec{}).Encode(deadline, values); !bytes.Equal(b, first) {
			t.Fatal("two encodings of the same session differ")
		}
	}
	d, v, err := sessionCodec{}.Decode(first)
	if err != nil || !d.Equal(deadline) || !reflect.DeepEqual(v, values) {
		t.Fatalf("round trip: %v %v %v", d, v, err)
	}
	// Rows written by scs's gob codec, and data with other types, are gob.
	for _, vals := range []map[string]any{values, {"n": 1.5, "user_id": int64(3)}} {
		old, err := scs.GobCodec{}.Encode(deadline, vals)
		if err != nil {
			t.Fatal(err)
		}
		if d, v, err := (sessionCodec{}).Decode(old); err != nil || !d.Equal(deadline) || !reflect.DeepEqual(v, vals) {
			t.Errorf("gob row: %v %v %v", d, v, err)
		}
		b, err := sessionCodec{}.Encode(deadline, vals)
		if err != nil {
			t.Fatal(err)
		}
		if d, v, err := (sessionCodec{}).Decode(b); err != nil || !d.Equal(deadline) || !reflect.DeepEqual(v, vals) {
			t.Errorf("encode and decode %v: %v %v %v", vals, d, v, err)
		}
	}
	for i := len(sessionCodecMagic) + 1; i < len(first); i++ {
		if _, _, err := (sessionCodec{}).Decode(first[:i]); err == nil {
			t.Errorf("truncated to %d bytes: decoded", i)
		}
	}
}

// fakeExpiryStore holds one row and counts the writes.
type fakeExpiryStore struct {
	token   string
	data    []byte
	expiry  time.Time
	commits int
}

func (f *fakeExpiryStore) FindExpiryCtx(_ context.Context, token string) ([]byte, time.Time, bool, error) {
	if token != f.token {
		return nil, time.Time{}, false, nil
	}
	return f.data, f.expiry, true, nil
}

func (f *fakeExpiryStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	b, _, ok, err := f.FindExpiryCtx(ctx, token)
	return b, ok, err
}

func (f *fakeExpiryStore) CommitCtx(_ context.Context, token string, b []byte, expiry time.Time) error {
	f.token, f.data, f.expiry = token, b, expiry
	f.commits++
	return nil
}

func (f *fakeExpiryStore) DeleteCtx(context.Context, string) error { f.token = ""; return nil }
func (f *fakeExpiryStore) Find(token string) ([]byte, bool, error) {
	return f.FindCtx(context.Background(), token)
}
func (f *fakeExpiryStore) Commit(token string, b []byte, expiry time.Time) error {
	return f.CommitCtx(context.Background(), token, b, expiry)
}
func (f *fakeExpiryStore) Delete(token string) error { return f.DeleteCtx(context.Background(), token) }

// TestSessionRefresh: a request that read its row writes it back only when
// the data or token changed, the expiry would move back, or it would move
// forward by a step or more.
func TestSessionRefresh(t *testing.T) {
	if got := refreshStep(30 * time.Minute); got != time.Minute {
		t.Errorf("step for 30 minutes: %v", got)
	}
	if got := refreshStep(time.Minute); got != 6*time.Second {
		t.Errorf("step for 1 minute: %v", got)
	}
	stored := time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)
	data := []byte("data")
	for _, c := range []struct {
		name   string
		token  string
		data   []byte
		expiry time.Time
		loaded bool // the request went through the middleware
		write  bool
	}{
		{"unchanged, expiry 59 s later", "tok", data, stored.Add(59 * time.Second), true, false},
		{"unchanged, same expiry", "tok", data, stored, true, false},
		{"unchanged, expiry a step later", "tok", data, stored.Add(time.Minute), true, true},
		{"unchanged, expiry earlier", "tok", data, stored.Add(-time.Second), true, true},
		{"data changed", "tok", []byte("other"), stored, true, true},
		{"new token", "tok2", data, stored, true, true},
		{"outside the middleware", "tok", data, stored, false, true},
	} {
		f := &fakeExpiryStore{token: "tok", data: data, expiry: stored}
		sr := &sessionRefresh{inner: f, step: time.Minute}
		ctx := context.Background()
		if c.loaded {
			ctx = context.WithValue(ctx, loadedSessionKey{}, &loadedSession{})
		}
		if _, found, err := sr.FindCtx(ctx, "tok"); !found || err != nil {
			t.Fatalf("%s: find: %v %v", c.name, found, err)
		}
		if err := sr.CommitCtx(ctx, c.token, c.data, c.expiry); err != nil {
			t.Fatal(err)
		}
		if wrote := f.commits == 1; wrote != c.write {
			t.Errorf("%s: wrote %v, want %v", c.name, wrote, c.write)
		}
		// A second commit in the same request compares with what was written.
		if c.loaded && c.write {
			if err := sr.CommitCtx(ctx, c.token, c.data, c.expiry.Add(time.Second)); err != nil || f.commits != 1 {
				t.Errorf("%s: second commit wrote again (%d writes, %v)", c.name, f.commits, err)
			}
		}
	}
}

// TestUseSessionRefresh: the manager's store and codec are replaced once,
// and only with an idle timeout and a store that knows expiries.
func TestUseSessionRefresh(t *testing.T) {
	m := scs.New()
	m.IdleTimeout = 30 * time.Minute
	f := &fakeExpiryStore{}
	m.Store = f
	useSessionRefresh(m)
	useSessionRefresh(m)
	sr, ok := m.Store.(*sessionRefresh)
	if !ok || sr.inner != f || sr.step != time.Minute {
		t.Fatalf("store %#v", m.Store)
	}
	if _, ok := m.Codec.(sessionCodec); !ok {
		t.Errorf("codec %T", m.Codec)
	}
	plain := scs.New()
	plain.Store = f
	useSessionRefresh(plain)
	if plain.Store != f {
		t.Error("a manager without an idle timeout got the refresh store")
	}
}

// BenchmarkSessionDecode decodes a signed-in session's data, as every web
// request does, with scs's gob codec and with sessionCodec:
//
//	go test ./internal/server -run '^$' -bench SessionDecode -benchmem
func BenchmarkSessionDecode(b *testing.B) {
	deadline := time.Now().Add(12 * time.Hour).UTC()
	values := map[string]any{"user_id": int64(3), "auth_at": time.Now().UnixNano()}
	for _, c := range []struct {
		name  string
		codec scs.Codec
	}{{"gob", scs.GobCodec{}}, {"sorted", sessionCodec{}}} {
		data, err := c.codec.Encode(deadline, values)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, v, err := c.codec.Decode(data); err != nil || len(v) != 2 {
					b.Fatal(v, err)
				}
			}
		})
	}
}
