package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAuditChainTamper proves the chain finds an edit made by someone who
// bypassed the append-only triggers, and names the first broken row.
func TestAuditChainTamper(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a := guanxi.SystemActor("t")
		for i := range 10 {
			if err := s.Audit(ctx, audit.New(a, audit.ActionSettings, "setting", 0, map[string]any{"i": i})); err != nil {
				t.Fatal(err)
			}
		}
		if b, n, err := s.VerifyAudit(ctx); err != nil || b != 0 || n != 10 {
			t.Fatalf("intact chain: broken %d checked %d %v", b, n, err)
		}
		rows, err := s.ListAudit(ctx, audit.Filter{Action: audit.ActionSettings, Limit: 3})
		if err != nil || len(rows) != 3 || rows[0].Seq != 10 {
			t.Fatalf("list: %+v %v", rows, err)
		}
		db := s.DB()
		if s.Dialect() == sqlstore.SQLite {
			_, err = db.Exec("DROP TRIGGER audit_log_no_update")
		} else {
			_, err = db.Exec("ALTER TABLE audit_log DISABLE TRIGGER USER")
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE audit_log SET detail = '{"i":99}' WHERE seq = 4`); err != nil {
			t.Fatal(err)
		}
		b, _, err := s.VerifyAudit(ctx)
		if err != nil || b != 4 {
			t.Fatalf("tampered row 4: broken %d %v", b, err)
		}
		if s.Dialect() == sqlstore.SQLite {
			_, err = db.Exec("DROP TRIGGER audit_log_no_delete")
		}
		if err != nil {
			t.Fatal(err)
		}
		// A deleted tail is caught against the head row.
		if _, err := db.Exec(`UPDATE audit_log SET detail = '{"i":3}' WHERE seq = 4`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM audit_log WHERE seq = 10`); err != nil {
			t.Fatal(fmt.Errorf("delete tail: %w", err))
		}
		if b, _, err := s.VerifyAudit(ctx); err != nil || b != 10 {
			t.Fatalf("deleted tail: broken %d %v", b, err)
		}
	})
}
