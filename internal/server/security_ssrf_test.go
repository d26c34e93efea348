package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/outbox"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestOutboxEgressWired (TESTPLAN C8) checks the wired application: a
// manager (care.admin) points the SMS gateway at this machine; the test
// send is refused until a settings administrator lists 127.0.0.0/8 in
// outbox.allow_private_cidrs, read from the database.
func TestOutboxEgressWired(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		var hits atomic.Int32
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Write([]byte(`{"id":"gw-1"}`))
		}))
		t.Cleanup(gw.Close)
		mgr := env.Actor("mgr_a")
		cfg, v, err := env.App.Outbox.Channels(ctx, mgr)
		if err != nil {
			t.Fatal(err)
		}
		cfg.SMS = outbox.SMSConfig{Kind: outbox.SMSHTTP, URL: gw.URL + "/send", Method: "POST",
			Headers: map[string]string{"Content-Type": "application/json"}, BodyTemplate: `{"to":"{to}","text":"{text}"}`}
		// An address literal is refused when saved, on its field.
		err = env.App.Outbox.SaveChannels(ctx, mgr, cfg, v, false, false)
		if e := guanxi.AsError(err); len(e.Fields) != 1 || e.Fields[0].Field != "sms.url" || e.Fields[0].Key != "outbox.error.refused_destination" {
			t.Fatalf("save a loopback gateway: %v", err)
		}
		// A name is checked when dialled: it resolves to loopback.
		cfg.SMS.URL = strings.Replace(gw.URL, "127.0.0.1", "localhost", 1) + "/send"
		if err := env.App.Outbox.SaveChannels(ctx, mgr, cfg, v, false, false); err != nil {
			t.Fatal(err)
		}
		_, err = env.App.Outbox.SendTest(ctx, mgr, outbox.ChannelSMS, "13800138000")
		if e := guanxi.AsError(err); e.Key != "outbox.error.test_failed" ||
			!strings.Contains(e.Args["error"].(string), "refused: loopback") || hits.Load() != 0 {
			t.Fatalf("send to localhost by default: %v, %d hits", err, hits.Load())
		}
		// The allow-list is settings.admin's: the manager cannot open it.
		if err := env.App.Settings.Set(ctx, mgr, settings.OutboxAllowPrivateCIDRs, "127.0.0.0/8", 0); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("manager sets the allow-list: %v", err)
		}
		if err := env.App.Settings.Set(ctx, env.Actor("admin"), settings.OutboxAllowPrivateCIDRs, "127.0.0.0/8, ::1/128", 0); err != nil {
			t.Fatal(err)
		}
		if id, err := env.App.Outbox.SendTest(ctx, mgr, outbox.ChannelSMS, "13800138000"); err != nil || id != "gw-1" || hits.Load() != 1 {
			t.Fatalf("with 127.0.0.0/8 allowed: %q %v, %d hits", id, err, hits.Load())
		}
	})
}
