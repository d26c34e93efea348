package ratelimit

import (
	"container/list"
	"hash/fnv"
	"net/netip"
	"sync"
	"time"
)

// Rule is a failure limit: Max failures of one key within Window block
// the key for Window.
type Rule struct {
	Max    int
	Window time.Duration
}

// DefaultMaxKeys bounds the keys a Failures tracks when MaxKeys is zero.
const DefaultMaxKeys = 10000

// Failures counts failed attempts per key (a client address) with a
// sliding window, in memory: each instance counts on its own. Each failure
// remembers a subject (the username tried), so a success forgives only
// its own subject's failures: one valid account cannot wipe the count of
// a spray over other names. Attempts are reserved before they run (Take),
// so a burst of parallel tries cannot all pass before the first fails.
//
// Memory is bounded: at most MaxKeys keys (the one touched longest ago is
// dropped first), each with fewer than Rule.Max failures of 16 bytes.
type Failures struct {
	MaxKeys int

	mu   sync.Mutex
	keys map[string]*list.Element // values are *failKey
	lru  list.List                // front: touched longest ago
}

type failKey struct {
	key     string
	fails   []failure // inside the window, oldest first
	pending int       // taken and not yet settled
	until   time.Time // blocked until
}

// failure keeps a hash of the subject, not the subject, so a long typed
// username costs no more memory than a short one.
type failure struct {
	at  int64 // unix nanoseconds
	sub uint64
}

func subHash(sub string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(sub))
	return h.Sum64()
}

// entry returns key's state, creating it (and evicting the stalest key
// when full) if create is set; it marks the key as touched.
func (f *Failures) entry(key string, create bool) *failKey {
	if e, ok := f.keys[key]; ok {
		f.lru.MoveToBack(e)
		return e.Value.(*failKey)
	}
	if !create {
		return nil
	}
	if f.keys == nil {
		f.keys = map[string]*list.Element{}
	}
	maxKeys := f.MaxKeys
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	for len(f.keys) >= maxKeys {
		old := f.lru.Front()
		f.lru.Remove(old)
		delete(f.keys, old.Value.(*failKey).key)
	}
	k := &failKey{key: key}
	f.keys[key] = f.lru.PushBack(k)
	return k
}

// trim drops failures older than the window and forgets a key with
// nothing left to remember.
func (f *Failures) trim(k *failKey, r Rule, now time.Time) {
	cut := now.Add(-r.Window).UnixNano()
	i := 0
	for i < len(k.fails) && k.fails[i].at <= cut {
		i++
	}
	k.fails = k.fails[i:]
	if len(k.fails) == 0 && k.pending == 0 && !now.Before(k.until) {
		f.lru.Remove(f.keys[k.key])
		delete(f.keys, k.key)
	}
}

// Take reserves one attempt for key. It refuses, with how long to wait,
// while key is blocked, or while its failures in the window plus the
// attempts still running reach r.Max. Each successful Take must be
// settled by exactly one Fail, Succeed or Cancel. r.Max <= 0 allows all.
func (f *Failures) Take(key string, r Rule, now time.Time) (time.Duration, bool) {
	if r.Max <= 0 {
		return 0, true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if k := f.entry(key, false); k != nil {
		if now.Before(k.until) {
			return k.until.Sub(now), false
		}
		f.trim(k, r, now)
		if len(k.fails)+k.pending >= r.Max {
			// Attempts running now may fail and block the key: wait for
			// the oldest failure to leave the window, or a moment.
			wait := time.Second
			if len(k.fails) > 0 {
				wait = max(wait, time.Unix(0, k.fails[0].at).Add(r.Window).Sub(now))
			}
			return wait, false
		}
	}
	f.entry(key, true).pending++
	return 0, true
}

// Fail settles a taken attempt as a failure of sub. When this failure
// reaches r.Max within the window the key is blocked for r.Window and
// Fail returns when the block ends (zero otherwise). A failure that lands
// while a block is on is not counted again.
func (f *Failures) Fail(key, sub string, r Rule, now time.Time) time.Time {
	if r.Max <= 0 {
		return time.Time{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.entry(key, true)
	k.pending = max(0, k.pending-1)
	if now.Before(k.until) {
		return time.Time{}
	}
	k.fails = append(k.fails, failure{at: now.UnixNano(), sub: subHash(sub)})
	f.trim(k, r, now)
	if len(k.fails) < r.Max {
		return time.Time{}
	}
	k.until, k.fails = now.Add(r.Window), nil
	return k.until
}

// Succeed settles a taken attempt as a success of sub: sub's failures
// are forgotten, other subjects' failures stay.
func (f *Failures) Succeed(key, sub string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.entry(key, false)
	if k == nil {
		return
	}
	k.pending = max(0, k.pending-1)
	h := subHash(sub)
	kept := k.fails[:0]
	for _, x := range k.fails {
		if x.sub != h {
			kept = append(kept, x)
		}
	}
	k.fails = kept
}

// Cancel settles a taken attempt that neither failed nor succeeded (an
// internal error): it does not count.
func (f *Failures) Cancel(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k := f.entry(key, false); k != nil {
		k.pending = max(0, k.pending-1)
	}
}

// Len reports how many keys are tracked.
func (f *Failures) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.keys)
}

// AddrKey is the throttling key of a client address: an IPv4 address as
// is (also when written IPv4-mapped), an IPv6 address by its /64, since
// one subscriber usually holds a whole /64. Anything else is kept as is.
func AddrKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}
