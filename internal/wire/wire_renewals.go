package wire

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// wireRenewals sets up this module's service on a.
func wireRenewals(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	return nil
}
