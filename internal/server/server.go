// Package server assembles the HTTP handler: it mounts the JSON API and the
// web pages on one standard-library mux and wraps them in the middleware
// every request passes through (recover, access log, security headers,
// cross-origin protection, body limit, session, authentication).
package server

import (
	"net/http"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/app"
)

// Config tunes the handler.
type Config struct {
	// BehindTLS marks session cookies Secure and sends HSTS; set it when
	// the server is reached over HTTPS (directly or through a proxy).
	BehindTLS bool
	// BodyLimit caps request bodies (default 1 MiB).
	BodyLimit int64
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// Limits bound concurrency and per-user rates (zero: defaults).
	Limits Limits
}

// Surface registers a group of routes (the API, the web pages).
type Surface func(mux *http.ServeMux, a *app.App) error

// New returns the full handler for a.
func New(a *app.App, cfg Config, surfaces ...Surface) (http.Handler, error) {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	mux := http.NewServeMux()
	for _, s := range surfaces {
		if err := s(mux, a); err != nil {
			return nil, err
		}
	}
	a.Sessions.Cookie.Secure = cfg.BehindTLS
	if cfg.BehindTLS {
		// __Host- binds the cookie to this exact host over HTTPS, path /.
		a.Sessions.Cookie.Name = "__Host-" + strings.TrimPrefix(a.Sessions.Cookie.Name, "__Host-")
		a.Sessions.Cookie.Path = "/"
		a.Sessions.Cookie.Domain = ""
	}
	lim := cfg.Limits.withDefaults()
	var h http.Handler = mux
	h = oneExportPerUser(a, h)
	h = throttle(a, cfg, lim, h)
	h = authenticate(a, cfg, h)
	h = a.Sessions.LoadAndSave(h)
	h = useSessionRefresh(a.Sessions)(h)
	h = limitBody(cfg.BodyLimit, h)
	h = withDeadline(a, lim, h)
	h = admit(a, lim, h)
	h = crossOrigin(a, h)
	h = securityHeaders(cfg, h)
	h = accessLog(a, h)
	h = recoverPanics(a, h)
	return h, nil
}
