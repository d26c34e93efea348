package api

import (
	"context"
	"net/http"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
)

// EncryptionStatus is how encryption at rest stands: the key file's keys
// (by fingerprint, never the key) and each sealed column's stored values by
// the key that sealed them.
type EncryptionStatus struct {
	Enabled      bool   `json:"enabled"`
	PrimaryKeyID uint32 `json:"primary_key_id" doc:"New values are sealed with this key"`
	// BlindIndexFingerprint identifies the blind-index key, which never rotates.
	BlindIndexFingerprint string          `json:"blind_index_fingerprint"`
	Keys                  []EncryptionKey `json:"keys" doc:"The key file's data keys, then any key id the data names that the key file lacks"`
	Columns               []SealedColumn  `json:"columns"`
}

// EncryptionKey is one data key.
type EncryptionKey struct {
	ID          uint32 `json:"id"`
	Fingerprint string `json:"fingerprint" doc:"HMAC of the key; empty when the key file lacks it"`
	Primary     bool   `json:"primary"`
	InKeyFile   bool   `json:"in_key_file"`
}

// SealedColumn counts one sealed column's stored values.
type SealedColumn struct {
	Column    string     `json:"column" doc:"table.column"`
	Total     int        `json:"total"`
	Plaintext int        `json:"plaintext" doc:"Values not sealed yet"`
	ByKey     []KeyCount `json:"by_key" doc:"One entry per entry of keys, in the same order"`
}

// KeyCount is how many values of a column one key sealed.
type KeyCount struct {
	KeyID uint32 `json:"key_id"`
	Count int    `json:"count"`
}

func encryptionOut(st app.EncryptionStatus) EncryptionStatus {
	out := EncryptionStatus{Enabled: st.Enabled, PrimaryKeyID: st.Primary, BlindIndexFingerprint: st.BlindFingerprint,
		Keys: []EncryptionKey{}, Columns: []SealedColumn{}}
	for _, k := range st.Keys {
		out.Keys = append(out.Keys, EncryptionKey{ID: k.ID, Fingerprint: k.Fingerprint, Primary: k.Primary, InKeyFile: k.InKeyFile})
	}
	for _, c := range st.Columns {
		col := SealedColumn{Column: c.Column, Total: c.Total, Plaintext: c.Plaintext, ByKey: []KeyCount{}}
		for _, n := range c.ByKey {
			col.ByKey = append(col.ByKey, KeyCount{KeyID: n.KeyID, Count: n.Count})
		}
		out.Columns = append(out.Columns, col)
	}
	return out
}

type encryptionOutput struct{ Body EncryptionStatus }

// encryptionRoutes is the read-only encryption status. The service allows
// audit.read or settings.admin; the route names audit.read, which every
// role with settings.admin holds too (TestEncryptionRouteGate keeps it so).
func (h *Handler) encryptionRoutes(api humaAPI) {
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/system/encryption", ID: "encryption-status", Perm: guanxi.PermAuditRead},
		"Encryption at rest: keys by fingerprint and sealed values by key (counts every sealed value: not for polling)",
		func(ctx context.Context, a guanxi.Actor, in *struct{}) (*encryptionOutput, error) {
			st, err := h.app.Encryption.Status(ctx, a)
			if err != nil {
				return nil, err
			}
			return &encryptionOutput{Body: encryptionOut(st)}, nil
		})
}
