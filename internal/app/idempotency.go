package app

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// IdemRecord is a stored POST response keyed by (user, Idempotency-Key).
type IdemRecord struct {
	UserID      guanxi.ID
	Key         string
	Method      string
	Path        string
	BodyHash    string
	Status      int // 0 while the first request is still in flight
	Headers     map[string]string
	Body        []byte
	CreatedAt   time.Time
	CompletedAt *time.Time
}

// IdempotencyStore keeps POST responses so a retried request is answered
// from the record instead of running twice.
type IdempotencyStore interface {
	// BeginIdem inserts an in-flight record, or returns the existing one
	// with created=false.
	BeginIdem(ctx context.Context, rec IdemRecord) (existing IdemRecord, created bool, err error)
	// FinishIdem stores the response of an in-flight record.
	FinishIdem(ctx context.Context, userID guanxi.ID, key string, status int, headers map[string]string, body []byte) error
	// AbortIdem removes an in-flight record whose request failed before a response was decided (e.g. panics).
	AbortIdem(ctx context.Context, userID guanxi.ID, key string) error
}
