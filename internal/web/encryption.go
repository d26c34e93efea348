package web

import (
	"net/http"

	"github.com/guanxi-crm/guanxi/internal/app"
)

// encryptionView is the encryption at rest status for auditors: the key
// file's keys by fingerprint and each sealed column's values by key.
type encryptionView struct {
	Base
	S app.EncryptionStatus
}

// ColumnLabel names a sealed column in the page language; a column the
// catalogs do not name yet shows as table.column.
func (v *encryptionView) ColumnLabel(col string) string {
	key := "web.encryption.column." + col
	if v.h == nil || v.h.app.I18n == nil || !v.h.app.I18n.Has(v.Lang, key) {
		return col
	}
	return v.T(key)
}

// encryptionPage counts every sealed value (a few bytes each), so it is a
// page of its own linked from the audit log, not part of the log's pages.
func (h *Handler) encryptionPage(w http.ResponseWriter, r *http.Request) error {
	st, err := h.app.Encryption.Status(r.Context(), actor(r))
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "audit_encryption", &encryptionView{Base: h.base(r, "web.encryption.title", "audit"), S: st})
}
