package wire

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/outbox"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// wireOutbox sets up the messaging outbox and its dispatcher, which runs
// every few seconds on every instance (claims keep them apart).
func wireOutbox(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	svc := &outbox.Service{Store: s, Now: time.Now, Log: a.Log}
	a.Outbox = svc
	a.Periodic = append(a.Periodic, app.Periodic{Name: "outbox", Every: 5 * time.Second, Run: svc.Dispatch})
	return nil
}
