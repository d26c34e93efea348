package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := New(2, time.Minute)
	l.Now = func() time.Time { return now }
	if !l.Allow("a") || !l.Allow("a") || l.Allow("a") || !l.Allow("b") {
		t.Fatal("limit per key")
	}
	now = now.Add(20 * time.Second)
	ok, wait := l.Take("a")
	if ok || wait != 40*time.Second {
		t.Fatalf("over the limit: %v, retry after %v", ok, wait)
	}
	now = now.Add(40 * time.Second)
	if !l.Allow("a") {
		t.Fatal("new window")
	}
}

func TestLimiterOff(t *testing.T) {
	var l *Limiter
	if !l.Allow("a") {
		t.Fatal("nil limiter refuses")
	}
	z := New(0, time.Minute)
	for range 10 {
		if !z.Allow("a") {
			t.Fatal("zero max refuses")
		}
	}
}
