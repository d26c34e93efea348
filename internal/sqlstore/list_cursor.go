package sqlstore

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// The keyset cursors of the paged lists; a malformed one is Invalid on
// field cursor.

// errBadCursor is the refusal of a cursor that is not one.
func errBadCursor() error { return guanxi.Invalid(guanxi.Field("cursor", "validation.cursor")) }

// idCursor reads a newest-first cursor: the last id shown, or "" for the
// first page (every id is below MaxInt64).
func idCursor(c string) (int64, error) {
	if c == "" {
		return math.MaxInt64, nil
	}
	id, err := strconv.ParseInt(c, 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadCursor()
	}
	return id, nil
}

// dayCursor reads a (day, id) cursor "YYYY-MM-DD.id" (tasks by due day,
// renewals by due date); "" is the first page (before every day and id).
func dayCursor(c string) (string, int64, error) {
	if c == "" {
		return "", 0, nil
	}
	day, rest, ok := strings.Cut(c, ".")
	if _, err := time.Parse(time.DateOnly, day); !ok || err != nil {
		return "", 0, errBadCursor()
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, errBadCursor()
	}
	return day, id, nil
}
