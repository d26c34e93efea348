package sqlstore

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// QuickCheckAtOpen is the largest database checked with quick_check at
// open. quick_check reads every page: 2 s of CPU for a 164 MiB database
// here, and the start-up goal is a second. Larger files get the header
// checks at open and serve runs QuickCheck in the background; SQLite itself
// answers SQLITE_CORRUPT for any damaged page a query reads meanwhile.
const QuickCheckAtOpen = 32 << 20

// errDamaged says what is wrong with the file and how to recover.
func errDamaged(path, what string) error {
	return fmt.Errorf("the database %s is damaged (%s); Guanxi will not serve from it. "+
		"Move it aside and restore the latest backup: guanxi restore --from <backup> --data <new data folder>", path, what)
}

// checkSQLiteHeader refuses a file that is not a SQLite database or is
// shorter than its header says (a truncated copy or disk). A missing or
// empty file is a new database.
func checkSQLiteHeader(path string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return nil
	}
	var h [100]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return errDamaged(path, "shorter than a database header")
	}
	if string(h[:16]) != "SQLite format 3\x00" {
		return errDamaged(path, "not a SQLite database header")
	}
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return errDamaged(path, fmt.Sprintf("invalid page size %d", pageSize))
	}
	// The page count in the header is valid when the change counter matches
	// "version valid for" (every writer since SQLite 3.7.0 keeps it).
	// A checkpoint cut short by a crash (the WAL guard's TRUNCATE
	// checkpoints copy many pages) can leave page 1 written, the file not
	// yet extended, and every page still in the WAL, which SQLite replays
	// at open; so with a WAL beside it a short file is left to recovery and
	// the quick_check that follows it.
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	if binary.BigEndian.Uint32(h[24:28]) == binary.BigEndian.Uint32(h[92:96]) && pages*pageSize > fi.Size() && !hasWAL(path) {
		return errDamaged(path, fmt.Sprintf("truncated: its header counts %d pages (%d bytes), the file holds %d bytes",
			pages, pages*pageSize, fi.Size()))
	}
	return nil
}

// isCorrupt reports a SQLite error that means a damaged file
// (SQLITE_CORRUPT, SQLITE_NOTADB), as the first read after a WAL recovery
// can answer.
func isCorrupt(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// hasWAL reports whether a non-empty WAL file lies beside the database.
func hasWAL(path string) bool {
	fi, err := os.Stat(path + "-wal")
	return err == nil && fi.Size() > 0
}

// SQLiteSize is the size of the SQLite database file (0 on PostgreSQL).
func (s *Store) SQLiteSize() int64 {
	if s.dialect != SQLite {
		return 0
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// QuickCheck runs quick_check on the whole SQLite database through a
// read connection (writers carry on); nil on PostgreSQL.
func (s *Store) QuickCheck(ctx context.Context) error {
	if s.dialect != SQLite {
		return nil
	}
	return s.quickCheckOn(ctx, s.r)
}

// quickCheck runs quick_check at open on a database small enough.
func (s *Store) quickCheck(ctx context.Context) error {
	if s.SQLiteSize() > QuickCheckAtOpen {
		return nil
	}
	return s.quickCheckOn(ctx, s.w)
}

func (s *Store) quickCheckOn(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) error {
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&res); err != nil {
		return errDamaged(s.path, err.Error())
	}
	if res != "ok" {
		return errDamaged(s.path, "quick_check: "+res)
	}
	return nil
}
