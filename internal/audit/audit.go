// Package audit defines audit entries and their hash chain. Rows are appended
// in the same transaction as the change they record; the database refuses
// updates and deletes, and the chain makes any edit made around that evident.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Actions recorded in the log.
const (
	ActionCreate        = "create"
	ActionUpdate        = "update"
	ActionDelete        = "delete"
	ActionRestore       = "restore"
	ActionTransfer      = "transfer"
	ActionReveal        = "reveal"
	ActionExport        = "export"
	ActionLogin         = "login"
	ActionLoginFailed   = "login_failed"
	ActionLockout       = "lockout"
	ActionLogout        = "logout"
	ActionPassword      = "password_change"
	ActionPasswordReset = "password_reset"
	ActionUserCreate    = "user_create"
	ActionUserUpdate    = "user_update"
	ActionUserDisable   = "user_disable"
	ActionUserEnable    = "user_enable"
	ActionRoleChange    = "role_change"
	ActionTokenCreate   = "token_create"
	ActionTokenRevoke   = "token_revoke"
	ActionSettings      = "settings_change"
	ActionOrgChange     = "org_change"
	ActionFieldChange   = "field_change"
	ActionDenied        = "access_denied"
)

// Actions of imports (M13) and of duplicate review and merging.
const (
	ActionImportStart  = "import_start"
	ActionImportFinish = "import_finish"
	ActionImportCancel = "import_cancel"
	ActionImportUndo   = "import_undo"
	ActionImportFail   = "import_fail"
	ActionDupScan      = "duplicate.scan"
	ActionDupDismiss   = "duplicate.dismiss"
	ActionMerge        = "customer.merge"
)

// Actions of background jobs, care automation, messaging and appointments.
const (
	ActionJobRetry    = "job.retry"
	ActionCareRun     = "care.run"            // a care rule run started by hand
	ActionUnsubscribe = "consent.unsubscribe" // 退订 by reply keyword or link
	ActionMessageSend = "message.send"        // a message queued by hand
	ActionAppointment = "appointment.status"  // confirm, arrive, no-show, cancel, reschedule
	ActionRenewal     = "renewal.outcome"
)

// Actions of personal-data rights, second factors and audit protection.
const (
	ActionConsentGrant    = "consent.grant"    // a ledger row granting a purpose on a channel
	ActionConsentWithdraw = "consent.withdraw" // a ledger row withdrawing it
	ActionDSARExport      = "dsar.export"      // everything held about one customer, exported
	ActionErase           = "privacy.erase"    // erasure or anonymisation of one customer
	ActionLegalHold       = "legal_hold"       // a legal hold set or released
	ActionRetentionRule   = "retention.rule"   // a retention rule created, changed or removed
	ActionRetentionRun    = "retention.run"    // a retention run purged or anonymised records
	ActionBreachQuery     = "audit.breach_query"
	ActionMFAEnroll       = "mfa.enroll"
	ActionMFADisable      = "mfa.disable"
	ActionMFAFailed       = "mfa.failed"    // a wrong or replayed second-factor code
	ActionAuditProtect    = "audit.protect" // a refused attempt to delete audit rows or shorten their retention
)

// Actions of operations (guanxi backup and restore). A restore of a backup
// is not ActionRestore, which brings a customer back from the trash.
const (
	ActionBackup        = "backup"         // a backup written (by hand or on schedule), or failed
	ActionBackupRestore = "backup.restore" // a backup restored, recorded in the restored database
	ActionKeyRotate     = "key.rotate"     // the data key rotated and stored values re-sealed
)

// Actions lists every action, for filters in the UI.
var Actions = []string{ActionCreate, ActionUpdate, ActionDelete, ActionRestore, ActionTransfer,
	ActionReveal, ActionExport, ActionLogin, ActionLoginFailed, ActionLockout, ActionLogout,
	ActionPassword, ActionPasswordReset, ActionUserCreate, ActionUserUpdate, ActionUserDisable,
	ActionUserEnable, ActionRoleChange, ActionTokenCreate, ActionTokenRevoke, ActionSettings,
	ActionOrgChange, ActionFieldChange, ActionDenied,
	ActionImportStart, ActionImportFinish, ActionImportCancel, ActionImportUndo, ActionImportFail,
	ActionDupScan, ActionDupDismiss, ActionMerge,
	ActionJobRetry, ActionCareRun, ActionUnsubscribe, ActionMessageSend, ActionAppointment, ActionRenewal,
	ActionConsentGrant, ActionConsentWithdraw, ActionDSARExport, ActionErase, ActionLegalHold,
	ActionRetentionRule, ActionRetentionRun, ActionBreachQuery, ActionMFAEnroll, ActionMFADisable,
	ActionMFAFailed, ActionAuditProtect, ActionBackup, ActionBackupRestore, ActionKeyRotate}

// Entry is one audit row.
type Entry struct {
	ID         guanxi.ID  `db:"id" json:"id"`
	Seq        int64      `db:"seq" json:"seq"`
	At         time.Time  `db:"at" json:"at"`
	ActorID    *guanxi.ID `db:"actor_id" json:"actor_id,omitempty"`
	ActorName  string     `db:"actor_name" json:"actor_name"`
	Addr       string     `db:"addr" json:"addr"`
	Action     string     `db:"action" json:"action"`
	ObjectType string     `db:"object_type" json:"object_type"`
	ObjectID   *guanxi.ID `db:"object_id" json:"object_id,omitempty"`
	CustomerID *guanxi.ID `db:"customer_id" json:"customer_id,omitempty"`
	Outcome    string     `db:"outcome" json:"outcome"`
	Detail     string     `db:"detail" json:"detail"` // JSON, never plaintext personal data
	PrevHash   string     `db:"prev_hash" json:"prev_hash"`
	Hash       string     `db:"hash" json:"hash"`
}

// New builds an entry for actor a; detail is marshalled to JSON.
func New(a guanxi.Actor, action, objectType string, objectID guanxi.ID, detail any) Entry {
	e := Entry{ActorName: a.Username, Addr: a.Addr, Action: action, ObjectType: objectType, Outcome: "ok"}
	if a.UserID != 0 {
		id := a.UserID
		e.ActorID = &id
	}
	if objectID != 0 {
		id := objectID
		e.ObjectID = &id
	}
	e.Detail = "{}"
	if detail != nil {
		if b, err := json.Marshal(detail); err == nil {
			e.Detail = string(b)
		}
	}
	return e
}

// ForCustomer marks the entry as part of customer id's history.
func (e Entry) ForCustomer(id guanxi.ID) Entry {
	e.CustomerID = &id
	return e
}

// Failed marks the entry's outcome.
func (e Entry) Failed(outcome string) Entry {
	e.Outcome = outcome
	return e
}

func idText(p *guanxi.ID) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// ComputeHash returns the chain hash of e over prev: SHA-256 of the previous
// hash and every field, each length-prefixed so no two rows collide.
func ComputeHash(e Entry, prev string) string {
	h := sha256.New()
	for _, f := range []string{prev, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		idText(e.ActorID), e.ActorName, e.Addr, e.Action, e.ObjectType, idText(e.ObjectID),
		idText(e.CustomerID), e.Outcome, e.Detail} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Verify walks entries in seq order, starting after prev, and returns the seq
// of the first row whose link is broken, or 0 when the chain holds.
func Verify(entries []Entry, prev string, prevSeq int64) (broken int64) {
	for _, e := range entries {
		if e.Seq != prevSeq+1 || e.PrevHash != prev || ComputeHash(e, prev) != e.Hash {
			return e.Seq
		}
		prev, prevSeq = e.Hash, e.Seq
	}
	return 0
}
