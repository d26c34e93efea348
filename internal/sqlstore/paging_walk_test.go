package sqlstore_test

import "testing"

// walkPages reads a cursor-paged list from its first page until next
// returns no cursor, checking every page but the last holds exactly size
// rows (the last at most size), and returns every row in the order read
// with the number of pages. next gets the cursor ("" for the first page).
func walkPages[T any](t *testing.T, size int, next func(cursor string) ([]T, string, error)) ([]T, int) {
	t.Helper()
	var out []T
	cursor := ""
	for pages := 1; ; pages++ {
		items, nextCursor, err := next(cursor)
		if err != nil {
			t.Fatalf("page %d (size %d): %v", pages, size, err)
		}
		if len(items) > size || (nextCursor != "" && len(items) != size) {
			t.Fatalf("page %d (size %d): %d rows, next %q", pages, size, len(items), nextCursor)
		}
		out = append(out, items...)
		if nextCursor == "" {
			return out, pages
		}
		if pages > 10000 {
			t.Fatal("the cursor never ends")
		}
		cursor = nextCursor
	}
}
