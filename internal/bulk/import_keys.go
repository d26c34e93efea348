package bulk

import "strconv"

// keySet remembers the keys seen in a file and the line of their first
// row. A million phone numbers are the common case, so all-digit keys of up
// to 18 digits (phones, most ID numbers) are kept as integers — exact, no
// hashing — which takes about a third of the memory of strings.
type keySet struct {
	nums map[uint64]int32
	strs map[string]int32
}

func newKeySet() *keySet {
	return &keySet{nums: map[uint64]int32{}, strs: map[string]int32{}}
}

// numeric is k as an integer when it is 1–18 digits. A leading 1 is
// prepended so "0123" and "123" stay distinct.
func numeric(k string) (uint64, bool) {
	if len(k) == 0 || len(k) > 18 {
		return 0, false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint("1"+k, 10, 64)
	return n, err == nil
}

// seen returns the first line of k, or adds k at line and reports false.
func (s *keySet) seen(k string, line int) (int, bool) {
	if n, ok := numeric(k); ok {
		if first, ok := s.nums[n]; ok {
			return int(first), true
		}
		s.nums[n] = int32(line)
		return line, false
	}
	if first, ok := s.strs[k]; ok {
		return int(first), true
	}
	s.strs[k] = int32(line)
	return line, false
}
