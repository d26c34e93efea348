package wire

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/renewal"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// wireRenewals sets up renewal tracking (SUB-*) on a.
func wireRenewals(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	a.Renewals = &renewal.Service{Store: s, Now: time.Now}
	return nil
}
