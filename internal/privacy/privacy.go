// Package privacy holds the personal-data rights of one customer (PIPL
// 44–47): the subject data map (every table that holds a customer's data,
// how its rows are found and what erasure does to them), the subject
// access export document, erasure's pseudonym and reason codes, and legal
// holds. It does no I/O; internal/sqlstore runs the map against the
// database and privacy.Service checks permissions.
package privacy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// ErrLegalHold is wrapped by the error AnonymiseCustomer returns for a
// customer under an active legal hold; the retention job tests for it with
// errors.Is and skips the customer.
var ErrLegalHold = errors.New("privacy: customer is under legal hold")

// HoldError is the error returned for a held customer: a Conflict with a
// message key for the surfaces that also matches ErrLegalHold.
func HoldError() error {
	return &guanxi.Error{Kind: guanxi.KindConflict, Key: "privacy.on_hold", Err: ErrLegalHold}
}

// Reason codes recorded with an erasure (no free text: the record must hold
// no personal data).
const (
	ReasonRequest   = "subject_request"   // the customer asked (PIPL 47)
	ReasonWithdrawn = "consent_withdrawn" // consent withdrawn and no other basis
	ReasonPurpose   = "purpose_fulfilled" // processing purpose achieved or impossible
	ReasonRetention = "retention_expired" // the retention job
	ReasonUnlawful  = "unlawful"          // processed against law or agreement
)

// Reasons lists the erasure reason codes in display order.
var Reasons = []string{ReasonRequest, ReasonWithdrawn, ReasonPurpose, ReasonRetention, ReasonUnlawful}

// ValidReason reports whether r is a known reason code.
func ValidReason(r string) bool {
	for _, x := range Reasons {
		if x == r {
			return true
		}
	}
	return false
}

// PseudonymPrefix starts every erased customer's name.
const PseudonymPrefix = "已注销客户"

// Pseudonym is the name an erased customer keeps: the prefix and 8 hex
// digits of a hash over the row id and the erasure time, so it identifies
// the record without deriving from any personal value.
func Pseudonym(id guanxi.ID, at time.Time) string {
	h := sha256.Sum256([]byte(strconv.FormatInt(id, 10) + "|" + at.UTC().Format(time.RFC3339Nano)))
	return PseudonymPrefix + "-" + strings.ToUpper(hex.EncodeToString(h[:4]))
}

// Hold is a legal hold on one customer: while released_at is empty the
// customer cannot be erased, by hand or by retention.
type Hold struct {
	ID         guanxi.ID  `db:"id" json:"id"`
	CustomerID guanxi.ID  `db:"customer_id" json:"customer_id"`
	Reason     string     `db:"reason" json:"reason"`
	SetBy      *guanxi.ID `db:"set_by" json:"set_by,omitempty"`
	SetByName  string     `db:"set_by_name" json:"set_by_name"`
	SetAt      time.Time  `db:"set_at" json:"set_at"`
	ReleasedBy *guanxi.ID `db:"released_by" json:"released_by,omitempty"`
	ReleasedAt *time.Time `db:"released_at" json:"released_at,omitempty"`
	Version    int64      `db:"version" json:"version"`
}

// Active reports whether the hold is still in force.
func (h Hold) Active() bool { return h.ReleasedAt == nil }

// Erasure is the pseudonymous record that an erasure happened.
type Erasure struct {
	ID        guanxi.ID  `db:"id" json:"id"`
	Pseudonym string     `db:"pseudonym" json:"pseudonym"`
	At        time.Time  `db:"at" json:"at"`
	ByID      *guanxi.ID `db:"by_id" json:"by_id,omitempty"`
	ByName    string     `db:"by_name" json:"by_name"`
	Reason    string     `db:"reason" json:"reason"`
	// Rows counts what erasure touched, per table (JSON object).
	Rows string `db:"rows_json" json:"rows"`
}

// ValidateHoldReason checks a legal hold's reason (a case or order
// reference, kept short).
func ValidateHoldReason(reason string) error {
	r := strings.TrimSpace(reason)
	if r == "" {
		return guanxi.Invalid(guanxi.Field("reason", "validation.required"))
	}
	if len([]rune(r)) > 200 {
		return guanxi.Invalid(guanxi.Field("reason", "privacy.reason_too_long"))
	}
	return nil
}
