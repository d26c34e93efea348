package wire

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// wireCare sets up this module's service on a.
func wireCare(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	return nil
}
