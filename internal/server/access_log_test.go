package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/app"
)

// TestAccessLogClientClosed: a request whose client went away (its query
// interrupted, the handler answering 500) is not logged as a server error;
// a real 500 still is.
func TestAccessLogClientClosed(t *testing.T) {
	var buf bytes.Buffer
	a := &app.App{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	h := accessLog(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/customers/1", nil).WithContext(ctx))
	if buf.Len() != 0 {
		t.Fatalf("abandoned request logged: %s", buf.String())
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/customers/1", nil))
	if !strings.Contains(buf.String(), "status=500") {
		t.Fatalf("server error not logged: %q", buf.String())
	}
}
