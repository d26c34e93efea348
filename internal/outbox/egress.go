package outbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/guanxi-crm/guanxi/internal/settings"
)

// The SMS gateway URL is set by holders of care.admin (managers too), and
// the server usually runs inside the bank's network or on a cloud host
// with a metadata service: without a filter that URL is a request forgery
// (SSRF) into both (TESTPLAN C8). Egress checks every address the HTTP
// senders connect to, after DNS resolution, in the dialer itself
// (net.Dialer.Control): a name that resolves to a public address when
// checked and to 127.0.0.1 when dialled (DNS rebinding), a redirect to an
// internal host and an odd notation (127.1, 0x7f000001, 2130706433) all
// end at the same check. Private destinations are opened only by the
// settings.OutboxAllowPrivateCIDRs list, which needs settings.admin.

// blockedRanges are refused on top of what netip classifies (loopback,
// private, link-local, multicast, unspecified): reserved and shared
// ranges that no SMS gateway uses on the internet. 100.64.0.0/10 holds
// Alibaba Cloud's metadata service (100.100.100.200).
var blockedRanges = []struct {
	p      netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT, cloud metadata)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4
// address, checked like one.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// refusedReason says why ip may not be reached without the allow-list
// ("" when it may).
func refusedReason(ip netip.Addr) string {
	ip = ip.WithZone("").Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		if r := refusedReason(netip.AddrFrom4([4]byte(b[12:]))); r != "" {
			return r + " (NAT64)"
		}
	}
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast():
		return "link-local (cloud metadata)"
	case ip.IsMulticast():
		return "multicast"
	case ip.IsPrivate():
		return "private"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	}
	for _, b := range blockedRanges {
		if b.p.Contains(ip) {
			return b.reason
		}
	}
	return ""
}

// RefusedError is a destination the egress filter refused.
type RefusedError struct {
	Addr   netip.Addr
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("destination %s refused: %s address; a settings administrator may allow its network in %s",
		e.Addr, e.Reason, settings.OutboxAllowPrivateCIDRs)
}

// Egress is the destination filter of the outbox's HTTP senders. The zero
// value refuses every non-public address; SetAllowed opens networks.
type Egress struct {
	allowed atomic.Pointer[[]netip.Prefix]
}

// SetAllowed replaces the networks allowed although not public. It
// reports whether the list changed.
func (g *Egress) SetAllowed(ps []netip.Prefix) bool {
	old := g.allowed.Swap(&ps)
	if old == nil {
		return len(ps) > 0
	}
	if len(*old) != len(ps) {
		return true
	}
	for i := range ps {
		if (*old)[i] != ps[i] {
			return true
		}
	}
	return false
}

// Check returns a *RefusedError when ip may not be reached.
func (g *Egress) Check(ip netip.Addr) error {
	ip = ip.WithZone("").Unmap()
	reason := refusedReason(ip)
	if reason == "" {
		return nil
	}
	if p := g.allowed.Load(); p != nil {
		for _, n := range *p {
			if n.Contains(ip) {
				return nil
			}
		}
	}
	return &RefusedError{Addr: ip, Reason: reason}
}

// control is the net.Dialer hook: address is the resolved ip:port about
// to be connected to.
func (g *Egress) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Reason: "unparsable (" + address + ")"}
	}
	return g.Check(ap.Addr())
}

// Transport is an HTTP transport whose every connection passes Check. It
// ignores HTTP(S)_PROXY: through a proxy the dialled address is the
// proxy's and the destination could not be checked.
func (g *Egress) Transport() *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Client is an HTTP client through Transport that also checks the host
// of each redirect with CheckURL (the dial checks its address anyway).
func (g *Egress) Client(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: g.Transport(),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return g.CheckURL(req.URL.Hostname())
		}}
}

// CheckURL refuses, before any request, a URL whose host is an address
// the filter refuses or a number in a notation other than the usual
// dotted quad (127.1, 0177.0.0.1, 0x7f000001, 2130706433): resolvers
// disagree on those, so they are never accepted. Names are checked when
// dialled.
func (g *Egress) CheckURL(host string) error {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.Check(ip)
	}
	if numericHost(host) {
		return &RefusedError{Reason: "ambiguous numeric (" + host + ")"}
	}
	return nil
}

// numericHost reports whether every dot-separated label of host is a
// decimal, octal or hex number, as in the inet_aton notations.
func numericHost(host string) bool {
	if host == "" {
		return false
	}
	for _, l := range strings.Split(host, ".") {
		l = strings.ToLower(l)
		if h, ok := strings.CutPrefix(l, "0x"); ok {
			l = h
			if l == "" {
				return true // "0x" alone is zero to inet_aton
			}
			for _, r := range l {
				if !strings.ContainsRune("0123456789abcdef", r) {
					return false
				}
			}
			continue
		}
		if l == "" {
			return false
		}
		for _, r := range l {
			if r < '0' || r > '9' {
				return false
			}
		}
	}
	return true
}

// errRefused unwraps a refusal from a client error.
func errRefused(err error) (*RefusedError, bool) {
	var r *RefusedError
	return r, errors.As(err, &r)
}

// allowedNetworks reads settings.OutboxAllowPrivateCIDRs. A value that no
// longer parses opens nothing (fails closed) and is logged.
func (s *Service) allowedNetworks(ctx context.Context) []netip.Prefix {
	set := s.Settings
	if set == nil {
		// *sqlstore.Store keeps the settings too.
		if ss, ok := s.Store.(settings.Store); ok {
			set = &settings.Service{Store: ss}
		}
	}
	v, err := set.Get(ctx, settings.OutboxAllowPrivateCIDRs)
	if err != nil {
		s.log().WarnContext(ctx, "outbox: reading the private-network allow-list", "err", err)
		return nil
	}
	ps, err := settings.ParseCIDRs(v)
	if err != nil {
		s.log().WarnContext(ctx, "outbox: the private-network allow-list does not parse", "err", err)
		return nil
	}
	return ps
}

// refreshEgress loads the allow-list into the shared filter; when it
// changed, pooled connections (opened under the old list) are closed.
func (s *Service) refreshEgress(ctx context.Context) {
	if s.egress.SetAllowed(s.allowedNetworks(ctx)) {
		s.filteredClient().CloseIdleConnections()
	}
}

// filteredClient is the one client through the egress filter, shared so
// connections are reused.
func (s *Service) filteredClient() *http.Client {
	s.egressOnce.Do(func() {
		s.egressClient = s.egress.Client(30 * time.Second)
	})
	return s.egressClient
}

// smsSender is the HTTP SMS adapter: through the egress filter, unless
// HTTPClient is set (tests), whose owner then answers for destinations.
func (s *Service) smsSender(cfg SMSConfig) *HTTPSMSSender {
	if s.HTTPClient != nil {
		return &HTTPSMSSender{Config: cfg, Client: s.HTTPClient}
	}
	return &HTTPSMSSender{Config: cfg, Client: s.filteredClient(), Egress: &s.egress}
}
