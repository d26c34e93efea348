package app

import (
	"context"
	"maps"
	"slices"

	"github.com/guanxi-crm/guanxi"
)

// EncryptionStore counts the stored values of each sealed column by the id
// of the key that sealed them (0: still plaintext). The count reads every
// sealed value's first bytes: fine for a page an auditor opens now and
// then, never for a hot path.
type EncryptionStore interface {
	SealedCounts(ctx context.Context) (map[string]map[uint32]int, error)
}

// KeyRing is the part of the store's key ring (fieldcrypt.Ring) the status
// shows. A fingerprint is an HMAC of the key, safe to show; the key is not.
type KeyRing interface {
	IDs() []uint32
	Primary() uint32
	Fingerprint(id uint32) (string, bool)
}

// Encryption reports how encryption at rest stands (docs/security.md),
// read-only, for auditors and settings administrators.
type Encryption struct {
	Store EncryptionStore
	Keys  KeyRing
}

// EncryptionStatus is the answer of Encryption.Status.
type EncryptionStatus struct {
	Enabled bool
	Primary uint32
	// BlindFingerprint identifies the blind-index key (key id 0), which
	// never rotates.
	BlindFingerprint string
	// Keys are the key file's data keys by id, then any key id the data
	// names that the key file lacks (InKeyFile false, no fingerprint).
	Keys    []EncryptionKey
	Columns []SealedColumn
}

// EncryptionKey is one data key.
type EncryptionKey struct {
	ID          uint32
	Fingerprint string
	Primary     bool
	InKeyFile   bool
}

// SealedColumn counts one sealed column's stored values: ByKey has one
// entry per EncryptionStatus.Keys entry, in the same order.
type SealedColumn struct {
	Column    string
	Total     int
	Plaintext int
	ByKey     []KeyCount
}

// KeyCount is how many values of a column one key sealed.
type KeyCount struct {
	KeyID uint32
	Count int
}

// CanSeeEncryption reports whether a may read the encryption status:
// auditors check it, settings administrators run the rotation.
func CanSeeEncryption(a guanxi.Actor) bool {
	return a.Can(guanxi.PermAuditRead) || a.Can(guanxi.PermSettingsAdmin)
}

// Status returns the keys with their fingerprints and the per-column
// counts by key.
func (e *Encryption) Status(ctx context.Context, a guanxi.Actor) (EncryptionStatus, error) {
	if !CanSeeEncryption(a) {
		return EncryptionStatus{}, guanxi.Forbidden("error.forbidden")
	}
	counts, err := e.Store.SealedCounts(ctx)
	if err != nil {
		return EncryptionStatus{}, err
	}
	ring := e.Keys.IDs()
	slices.Sort(ring)
	st := EncryptionStatus{Primary: e.Keys.Primary()}
	st.BlindFingerprint, _ = e.Keys.Fingerprint(0)
	st.Enabled = slices.Contains(ring, st.Primary)
	for _, id := range ring {
		fp, _ := e.Keys.Fingerprint(id)
		st.Keys = append(st.Keys, EncryptionKey{ID: id, Fingerprint: fp, Primary: id == st.Primary, InKeyFile: true})
	}
	// A value under a key the key file lacks cannot be opened here: show
	// its key id rather than hide the count.
	var unknown []uint32
	for _, m := range counts {
		for id := range m {
			if id != 0 && !slices.Contains(ring, id) && !slices.Contains(unknown, id) {
				unknown = append(unknown, id)
			}
		}
	}
	slices.Sort(unknown)
	for _, id := range unknown {
		st.Keys = append(st.Keys, EncryptionKey{ID: id})
	}
	for _, col := range slices.Sorted(maps.Keys(counts)) {
		m := counts[col]
		c := SealedColumn{Column: col, Plaintext: m[0]}
		for _, k := range st.Keys {
			c.ByKey = append(c.ByKey, KeyCount{KeyID: k.ID, Count: m[k.ID]})
		}
		for _, n := range m {
			c.Total += n
		}
		st.Columns = append(st.Columns, c)
	}
	return st, nil
}
