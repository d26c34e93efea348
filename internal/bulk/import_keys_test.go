package bulk

import "testing"

func TestKeySet(t *testing.T) {
	s := newKeySet()
	for _, tc := range []struct {
		key   string
		line  int
		first int
		dup   bool
	}{
		{"13800138000", 2, 2, false},
		{"0123", 3, 3, false},
		{"123", 4, 4, false}, // not the same key as 0123
		{"11010519491231002X", 5, 5, false},
		{"1234567890123456789", 6, 6, false}, // too long for the integer set
		{"13800138000", 7, 2, true},
		{"0123", 8, 3, true},
		{"11010519491231002X", 9, 5, true},
		{"1234567890123456789", 10, 6, true},
	} {
		first, dup := s.seen(tc.key, tc.line)
		if first != tc.first || dup != tc.dup {
			t.Errorf("seen(%q, %d) = %d, %v; want %d, %v", tc.key, tc.line, first, dup, tc.first, tc.dup)
		}
	}
	if len(s.nums) != 3 || len(s.strs) != 2 {
		t.Errorf("%d integer and %d string keys", len(s.nums), len(s.strs))
	}
}
