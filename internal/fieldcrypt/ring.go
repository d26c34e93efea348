// Package fieldcrypt seals sensitive column values (ID numbers, TOTP
// secrets, snapshots that hold them) with AES-256-GCM under a key ring, and
// makes blind indexes (keyed HMAC-SHA-256) so an equality lookup, a unique
// index or a search token never needs the plaintext (TESTPLAN D10, G5).
//
// A sealed value reads "gx1:<key id>:<base64 nonce|ciphertext|tag>". Stored
// values are validated upper-case, so the lower-case prefix cannot be a
// plaintext value; a value without it is legacy plaintext and opens as
// itself, which lets a database written before encryption be sealed in
// place (sqlstore.SealPlaintext).
package fieldcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Prefix starts every sealed value.
const Prefix = "gx1:"

// ErrUnknownKey is an Open of a value sealed under a key the ring lacks.
var ErrUnknownKey = errors.New("fieldcrypt: the value was sealed with a key this key file does not hold")

// keyset is one immutable generation of the ring: swapped whole on reload.
type keyset struct {
	aeads   map[uint32]cipher.AEAD
	raw     map[uint32][]byte
	primary uint32
	blind   []byte
	// macs reuses keyed HMAC states: hmac.New costs two key-block hashes
	// and most of a blind index's time.
	macs sync.Pool
}

// Ring holds the data keys and the blind-index key. It is safe for
// concurrent use. A ring loaded from a file re-reads it when the file
// changes (checked at most once a second on a seal, at once on an unknown
// key id), so a running server follows `guanxi keys rotate`.
type Ring struct {
	set     atomic.Pointer[keyset]
	file    string
	mu      sync.Mutex // serialises reloads
	modTime time.Time
	checked atomic.Int64 // unix nanoseconds of the last stat
	now     func() time.Time
}

func newKeyset(keys map[uint32][]byte, primary uint32, blind []byte) (*keyset, error) {
	if len(blind) != 32 {
		return nil, errors.New("fieldcrypt: the blind-index key must be 32 bytes")
	}
	ks := &keyset{aeads: map[uint32]cipher.AEAD{}, raw: map[uint32][]byte{}, primary: primary, blind: blind}
	ks.macs.New = func() any { return hmac.New(sha256.New, blind) }
	for id, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("fieldcrypt: key %d must be 32 bytes", id)
		}
		b, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		g, err := cipher.NewGCM(b)
		if err != nil {
			return nil, err
		}
		ks.aeads[id], ks.raw[id] = g, k
	}
	if _, ok := ks.aeads[primary]; !ok {
		return nil, fmt.Errorf("fieldcrypt: the primary key %d is not in the ring", primary)
	}
	return ks, nil
}

// Derived returns a ring whose keys are derived from seed: deterministic,
// for tests and for stores opened without a key file. The binary always
// opens its store with the key file's ring (cmd/guanxi/keys.go).
func Derived(seed string) *Ring {
	derive := func(label string) []byte {
		h := sha256.Sum256([]byte("guanxi fieldcrypt " + label + " " + seed))
		return h[:]
	}
	ks, err := newKeyset(map[uint32][]byte{1: derive("data 1")}, 1, derive("blind"))
	if err != nil {
		panic(err) // unreachable: the lengths are fixed
	}
	r := &Ring{now: time.Now}
	r.set.Store(ks)
	return r
}

func (r *Ring) keys() *keyset {
	r.maybeReload(false)
	return r.set.Load()
}

// Primary is the id of the key new values are sealed with.
func (r *Ring) Primary() uint32 { return r.keys().primary }

// Seal encrypts plain for column (the column name is authenticated, so a
// value copied into another column does not open). "" stays "".
func (r *Ring) Seal(plain, column string) string {
	if plain == "" {
		return ""
	}
	ks := r.keys()
	g := ks.aeads[ks.primary]
	buf := make([]byte, g.NonceSize(), g.NonceSize()+len(plain)+g.Overhead())
	if _, err := rand.Read(buf); err != nil {
		panic(err) // crypto/rand never fails on Linux; sealing must not go on without a nonce
	}
	buf = g.Seal(buf, buf, []byte(plain), []byte(column))
	return Prefix + strconv.FormatUint(uint64(ks.primary), 10) + ":" + base64.RawStdEncoding.EncodeToString(buf)
}

// Open decrypts a value Seal made for column; a value without the prefix
// is legacy plaintext and is returned as it is.
func (r *Ring) Open(v, column string) (string, error) {
	if !IsSealed(v) {
		return v, nil
	}
	id, body, err := split(v)
	if err != nil {
		return "", err
	}
	plain, err := r.openRaw(id, body, column)
	return string(plain), err
}

// openRaw opens nonce|ciphertext|tag sealed under key id for column; an
// unknown id re-reads the key file once (a rotation by another process).
func (r *Ring) openRaw(id uint32, body []byte, column string) ([]byte, error) {
	g, ok := r.set.Load().aeads[id]
	if !ok {
		r.maybeReload(true)
		if g, ok = r.set.Load().aeads[id]; !ok {
			return nil, fmt.Errorf("%w (key %d)", ErrUnknownKey, id)
		}
	}
	if len(body) < g.NonceSize()+g.Overhead() {
		return nil, errors.New("fieldcrypt: sealed value too short")
	}
	plain, err := g.Open(nil, body[:g.NonceSize()], body[g.NonceSize():], []byte(column))
	if err != nil {
		return nil, fmt.Errorf("fieldcrypt: value of %s does not open: %w", column, err)
	}
	return plain, nil
}

// KeyOf is the key id a sealed value (or its first bytes) names; ok is
// false for plaintext.
func KeyOf(v string) (uint32, bool) {
	if !IsSealed(v) {
		return 0, false
	}
	rest := v[len(Prefix):]
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return 0, false
	}
	id, err := strconv.ParseUint(rest[:i], 10, 32)
	return uint32(id), err == nil
}

// IsSealed reports whether v was made by Seal.
func IsSealed(v string) bool { return strings.HasPrefix(v, Prefix) }

func split(v string) (uint32, []byte, error) {
	rest := v[len(Prefix):]
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return 0, nil, errors.New("fieldcrypt: malformed sealed value")
	}
	id, err := strconv.ParseUint(rest[:i], 10, 32)
	if err != nil {
		return 0, nil, errors.New("fieldcrypt: malformed key id")
	}
	body, err := base64.RawStdEncoding.DecodeString(rest[i+1:])
	if err != nil {
		return 0, nil, errors.New("fieldcrypt: malformed sealed value")
	}
	return uint32(id), body, nil
}

// Blind is the blind index of v in domain: the first 16 bytes of
// HMAC-SHA-256 under the blind key, hex. "" stays "". The blind key never
// rotates with the data keys, so indexes and search tokens stay valid.
func (r *Ring) Blind(domain, v string) string {
	if v == "" {
		return ""
	}
	ks := r.set.Load()
	m := ks.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(v))
	var sum [sha256.Size]byte
	out := hex.EncodeToString(m.Sum(sum[:0])[:16])
	ks.macs.Put(m)
	return out
}

// Fingerprint identifies key id (0: the blind key) without revealing it;
// the database records them so a wrong key file is refused at start. ok is
// false when the ring lacks the key.
func (r *Ring) Fingerprint(id uint32) (string, bool) {
	ks := r.set.Load()
	k := ks.blind
	if id != 0 {
		var ok bool
		if k, ok = ks.raw[id]; !ok {
			return "", false
		}
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("guanxi key fingerprint"))
	return hex.EncodeToString(m.Sum(nil)[:12]), true
}

// IDs lists the data key ids in the ring.
func (r *Ring) IDs() []uint32 {
	ks := r.set.Load()
	out := make([]uint32, 0, len(ks.raw))
	for id := range ks.raw {
		out = append(out, id)
	}
	return out
}

// DerivedKey is a 32-byte key for label derived from the blind key, which
// never rotates: backups sealed with it stay restorable after the data keys
// rotate, and only with this key file.
func (r *Ring) DerivedKey(label string) []byte {
	m := hmac.New(sha256.New, r.set.Load().blind)
	m.Write([]byte("guanxi derived key\x00" + label))
	return m.Sum(nil)
}

// SealBytes is Seal for a BLOB column: the prefix, the key id and the raw
// nonce|ciphertext|tag, without base64. nil stays nil.
func (r *Ring) SealBytes(plain []byte, column string) []byte {
	if plain == nil {
		return nil
	}
	ks := r.keys()
	g := ks.aeads[ks.primary]
	head := Prefix + strconv.FormatUint(uint64(ks.primary), 10) + ":"
	buf := make([]byte, len(head)+g.NonceSize(), len(head)+g.NonceSize()+len(plain)+g.Overhead())
	copy(buf, head)
	nonce := buf[len(head):]
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return g.Seal(buf, nonce, plain, []byte(column))
}

// OpenBytes opens a value SealBytes made; bytes without the prefix are
// legacy plaintext and returned as they are.
func (r *Ring) OpenBytes(v []byte, column string) ([]byte, error) {
	if len(v) < len(Prefix) || string(v[:len(Prefix)]) != Prefix {
		return v, nil
	}
	rest := v[len(Prefix):]
	i := bytes.IndexByte(rest, ':')
	if i < 0 {
		return nil, errors.New("fieldcrypt: malformed sealed value")
	}
	id, err := strconv.ParseUint(string(rest[:i]), 10, 32)
	if err != nil {
		return nil, errors.New("fieldcrypt: malformed key id")
	}
	return r.openRaw(uint32(id), rest[i+1:], column)
}
