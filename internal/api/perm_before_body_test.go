package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// countingBody is an endless request body that counts what the server read.
type countingBody struct{ n atomic.Int64 }

func (b *countingBody) Read(p []byte) (int, error) {
	if b.n.Load() > 200<<20 {
		return 0, io.EOF
	}
	for i := range p {
		p[i] = 'a'
	}
	b.n.Add(int64(len(p)))
	return len(p), nil
}

// TestPermissionBeforeBody: a caller without the route's permission gets
// its 403 before the body is read, so an upload is never spooled (the
// server reads at most what it drains to keep the connection).
func TestPermissionBeforeBody(t *testing.T) {
	s := sqltest.SQLite(t)
	env := servertest.New(t, s)
	forbidden := func(req *http.Request) {
		t.Helper()
		req.Header.Set("Authorization", "Bearer "+env.Token(t, "auditor"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Status int    `json:"status"`
			Key    string `json:"key"`
		}
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 403 || p.Status != 403 || p.Key != "error.forbidden" ||
			resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s: %d %+v %v", req.URL.Path, resp.StatusCode, p, err)
		}
	}
	// An upload (up to 513 MiB) is refused unread.
	body := &countingBody{}
	req, err := http.NewRequest("POST", env.URL+"/api/v1/imports", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	forbidden(req)
	// What the client wrote includes what the loopback socket buffers took
	// before the server answered: up to tcp_rmem's max plus tcp_wmem's
	// (32 + 4 MiB on the CI machines) on a loaded machine. A server that
	// spooled the upload would read all 200 MiB.
	if n := body.n.Load(); n > 48<<20 {
		t.Fatalf("the server read %d bytes of a refused upload", n)
	}
	// A JSON body is bounded and checked for shape before sign-in; its
	// fields are validated only for a caller with the permission, so an
	// invalid body still gets 403, not 422.
	req, err = http.NewRequest("POST", env.URL+"/api/v1/customers", strings.NewReader(`{"name": 1, "kind": "nobody"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	forbidden(req)
}
