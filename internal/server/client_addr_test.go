package server

import (
	"net/http/httptest"
	"testing"
)

// TestClientAddrTrustsOnlyTheProxysEntry: behind a trusted proxy the client
// address is the entry the proxy appended, never one the client wrote.
func TestClientAddrTrustsOnlyTheProxysEntry(t *testing.T) {
	for _, tc := range []struct {
		xff   []string
		trust bool
		want  string
	}{
		{nil, true, "10.0.0.9"},
		{[]string{"203.0.113.7"}, true, "203.0.113.7"},
		{[]string{"1.2.3.4, 203.0.113.7"}, true, "203.0.113.7"},           // client forged 1.2.3.4
		{[]string{"1.2.3.4", "5.6.7.8,203.0.113.7"}, true, "203.0.113.7"}, // several header lines
		{[]string{"1.2.3.4, "}, true, "10.0.0.9"},                         // empty last entry: the peer
		{[]string{"203.0.113.7"}, false, "10.0.0.9"},                      // not behind a proxy
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.9:40000"
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddr(r, tc.trust); got != tc.want {
			t.Errorf("X-Forwarded-For %q trust %v: %q, want %q", tc.xff, tc.trust, got, tc.want)
		}
	}
}
