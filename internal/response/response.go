// Package response is the one place that maps error kinds to HTTP statuses,
// shared by the JSON API and the HTML pages.
package response

import (
	"net/http"

	"github.com/guanxi-crm/guanxi"
)

var statusByKind = map[guanxi.Kind]int{
	guanxi.KindInternal:             http.StatusInternalServerError,
	guanxi.KindInvalid:              http.StatusBadRequest,
	guanxi.KindNotFound:             http.StatusNotFound,
	guanxi.KindConflict:             http.StatusConflict,
	guanxi.KindForbidden:            http.StatusForbidden,
	guanxi.KindUnauthorized:         http.StatusUnauthorized,
	guanxi.KindPreconditionFailed:   http.StatusPreconditionFailed,
	guanxi.KindPreconditionRequired: http.StatusPreconditionRequired,
	guanxi.KindTooMany:              http.StatusTooManyRequests,
	guanxi.KindUnavailable:          http.StatusServiceUnavailable,
}

// Status returns the HTTP status for err.
func Status(err error) int {
	if s, ok := statusByKind[guanxi.KindOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}
