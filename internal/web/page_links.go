package web

import (
	"net/http"
	"net/url"
)

// pageLinks are the next-page and first-page links of a cursor-paged list
// on r's page, keeping the other query parameters (filters); each is ""
// when there is no such page.
func pageLinks(r *http.Request, qs url.Values, nextCursor, anchor string) (next, first string) {
	if nextCursor != "" {
		q := cloneValues(qs)
		q.Set("cursor", nextCursor)
		next = r.URL.Path + "?" + q.Encode() + anchor
	}
	if qs.Get("cursor") != "" {
		q := cloneValues(qs)
		q.Del("cursor")
		first = r.URL.Path
		if len(q) > 0 {
			first += "?" + q.Encode()
		}
		first += anchor
	}
	return next, first
}
