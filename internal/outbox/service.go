package outbox

import (
	"log/slog"
	"time"
)

// Service sends queued messages and manages templates and channels.
type Service struct {
	Store Store
	Now   func() time.Time
	Log   *slog.Logger
}

// Store is what the service needs from storage.
type Store interface{}
