// Package guanxi holds the vocabulary every layer shares: ids, money, the
// calling Actor with its role and data scope, and error kinds. It does no I/O.
package guanxi

import (
	"context"
	"time"
)

// ID identifies a stored row. Ids are plain int64 on both engines.
type ID = int64

// Money is an amount in minor units (分) with its ISO currency code.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// Clock returns the current time; tests pass a fixed or stepping clock.
type Clock func() time.Time

type actorKey struct{}

// WithActor returns a context that carries the calling actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the zero Actor (which may do nothing).
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
