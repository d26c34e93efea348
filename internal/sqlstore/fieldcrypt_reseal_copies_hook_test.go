package sqlstore

import "context"

// ResealCopiesWith lets the store tests act between the read and the write
// of each batch of copies (a concurrent change, an interruption).
func (s *Store) ResealCopiesWith(ctx context.Context, beforeWrite func(column string)) (int, error) {
	return s.resealCopies(ctx, beforeWrite)
}
