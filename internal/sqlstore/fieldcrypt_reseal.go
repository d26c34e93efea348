package sqlstore

import (
	"context"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/search"
)

// resealBatch is how many values one transaction re-seals: small enough
// that the writer is never held for long while the server serves.
const resealBatch = 500

// SealPending seals the values of columns written before encryption at rest
// (table seal_pending). It runs at start, before serving; a crash resumes
// where it stopped, since every batch selects what is still plaintext.
func (s *Store) SealPending(ctx context.Context) (int, error) {
	var pending []string
	if err := s.w.SelectContext(ctx, &pending, "SELECT name FROM seal_pending"); err != nil {
		return 0, wrap(err)
	}
	total := 0
	for _, name := range pending {
		n, err := s.resealColumn(ctx, name)
		total += n
		if err != nil {
			return total, err
		}
		if _, err := s.w.ExecContext(ctx, s.rebind("DELETE FROM seal_pending WHERE name = ?"), name); err != nil {
			return total, wrap(err)
		}
	}
	return total, nil
}

// Reseal seals every value not yet under the primary key with it: legacy
// plaintext and values of older keys of the sealed columns, then the
// sealed copies of older keys (fieldcrypt_reseal_copies.go), so `guanxi
// keys rotate` can drop the old key. Each batch is its own transaction and
// a value is replaced only if unchanged since it was read, so it runs
// beside live traffic.
func (s *Store) Reseal(ctx context.Context) (int, error) {
	total := 0
	for _, name := range []string{colIDNumber, colMFASecret} {
		n, err := s.resealColumn(ctx, name)
		total += n
		if err != nil {
			return total, err
		}
	}
	n, err := s.resealCopies(ctx, nil)
	return total + n, err
}

// SealedCounts counts the stored values of each sealed column and of each
// sealed copy (import files, rejected rows, undo images, export files,
// merge snapshots) by key id (0: still plaintext), for `guanxi keys
// status`, the encryption page and the rotation's check that no value
// names a key it drops.
func (s *Store) SealedCounts(ctx context.Context) (map[string]map[uint32]int, error) {
	out := map[string]map[uint32]int{}
	for _, c := range sealedColumns {
		var vals []string
		// Reads the key id of each value; a few bytes per row.
		q := "SELECT substr(" + c.col + ", 1, 16) FROM " + c.table + " WHERE " + c.col + " <> ''"
		if err := s.r.SelectContext(ctx, &vals, q); err != nil {
			return nil, wrap(err)
		}
		m := map[uint32]int{}
		for _, v := range vals {
			id, _ := fieldcrypt.KeyOf(v)
			m[id]++
		}
		out[c.name] = m
	}
	for _, c := range copyColumns {
		m, err := s.copyCounts(ctx, c)
		if err != nil {
			return nil, err
		}
		out[c.name] = m
	}
	return out, nil
}

// sealedColumns lists the sealed TEXT columns with their key column.
var sealedColumns = []struct{ name, table, col, key string }{
	{colIDNumber, "customers", "id_number", "id"},
	{colMFASecret, "user_mfa", "secret", "user_id"},
}

func (s *Store) resealColumn(ctx context.Context, name string) (int, error) {
	var table, col, key string
	for _, c := range sealedColumns {
		if c.name == name {
			table, col, key = c.table, c.col, c.key
		}
	}
	if table == "" {
		return 0, nil
	}
	total := 0
	var after int64
	for {
		prefix := fieldcrypt.Prefix + strconv.FormatUint(uint64(s.keys.Primary()), 10) + ":"
		var rows []struct {
			ID    int64  `db:"k"`
			Value string `db:"v"`
		}
		q := s.rebind("SELECT " + key + " AS k, " + col + " AS v FROM " + table + " WHERE " + key + " > ? AND " + col +
			" <> '' AND substr(" + col + ", 1, " + strconv.Itoa(len(prefix)) + ") <> ? ORDER BY " + key + " LIMIT " + strconv.Itoa(resealBatch))
		if err := s.w.SelectContext(ctx, &rows, q, after, prefix); err != nil {
			return total, wrap(err)
		}
		if len(rows) == 0 {
			return total, nil
		}
		err := s.tx(ctx, func(tx *sqlx.Tx) error {
			for _, r := range rows {
				ok, err := s.resealOne(ctx, tx, name, table, col, key, r.ID, r.Value)
				if err != nil {
					return err
				}
				if ok {
					total++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		after = rows[len(rows)-1].ID
	}
}

// resealOne replaces one value if it is still old; a legacy ID number also
// gets its blind indexes and its search token swapped for the blind one.
func (s *Store) resealOne(ctx context.Context, tx *sqlx.Tx, name, table, col, key string, id int64, old string) (bool, error) {
	plain, err := s.keys.Open(old, name)
	if err != nil {
		return false, wrap(err)
	}
	sealed := s.keys.Seal(plain, name)
	if name == colIDNumber && !fieldcrypt.IsSealed(old) {
		_, exact, idKey := s.idColumns(plain)
		// Legacy data may hold one number twice, written differently
		// ("…x" and "…X"): the second keeps no unique index, only the
		// duplicate key, so the duplicate review still pairs them.
		var taken int
		if err := tx.GetContext(ctx, &taken, s.rebind("SELECT COUNT(*) FROM customers WHERE id_number_bidx = ? AND id <> ?"), exact, id); err != nil {
			return false, wrap(err)
		}
		if taken > 0 {
			exact = ""
		}
		res, err := tx.ExecContext(ctx, s.rebind("UPDATE customers SET id_number = ?, id_number_bidx = ?, id_key_bidx = ? WHERE id = ? AND id_number = ?"),
			sealed, exact, idKey, id, old)
		if err != nil {
			return false, wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return false, nil
		}
		if _, err := tx.ExecContext(ctx, s.rebind("DELETE FROM customer_tokens WHERE customer_id = ? AND token = ?"),
			id, search.KindNumber+search.NumberToken(plain)); err != nil {
			return false, wrap(err)
		}
		return true, s.insertTokens(ctx, tx, id, s.blindTokens([]string{search.KindIDNumber + search.NumberToken(plain)}))
	}
	res, err := tx.ExecContext(ctx, s.rebind("UPDATE "+table+" SET "+col+" = ? WHERE "+key+" = ? AND "+col+" = ?"), sealed, id, old)
	if err != nil {
		return false, wrap(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ForgetKeys removes retired keys from data_keys once no value (column or
// copy, SealedCounts) names them and the key file no longer holds them.
func (s *Store) ForgetKeys(ctx context.Context, ids []uint32) error {
	for _, id := range ids {
		if id == 0 {
			continue // the blind key never retires
		}
		if _, err := s.w.ExecContext(ctx, s.rebind("DELETE FROM data_keys WHERE id = ?"), id); err != nil {
			return wrap(err)
		}
	}
	return nil
}
