package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
)

// copyBatchBytes bounds the values one re-seal transaction of copies
// rewrites (at least one value whatever its size): import and export files
// are stored in 1 MiB chunks and a file can be tens of MiB, so a batch must
// not hold the writer, or the memory, for a whole file.
const copyBatchBytes = 8 << 20

// copyColumn is one sealed copy of data that quotes ID numbers: uploaded
// files, rejected rows, undo images, export files and merge snapshots.
type copyColumn struct {
	name       string // table.column: the associated data of each value
	table, col string
	key        []string // primary key, one or two integer columns
	blob       bool     // sealed with SealBytes (BLOB/BYTEA), else Seal (TEXT)
	rows       int      // most rows a batch takes
}

// copyColumns are sealed as their writers seal them (import_store.go,
// import_write.go, export_store.go, customer_merge.go): same column name,
// same Seal or SealBytes.
var copyColumns = []copyColumn{
	{colImportFile, "import_files", "data", []string{"import_id", "n"}, true, 16},
	{colExportChunk, "export_chunks", "data", []string{"export_id", "seq"}, true, 16},
	{colImportCells, "import_problems", "cells", []string{"import_id", "line"}, false, resealBatch},
	{colBeforeImage, "import_changes", "before_image", []string{"id"}, false, resealBatch},
	{colMergeSnapshot, "customer_merges", "snapshot", []string{"id"}, false, resealBatch},
}

// copyKey is a row's primary key; B is 0 for a one-column key.
type copyKey struct {
	A int64 `db:"a"`
	B int64 `db:"b"`
}

func (c copyColumn) keyCols() string {
	if len(c.key) == 1 {
		return c.key[0] + " AS a, 0 AS b"
	}
	return c.key[0] + " AS a, " + c.key[1] + " AS b"
}

// keyAfter is the keyset condition "key > ?": a row value for a two-column
// key (SQLite and PostgreSQL both serve it from the primary key index).
func (c copyColumn) keyAfter() string {
	if len(c.key) == 1 {
		return c.key[0] + " > ?"
	}
	return "(" + c.key[0] + ", " + c.key[1] + ") > (?, ?)"
}

func (c copyColumn) keyIs() string {
	if len(c.key) == 1 {
		return c.key[0] + " = ?"
	}
	return c.key[0] + " = ? AND " + c.key[1] + " = ?"
}

func (c copyColumn) keyArgs(k copyKey) []any {
	if len(c.key) == 1 {
		return []any{k.A}
	}
	return []any{k.A, k.B}
}

func (c copyColumn) keyOrder() string {
	if len(c.key) == 1 {
		return c.key[0]
	}
	return c.key[0] + ", " + c.key[1]
}

// arg binds a value as the column's type: SQLite never finds a TEXT value
// equal to a BLOB argument, nor the other way round.
func (c copyColumn) arg(v []byte) any {
	if c.blob {
		return v
	}
	return string(v)
}

// copyRef is a row found under an old key with the size of its value.
type copyRef struct {
	copyKey
	Size int64 `db:"size"`
}

// copySwap replaces one value if it is still old (compare-and-swap).
type copySwap struct {
	key         copyKey
	old, sealed []byte
}

// resealCopies re-seals under the primary key every sealed copy an older
// key sealed. Each batch is its own transaction; a value is replaced only
// if it is unchanged since it was read, and a value gone since (an expired
// file) is skipped, so it runs beside live traffic and a rerun continues
// with what is still old. Plaintext copies (written before encryption at
// rest) are left as they are. beforeWrite, for tests, runs after a batch
// is read and before it is written.
func (s *Store) resealCopies(ctx context.Context, beforeWrite func(column string)) (int, error) {
	total := 0
	for _, c := range copyColumns {
		n, err := s.resealCopyColumn(ctx, c, beforeWrite)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Store) resealCopyColumn(ctx context.Context, c copyColumn, beforeWrite func(string)) (int, error) {
	read := s.rebind("SELECT " + c.col + " FROM " + c.table + " WHERE " + c.keyIs())
	update := s.rebind("UPDATE " + c.table + " SET " + c.col + " = ? WHERE " + c.keyIs() + " AND " + c.col + " = ?")
	total := 0
	after := copyKey{math.MinInt64, math.MinInt64}
	for {
		primary := s.keys.Primary()
		head := fieldcrypt.Prefix + strconv.FormatUint(uint64(primary), 10) + ":"
		// Sealed (the prefix) but not under the primary key; length() does
		// not read a large value, substr() reads its first bytes.
		list := s.rebind("SELECT " + c.keyCols() + ", length(" + c.col + ") AS size FROM " + c.table +
			" WHERE " + c.keyAfter() + " AND substr(" + c.col + ", 1, " + strconv.Itoa(len(fieldcrypt.Prefix)) + ") = ?" +
			" AND substr(" + c.col + ", 1, " + strconv.Itoa(len(head)) + ") <> ?" +
			" ORDER BY " + c.keyOrder() + " LIMIT " + strconv.Itoa(c.rows))
		var found []copyRef
		args := append(c.keyArgs(after), c.arg([]byte(fieldcrypt.Prefix)), c.arg([]byte(head)))
		if err := s.r.SelectContext(ctx, &found, list, args...); err != nil {
			return total, wrap(err)
		}
		if len(found) == 0 {
			return total, nil
		}
		var size int64
		var swaps []copySwap
		for i, f := range found {
			if size += f.Size; i > 0 && size > copyBatchBytes {
				break
			}
			after = f.copyKey
			var old []byte
			err := s.r.GetContext(ctx, &old, read, c.keyArgs(f.copyKey)...)
			if errors.Is(err, sql.ErrNoRows) {
				continue // deleted since: an expired or erased copy
			}
			if err != nil {
				return total, wrap(err)
			}
			if id, ok := fieldcrypt.KeyOf(string(old[:min(len(old), 16)])); !ok || id == primary {
				continue // rewritten since
			}
			sealed, err := s.resealValue(c, old)
			if err != nil {
				return total, guanxi.Internal(fmt.Errorf("re-seal %s of %s %v: %w", c.name, c.table, c.keyArgs(f.copyKey), err))
			}
			swaps = append(swaps, copySwap{f.copyKey, old, sealed})
		}
		if beforeWrite != nil {
			beforeWrite(c.name)
		}
		n := 0
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			n = 0
			for _, w := range swaps {
				res, err := tx.ExecContext(ctx, update, append(append([]any{c.arg(w.sealed)}, c.keyArgs(w.key)...), c.arg(w.old))...)
				if err != nil {
					return wrap(err)
				}
				if k, _ := res.RowsAffected(); k == 1 {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
	}
}

// resealValue opens a copy with its column name and seals it again under
// the primary key, as its writer would have: Seal or SealBytes.
func (s *Store) resealValue(c copyColumn, old []byte) ([]byte, error) {
	if !c.blob {
		plain, err := s.keys.Open(string(old), c.name)
		if err != nil {
			return nil, err
		}
		return []byte(s.keys.Seal(plain, c.name)), nil
	}
	plain, err := s.keys.OpenBytes(old, c.name)
	if err != nil {
		return nil, err
	}
	if plain == nil {
		plain = []byte{} // an empty chunk stays a value: SealBytes(nil) is nil
	}
	return s.keys.SealBytes(plain, c.name), nil
}

// copyCounts counts the stored copies of c by key id (0: plaintext),
// reading the first bytes of each.
func (s *Store) copyCounts(ctx context.Context, c copyColumn) (map[uint32]int, error) {
	var heads [][]byte
	q := "SELECT substr(" + c.col + ", 1, 16) FROM " + c.table + " WHERE " + c.col + " IS NOT NULL"
	if err := s.r.SelectContext(ctx, &heads, q); err != nil {
		return nil, wrap(err)
	}
	m := map[uint32]int{}
	for _, h := range heads {
		id, _ := fieldcrypt.KeyOf(string(h))
		m[id]++
	}
	return m, nil
}
