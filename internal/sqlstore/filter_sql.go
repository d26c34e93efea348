package sqlstore

import "github.com/guanxi-crm/guanxi/internal/segment"

// filterSQL compiles a validated filter to a predicate over customers (alias)
// with ? placeholders. CONTRACT STUB.
func (s *Store) filterSQL(n *segment.Node, alias string) (string, []any, error) {
	return "1=1", nil, nil
}
