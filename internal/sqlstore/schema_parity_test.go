package sqlstore_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestSchemaParity checks that both engines' migrations have the same file
// names and produce the same tables with the same columns in the same order.
func TestSchemaParity(t *testing.T) {
	ls, err := sqlstore.MigrationNames(sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := sqlstore.MigrationNames(sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ls, lp) {
		t.Fatalf("migration files differ:\nsqlite   %v\npostgres %v", ls, lp)
	}
	lite := columns(t, sqltest.SQLite(t).DB(), `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version' ORDER BY m.name, p.cid`)
	pg := columns(t, sqltest.Postgres(t).DB(), `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name <> 'goose_db_version' ORDER BY table_name, ordinal_position`)
	for table, cols := range lite {
		if !slices.Equal(cols, pg[table]) {
			t.Errorf("table %s:\nsqlite   %v\npostgres %v", table, cols, pg[table])
		}
	}
	for table := range pg {
		if _, ok := lite[table]; !ok {
			t.Errorf("table %s only on postgres", table)
		}
	}
}

func columns(t *testing.T, db *sql.DB, q string) map[string][]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], col)
	}
	return out
}

// TestSQLiteDurabilityDefaults checks the default SQLite settings: FULL sync,
// foreign keys, WAL and a single writer connection.
func TestSQLiteDurabilityDefaults(t *testing.T) {
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, t.TempDir()+"/g.db", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sync, fk int
	var mode string
	db := s.DB()
	if err := db.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if sync != 2 || fk != 1 || mode != "wal" {
		t.Fatalf("synchronous=%d foreign_keys=%d journal_mode=%s; want 2 (FULL), 1, wal", sync, fk, mode)
	}
	if n := db.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("writer pool has %d connections, want 1", n)
	}
}
