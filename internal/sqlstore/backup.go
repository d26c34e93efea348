package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
)

// BackupSQLite writes a consistent copy of the SQLite database to dest with
// VACUUM INTO on a connection of its own: it reads one snapshot in a read
// transaction, so writers carry on (WAL) while it runs, and the copy is
// compact and self-contained (no -wal file). dest must not exist. The copy
// is checked with integrity_check before it is reported done; a copy that
// fails the check is removed.
func (s *Store) BackupSQLite(ctx context.Context, dest string) error {
	if s.dialect != SQLite {
		return errors.New("backup: VACUUM INTO is for SQLite; use pg_dump for PostgreSQL")
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists", dest)
	}
	// The read pool is query_only, which refuses VACUUM; the writer would
	// hold the single write connection for the whole copy. A separate
	// connection reads a snapshot without blocking either.
	db, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		os.Remove(dest)
		return fmt.Errorf("backup: %w", err)
	}
	if err := CheckSQLiteFile(ctx, dest, true); err != nil {
		os.Remove(dest)
		return err
	}
	return nil
}

// CheckSQLiteFile opens a SQLite file read-only and runs integrity_check
// (full) or quick_check, and foreign_key_check; it names what failed.
func CheckSQLiteFile(ctx context.Context, path string, full bool) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	check := "quick_check"
	if full {
		check = "integrity_check"
	}
	rows, err := db.QueryContext(ctx, "PRAGMA "+check)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", path, check, err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %s: %w", path, check, err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], "…")
		}
		return fmt.Errorf("%s: %s failed: %s", path, check, strings.Join(problems, "; "))
	}
	var fk int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&fk); err != nil {
		return fmt.Errorf("%s: foreign_key_check: %w", path, err)
	}
	if fk > 0 {
		return fmt.Errorf("%s: foreign_key_check: %d rows reference missing rows", path, fk)
	}
	return nil
}

// TableCounts returns the row count of every table of the schema except
// goose's version table, for comparing a restore with its source.
func (s *Store) TableCounts(ctx context.Context) (map[string]int64, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'goose_db_version'"
	if s.dialect == Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'"
	}
	var names []string
	if err := s.r.SelectContext(ctx, &names, q); err != nil {
		return nil, wrap(err)
	}
	out := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		// n comes from the catalogue, not from a user.
		if err := s.r.QueryRowxContext(ctx, `SELECT COUNT(*) FROM "`+n+`"`).Scan(&c); err != nil {
			return nil, wrap(err)
		}
		out[n] = c
	}
	return out, nil
}
