package outbox

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

func TestEgressCheck(t *testing.T) {
	refused := []string{"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1", "0.0.0.0", "0.1.2.3", "::",
		"169.254.169.254", "169.254.0.23", "fe80::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "fd00::1", "fc00::1",
		"100.100.100.200", "224.0.0.1", "ff02::1", "255.255.255.255", "240.0.0.1", "198.18.0.1", "fec0::1",
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe"}
	allowed := []string{"8.8.8.8", "203.0.113.5", "2001:db8::1", "2400:3200::1", "64:ff9b::808:808", "100.128.0.1"}
	var g Egress
	for _, s := range refused {
		var r *RefusedError
		if err := g.Check(netip.MustParseAddr(s)); !errors.As(err, &r) {
			t.Errorf("%s not refused", s)
		}
	}
	for _, s := range allowed {
		if err := g.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
	// The allow-list opens exactly its networks; an IPv4-mapped form is
	// compared as IPv4.
	g.SetAllowed([]netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("fd00:1::/32")})
	for s, want := range map[string]bool{"10.20.3.4": true, "::ffff:10.20.3.4": true, "10.21.0.1": false,
		"fd00:1::5": true, "fd00:2::5": false, "127.0.0.1": false, "169.254.169.254": false} {
		if got := g.Check(netip.MustParseAddr(s)) == nil; got != want {
			t.Errorf("with the allow-list, %s allowed = %v", s, got)
		}
	}
	for host, want := range map[string]bool{"127.1": true, "0177.0.0.1": true, "0x7f000001": true, "2130706433": true,
		"0x7f.1": true, "[::1]": true, "sms.example.com": false, "10.20.3.4": false, "1.example": false, "8.8.8.8": false} {
		if got := g.CheckURL(host) != nil; got != want {
			t.Errorf("CheckURL(%s) refused = %v", host, got)
		}
	}
}

// gateway is an SMS provider on 127.0.0.1 that counts the requests it gets.
type gateway struct {
	srv  *httptest.Server
	hits atomic.Int32
}

func newGateway(t *testing.T, h http.HandlerFunc) *gateway {
	g := &gateway{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.hits.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		w.Write([]byte(`{"id":"ok-1"}`))
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) port() string {
	u, _ := url.Parse(g.srv.URL)
	return u.Port()
}

func smsTo(rawURL string) SMSConfig {
	return SMSConfig{Kind: SMSHTTP, URL: rawURL, Method: "POST",
		Headers: map[string]string{"Content-Type": "application/json"}, BodyTemplate: `{"to":"{to}","text":"{text}"}`}
}

var testEnvelope = Envelope{To: "13800138000", Body: "测试", IdemKey: "k-1"}

// wantRefused checks that err is a permanent refusal naming the address.
func wantRefused(t *testing.T, what string, err error) {
	t.Helper()
	var r *RefusedError
	if !IsPermanent(err) || !errors.As(err, &r) || !strings.Contains(err.Error(), settings.OutboxAllowPrivateCIDRs) {
		t.Errorf("%s: want a permanent refusal, got %v", what, err)
	}
}

// TestHTTPSMSSenderEgress (TESTPLAN C8): a sender without a client of its
// own refuses the gateway on 127.0.0.1 in every notation, a name that
// resolves to loopback, cloud metadata and private addresses, and a
// redirect to an internal host; 127.0.0.0/8 in the allow-list lets it in.
func TestHTTPSMSSenderEgress(t *testing.T) {
	gw := newGateway(t, nil)
	ctx := context.Background()
	port := gw.port()
	for _, host := range []string{"127.0.0.1", "localhost", "127.1", "0177.0.0.1", "0x7f000001", "2130706433",
		"[::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "169.254.169.254", "100.100.100.200", "10.0.0.1", "[fd00::1]"} {
		snd := &HTTPSMSSender{Config: smsTo("http://" + host + ":" + port + "/send?key=SECRET")}
		_, err := snd.Send(ctx, testEnvelope)
		wantRefused(t, host, err)
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: the error shows the URL: %v", host, err)
		}
	}
	// Names pass the URL check and are refused where they are dialled.
	var g Egress
	if err := g.CheckURL("localhost"); err != nil {
		t.Fatalf("a name refused before resolution: %v", err)
	}
	if n := gw.hits.Load(); n != 0 {
		t.Fatalf("the gateway on 127.0.0.1 was reached %d times", n)
	}

	g.SetAllowed([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	for _, host := range []string{"127.0.0.1", "localhost"} {
		snd := &HTTPSMSSender{Config: smsTo("http://" + host + ":" + port + "/send"), Egress: &g}
		if id, err := snd.Send(ctx, testEnvelope); err != nil || id != "ok-1" {
			t.Fatalf("%s with 127.0.0.0/8 allowed: %q %v", host, id, err)
		}
	}
	// Odd notations stay refused even inside an allowed network.
	snd := &HTTPSMSSender{Config: smsTo("http://127.1:" + port + "/send"), Egress: &g}
	_, err := snd.Send(ctx, testEnvelope)
	wantRefused(t, "127.1 allowed by network", err)

	// A redirect to the metadata service is refused at its dial.
	redir := newGateway(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
	})
	snd = &HTTPSMSSender{Config: smsTo(redir.srv.URL + "/send"), Egress: &g}
	_, err = snd.Send(ctx, testEnvelope)
	wantRefused(t, "redirect to 169.254.169.254", err)
	// So is one to an odd notation, although 127.0.0.0/8 is allowed.
	odd := newGateway(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://2130706433:"+port+"/send", http.StatusTemporaryRedirect)
	})
	snd = &HTTPSMSSender{Config: smsTo(odd.srv.URL + "/send"), Egress: &g}
	_, err = snd.Send(ctx, testEnvelope)
	wantRefused(t, "redirect to 2130706433", err)
	if redir.hits.Load() != 1 || odd.hits.Load() != 1 {
		t.Fatalf("redirecting gateways hit %d and %d times", redir.hits.Load(), odd.hits.Load())
	}
}

// dispatchStore is the part of Store that Dispatch uses, in memory, plus
// the settings rows (as *sqlstore.Store keeps both).
type dispatchStore struct {
	Store
	cfg      Config
	queue    []Stored
	results  map[guanxi.ID]Result
	settings map[string]string
}

func (d *dispatchStore) ChannelConfig(context.Context) (Config, int64, error) { return d.cfg, 1, nil }
func (d *dispatchStore) Templates(context.Context) ([]Template, error)        { return nil, nil }
func (d *dispatchStore) ClaimMessage(context.Context, string, time.Time, time.Time) (Stored, bool, error) {
	if len(d.queue) == 0 {
		return Stored{}, false, nil
	}
	m := d.queue[0]
	d.queue = d.queue[1:]
	return m, true, nil
}
func (d *dispatchStore) MessageTarget(context.Context, Stored) (Target, error) {
	return Target{Found: true, Address: "13800138000", CustomerName: "张三"}, nil
}
func (d *dispatchStore) FinishMessage(_ context.Context, id guanxi.ID, _ string, r Result) (bool, error) {
	d.results[id] = r
	return true, nil
}
func (d *dispatchStore) SettingRows(context.Context) ([]settings.Setting, error) { return nil, nil }
func (d *dispatchStore) SettingRow(_ context.Context, key string) (settings.Setting, bool, error) {
	v, ok := d.settings[key]
	return settings.Setting{Key: key, Value: v, Version: 1}, ok, nil
}
func (d *dispatchStore) SaveSetting(context.Context, string, string, int64, audit.Entry) error {
	return errors.New("not used")
}

func (d *dispatchStore) send(t *testing.T, s *Service, id guanxi.ID) Result {
	t.Helper()
	d.queue = append(d.queue, Stored{Message: Message{ID: id, Channel: ChannelSMS, Purpose: PurposeService,
		Template: "appointment.reminder", Locale: "zh-CN", IdemKey: "k"}, Delivery: Delivery{Attempts: 1}})
	if err := s.Dispatch(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	return d.results[id]
}

// TestDispatchEgressSetting: the dispatcher's default client goes through
// the filter with the allow-list of the setting, read on every run; a
// refused send is dead at once with the reason on the message, and taking
// a network off the list also closes the connections pooled to it.
func TestDispatchEgressSetting(t *testing.T) {
	gw := newGateway(t, nil)
	cfg := DefaultConfig()
	// By name, so only the dial-time check sees the address (and pooled
	// connections would skip it).
	cfg.SMS, cfg.RatePerMinute, cfg.MaxAttempts = smsTo("http://localhost:"+gw.port()+"/send"), nil, 5
	st := &dispatchStore{cfg: cfg, results: map[guanxi.ID]Result{}, settings: map[string]string{}}
	s := &Service{Store: st, Owner: "t", Jitter: func() float64 { return 0.5 }}

	r := st.send(t, s, 1)
	if r.Status != StatusDead || !strings.Contains(r.Error, "refused: loopback address") ||
		!strings.Contains(r.Error, settings.OutboxAllowPrivateCIDRs) || gw.hits.Load() != 0 {
		t.Fatalf("default: %+v, %d hits", r, gw.hits.Load())
	}
	st.settings[settings.OutboxAllowPrivateCIDRs] = "127.0.0.0/8"
	if r := st.send(t, s, 2); r.Status != StatusSent || gw.hits.Load() != 1 {
		t.Fatalf("allowed: %+v, %d hits", r, gw.hits.Load())
	}
	delete(st.settings, settings.OutboxAllowPrivateCIDRs)
	if r := st.send(t, s, 3); r.Status != StatusDead || gw.hits.Load() != 1 {
		t.Fatalf("after the network was taken off the list: %+v, %d hits", r, gw.hits.Load())
	}
	// A value that does not parse (stored by hand) opens nothing.
	st.settings[settings.OutboxAllowPrivateCIDRs] = "0.0.0.0/0"
	if r := st.send(t, s, 4); r.Status != StatusDead || gw.hits.Load() != 1 {
		t.Fatalf("unparsable allow-list: %+v, %d hits", r, gw.hits.Load())
	}
}
