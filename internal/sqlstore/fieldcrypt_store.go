package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/search"
)

// Sealed columns and blind-index domains (internal/fieldcrypt). The column
// name is authenticated with each value, so a sealed value copied into
// another column does not open.
const (
	colIDNumber  = "customers.id_number"
	colMFASecret = "user_mfa.secret"
	// colBeforeImage: an import's before-image of a customer it updated
	// (JSON holding the ID number), sealed whole.
	colBeforeImage = "import_changes.before_image"
	// Copies of uploaded files, rejected rows, export files and merged
	// customers, which quote ID numbers too.
	colImportFile    = "import_files.data"
	colImportCells   = "import_problems.cells"
	colExportChunk   = "export_chunks.data"
	colMergeSnapshot = "customer_merges.snapshot"
	blindIDNumber    = "id"    // the exact number (search.NumberToken form)
	blindIDKey       = "idkey" // its duplicate key (customer.IDKey)
)

// idColumns are the stored forms of an ID number: sealed, the blind index
// of the exact number (unique) and of its duplicate key.
func (s *Store) idColumns(v string) (sealed, exact, key string) {
	if v == "" {
		return "", "", ""
	}
	return s.keys.Seal(v, colIDNumber), s.idBlind(v), s.keys.Blind(blindIDKey, customer.IDKey(v))
}

// idBlind is the blind index an equality lookup of ID number v compares.
func (s *Store) idBlind(v string) string {
	return s.keys.Blind(blindIDNumber, search.NumberToken(v))
}

// openID opens a stored ID number (legacy plaintext opens as itself).
func (s *Store) openID(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	return s.keys.Open(v, colIDNumber)
}

// blindTokens replaces an ID number token (search.KindIDNumber) by the
// blind index of the number (kindIDBlind), both when tokens are stored and
// when they are looked up, so the token table never holds a number
// (TESTPLAN D10). It rewrites toks in place and is idempotent.
func (s *Store) blindTokens(toks []string) []string {
	for i, t := range toks {
		if v, ok := strings.CutPrefix(t, search.KindIDNumber); ok {
			toks[i] = kindIDBlind + s.keys.Blind(blindIDNumber, v)
		}
	}
	return toks
}

// kindIDBlind prefixes the stored token of an ID number's blind index.
const kindIDBlind = "b:"

// CheckKeys compares the key ring with the keys this database's values are
// sealed with (table data_keys, by fingerprint): a ring that lacks one, or
// has another blind key, is refused before anything is read or written.
// Only a ring that matches records its keys the table does not list yet;
// then everything is compared again, so of two instances starting at once
// on an empty database with different key files, one is refused.
func (s *Store) CheckKeys(ctx context.Context) error {
	if err := s.compareKeys(ctx); err != nil {
		return err
	}
	for _, id := range append([]uint32{0}, s.keys.IDs()...) {
		fp, _ := s.keys.Fingerprint(id)
		if _, err := s.w.ExecContext(ctx, s.rebind("INSERT INTO data_keys (id, fingerprint, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"), id, fp, s.nowUTC()); err != nil {
			return wrap(err)
		}
	}
	return s.compareKeys(ctx)
}

// compareKeys is the read-only half of CheckKeys.
func (s *Store) compareKeys(ctx context.Context) error {
	var rows []struct {
		ID          uint32 `db:"id"`
		Fingerprint string `db:"fingerprint"`
	}
	if err := s.w.SelectContext(ctx, &rows, "SELECT id, fingerprint FROM data_keys"); err != nil {
		return wrap(err)
	}
	for _, r := range rows {
		fp, ok := s.keys.Fingerprint(r.ID)
		if !ok || fp != r.Fingerprint {
			what := fmt.Sprintf("data key %d", r.ID)
			if r.ID == 0 {
				what = "blind-index key"
			}
			return fmt.Errorf("%w: the %s this database was sealed with is not in the key file; use the key file that belongs to this database (backups do not contain it; see docs/security.md, encryption at rest)", ErrKeyMismatch, what)
		}
	}
	return nil
}

// ErrKeyMismatch is CheckKeys refusing a key file.
var ErrKeyMismatch = fmt.Errorf("wrong key file")

// Keys is the store's key ring (`guanxi keys` reloads it after a rotation).
func (s *Store) Keys() *fieldcrypt.Ring { return s.keys }
