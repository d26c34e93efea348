package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

// failOnce takes and fails one attempt, reporting whether Take let it in.
func failOnce(f *Failures, key, sub string, r Rule, now time.Time) (bool, time.Time) {
	if _, ok := f.Take(key, r, now); !ok {
		return false, time.Time{}
	}
	return true, f.Fail(key, sub, r, now)
}

func TestFailuresBlockAndWindow(t *testing.T) {
	var f Failures
	r := Rule{Max: 3, Window: 10 * time.Minute}
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for i, sub := range []string{"a", "b"} {
		if ok, until := failOnce(&f, "1.2.3.4", sub, r, t0.Add(time.Duration(5*i)*time.Minute)); !ok || !until.IsZero() {
			t.Fatalf("failure %d: ok %v until %v", i, ok, until)
		}
	}
	// A failure older than the window no longer counts: the third, 11
	// minutes after the first, does not block.
	if ok, until := failOnce(&f, "1.2.3.4", "c", r, t0.Add(11*time.Minute)); !ok || !until.IsZero() {
		t.Fatalf("window not sliding: %v %v", ok, until)
	}
	t1 := t0.Add(12 * time.Minute)
	ok, until := failOnce(&f, "1.2.3.4", "d", r, t1)
	if !ok || !until.Equal(t1.Add(r.Window)) {
		t.Fatalf("third failure in the window: %v until %v", ok, until)
	}
	wait, ok := f.Take("1.2.3.4", r, t1.Add(4*time.Minute))
	if ok || wait != 6*time.Minute {
		t.Fatalf("blocked: %v wait %v", ok, wait)
	}
	if _, ok := f.Take("5.6.7.8", r, t1); !ok {
		t.Fatal("another key is blocked")
	}
	f.Cancel("5.6.7.8")
	// After the block the count starts afresh.
	if _, ok := f.Take("1.2.3.4", r, t1.Add(r.Window)); !ok {
		t.Fatal("still blocked after the window")
	}
	if until := f.Fail("1.2.3.4", "e", r, t1.Add(r.Window)); !until.IsZero() {
		t.Fatal("the failures of the block counted again")
	}
}

// A success forgives only its own subject: one valid account does not
// wipe the count of a spray over other names.
func TestFailuresSucceedForgivesOwnSubjectOnly(t *testing.T) {
	var f Failures
	r := Rule{Max: 5, Window: time.Hour}
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, sub := range []string{"li", "li", "x1", "x2"} {
		failOnce(&f, "k", sub, r, now)
	}
	f.Take("k", r, now)
	f.Succeed("k", "li")
	// x1 and x2 stay: three more failures reach 5.
	for i := range 3 {
		ok, until := failOnce(&f, "k", fmt.Sprintf("y%d", i), r, now)
		if !ok || (i < 2) != until.IsZero() {
			t.Fatalf("failure %d after the success: ok %v until %v", i, ok, until)
		}
	}
	if _, ok := f.Take("k", r, now); ok {
		t.Fatal("not blocked")
	}
}

// Attempts still running count: a burst of parallel tries cannot all pass
// before the first one fails.
func TestFailuresPendingBurst(t *testing.T) {
	var f Failures
	r := Rule{Max: 4, Window: time.Minute}
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	in := 0
	for range 100 {
		if _, ok := f.Take("k", r, now); ok {
			in++
		}
	}
	if in != r.Max {
		t.Fatalf("%d of a burst of 100 let in, want %d", in, r.Max)
	}
	// Settling one as an internal error frees its place.
	f.Cancel("k")
	if _, ok := f.Take("k", r, now); !ok {
		t.Fatal("a cancelled attempt still counts")
	}
	if wait, ok := f.Take("k", r, now); ok || wait < time.Second {
		t.Fatalf("pending refusal: %v %v", ok, wait)
	}
}

func TestFailuresBoundedKeys(t *testing.T) {
	f := Failures{MaxKeys: 100}
	r := Rule{Max: 3, Window: time.Hour}
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for range 3 {
		failOnce(&f, "old", "a", r, now)
	}
	if _, ok := f.Take("old", r, now); ok {
		t.Fatal("old not blocked")
	}
	for i := range 1000 {
		failOnce(&f, fmt.Sprintf("10.0.%d.%d", i/256, i%256), "a", r, now)
		if f.Len() > 100 {
			t.Fatalf("%d keys tracked, cap 100", f.Len())
		}
	}
	// The key touched longest ago went first.
	if _, ok := f.Take("old", r, now); !ok {
		t.Fatal("the oldest key was not evicted")
	}
}

func TestFailuresOff(t *testing.T) {
	var f Failures
	r := Rule{Max: 0, Window: time.Hour}
	now := time.Now()
	for range 50 {
		if ok, until := failOnce(&f, "k", "a", r, now); !ok || !until.IsZero() {
			t.Fatal("a zero Max blocks")
		}
	}
	if f.Len() != 0 {
		t.Fatal("a zero Max tracks keys")
	}
}

func TestAddrKey(t *testing.T) {
	cases := map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"fe80::1%eth0":         "fe80::/64",
		"not an address":       "not an address",
		"":                     "",
	}
	for in, want := range cases {
		if got := AddrKey(in); got != want {
			t.Errorf("AddrKey(%q) = %q, want %q", in, got, want)
		}
	}
}
