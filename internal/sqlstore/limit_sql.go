package sqlstore

import (
	"strconv"
	"strings"
)

// limitMark stands for a row limit in query texts (`LIMIT /*limit*/`).
// SQLite (3.47 and later) reads a bound LIMIT while planning and marks the
// statement to be compiled again whenever the parameter is bound, so a
// bound `LIMIT ?` costs two compilations a run; a literal costs one. Left
// unreplaced the marker is a syntax error, never a missing limit.
const limitMark = "/*limit*/"

// withLimit writes n into q's limit marker as a literal. n is a Go int
// that the caller has capped (a page size or a batch size), so the text
// holds digits only and a query has at most as many texts as its cap
// allows values. A query without the marker is a programming error.
func withLimit(q string, n int) string {
	i := strings.Index(q, limitMark)
	if i < 0 {
		panic("sqlstore: query has no " + limitMark + " marker: " + q)
	}
	return q[:i] + strconv.Itoa(n) + q[i+len(limitMark):]
}
