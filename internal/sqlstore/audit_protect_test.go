package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// dropAuditTriggers lets a test play the attacker with raw SQL.
func dropAuditTriggers(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	db := s.DB()
	stmts := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
	if s.Dialect() == sqlstore.Postgres {
		stmts = []string{"ALTER TABLE audit_log DISABLE TRIGGER USER"}
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func seedAudit(t *testing.T, s *sqlstore.Store, n int, at func(i int) time.Time) {
	t.Helper()
	a := guanxi.SystemActor("t")
	for i := range n {
		e := audit.New(a, audit.ActionSettings, "setting", 0, map[string]any{"i": i})
		if at != nil {
			e.At = at(i)
		}
		if err := s.Audit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditTamperDeleteReorder (E2): deleting a middle row and swapping two
// rows' order are found by verify, which names the first broken seq.
func TestAuditTamperDeleteReorder(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		seedAudit(t, s, 10, nil)
		db := s.DB()
		// The triggers refuse the raw edits first.
		if _, err := db.Exec("UPDATE audit_log SET outcome = 'x' WHERE seq = 2"); err == nil {
			t.Fatal("update allowed")
		}
		if _, err := db.Exec("DELETE FROM audit_log WHERE seq = 5"); err == nil {
			t.Fatal("delete allowed")
		}
		dropAuditTriggers(t, s)
		if _, err := db.Exec("DELETE FROM audit_log WHERE seq = 5"); err != nil {
			t.Fatal(err)
		}
		// The first row whose link is broken is the one after the gap.
		if b, _, err := s.VerifyAudit(ctx); err != nil || b != 6 {
			t.Fatalf("deleted row 5: broken %d %v", b, err)
		}
		// Reordering: swap the contents of rows 7 and 8 (seq kept in place,
		// so the rows simply appear in the other order).
		s2 := sqltest.SQLite(t)
		if s.Dialect() == sqlstore.Postgres {
			s2 = sqltest.Postgres(t)
		}
		seedAudit(t, s2, 10, nil)
		dropAuditTriggers(t, s2)
		db2 := s2.DB()
		for _, q := range []string{
			"UPDATE audit_log SET seq = -7 WHERE seq = 7",
			"UPDATE audit_log SET seq = 7 WHERE seq = 8",
			"UPDATE audit_log SET seq = 8 WHERE seq = -7",
		} {
			if _, err := db2.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if b, _, err := s2.VerifyAudit(ctx); err != nil || b != 7 {
			t.Fatalf("reordered rows 7/8: broken %d %v", b, err)
		}
	})
}

// TestAuditRetentionPurge (E4): with a clock 200 days ahead of the oldest
// rows, the purge removes rows older than the retention and keeps the
// rest; the chain still verifies from the anchor; the database refuses to
// delete rows younger than 180 days even when asked; an edited anchor is
// caught.
func TestAuditRetentionPurge(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		// Rows 1–6 are 300 days old, 7–10 are 100 days old.
		seedAudit(t, s, 10, func(i int) time.Time {
			if i < 6 {
				return now.AddDate(0, 0, -300).Add(time.Duration(i) * time.Minute)
			}
			return now.AddDate(0, 0, -100).Add(time.Duration(i) * time.Minute)
		})
		sys := guanxi.SystemActor("retention")
		// Asking for more than the law allows fails in the database.
		if _, err := s.PurgeAudit(ctx, sys, now.AddDate(0, 0, -90), 0); err == nil {
			t.Fatal("purge of rows younger than 180 days allowed")
		}
		if b, n, err := s.VerifyAudit(ctx); err != nil || b != 0 || n != 10 {
			t.Fatalf("after refused purge: broken %d checked %d %v", b, n, err)
		}
		n, err := s.PurgeAudit(ctx, sys, now.AddDate(0, 0, -180), 4)
		if err != nil || n != 6 {
			t.Fatalf("purge: %d %v", n, err)
		}
		// Two retention.run rows (batches of 4 and 2) follow the 10.
		b, checked, err := s.VerifyAudit(ctx)
		if err != nil || b != 0 || checked != 6 {
			t.Fatalf("after purge: broken %d checked %d %v", b, checked, err)
		}
		got, err := s.ListAudit(ctx, audit.Filter{Limit: 50})
		if err != nil || len(got) != 6 || got[len(got)-1].Seq != 7 {
			t.Fatalf("kept rows: %d %v", len(got), err)
		}
		// Nothing more is old enough.
		if n, err := s.PurgeAudit(ctx, sys, now.AddDate(0, 0, -180), 0); err != nil || n != 0 {
			t.Fatalf("second purge: %d %v", n, err)
		}
		// Moving the anchor by hand (to hide a deleted row) is caught.
		dropAuditTriggers(t, s)
		db := s.DB()
		if _, err := db.Exec("DELETE FROM audit_log WHERE seq = 7"); err != nil {
			t.Fatal(err)
		}
		var h string
		if err := db.QueryRow("SELECT prev_hash FROM audit_log WHERE seq = 8").Scan(&h); err != nil {
			t.Fatal(err)
		}
		q := "UPDATE audit_anchor SET seq = 7, hash = ? WHERE id = 1"
		if s.Dialect() == sqlstore.Postgres {
			q = "UPDATE audit_anchor SET seq = 7, hash = $1 WHERE id = 1"
		}
		if _, err := db.Exec(q, h); err != nil {
			t.Fatal(err)
		}
		if b, _, err := s.VerifyAudit(ctx); err != nil || b != 8 {
			t.Fatalf("forged anchor: broken %d %v", b, err)
		}
	})
}
