package wire

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/privacy"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// wirePrivacy sets up the personal-data rights service (PIPL 44–47).
func wirePrivacy(_ context.Context, a *app.App, s *sqlstore.Store) error {
	a.Privacy = &privacy.Service{Store: s}
	return nil
}
