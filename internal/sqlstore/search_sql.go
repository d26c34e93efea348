package sqlstore

// searchSQL compiles the search box text to a predicate over customers
// (alias) with ? placeholders. CONTRACT STUB.
func (s *Store) searchSQL(q string, alias string) (string, []any, error) {
	return "1=1", nil, nil
}
