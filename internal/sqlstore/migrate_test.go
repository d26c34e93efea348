package sqlstore_test

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

func TestMigrateBothEngines(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		n, err := s.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("second migrate: applied %d, err %v", n, err)
		}
	})
}
