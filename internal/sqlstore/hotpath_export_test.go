package sqlstore

import (
	"context"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// CustomerViaSQLX reads customer id the way the hot path did before it
// scanned by hand (customer-columns through sqlx's reflection), so the
// round-trip test can compare the two.
func CustomerViaSQLX(ctx context.Context, s *Store, id guanxi.ID) (customer.Customer, error) {
	var row customerRow
	if err := s.r.GetContext(ctx, &row, s.rebind(s.rawColumns()+" WHERE c.id = ?"), id); err != nil {
		return customer.Customer{}, err
	}
	c, err := row.decode()
	if err == nil {
		c.IDNumber, err = s.openID(c.IDNumber)
	}
	return c, err
}

// OpenIDNumber opens a stored (sealed) ID number, for tests that read the
// table directly.
func OpenIDNumber(s *Store, v string) (string, error) { return s.openID(v) }

// ParseSQLiteTime exposes the hot path's timestamp parser to tests.
var ParseSQLiteTime = hotParseTime

// DecodeConsent exposes the hot path's consent reader to tests.
var DecodeConsent = hotDecodeConsent
