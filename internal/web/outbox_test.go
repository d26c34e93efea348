package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/outbox"
)

// TestOutboxPages: the list, a message, templates with preview and
// validation, channels without secrets, a manual send and the public
// unsubscribe page.
func TestOutboxPages(t *testing.T) {
	env := newTestEnv(t)
	ctx := context.Background()
	ob := &outbox.Service{Store: env.store, Owner: "t"}
	env.app.Outbox = ob
	c := &customer.Customer{Kind: customer.Person, Name: "钱七", Mobile: "13800138001", OwnerID: 2,
		Market: customer.MarketPersonal, Stage: customer.StageCustomer, Consent: map[string]bool{"sms": true}}
	if err := env.app.Customers.Create(ctx, env.admin, c); err != nil {
		t.Fatal(err)
	}

	if r := env.do(t, "agent", "GET", "/outbox", nil); r.status != http.StatusForbidden {
		t.Fatalf("agent sees the outbox: %d", r.status)
	}
	// A manual send.
	r := env.do(t, "admin", "POST", "/outbox/send", url.Values{"channel": {"sms"}, "purpose": {"care"},
		"customer_id": {"999"}, "template": {"message.manual"}, "locale": {"zh-CN"}, "text": {"x"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("unknown customer: %d", r.status)
	}
	r = env.do(t, "admin", "POST", "/outbox/send", url.Values{"channel": {"sms"}, "purpose": {"care"},
		"customer_id": {strconv.FormatInt(c.ID, 10)}, "template": {"care.greeting"}, "locale": {"zh-CN"}, "text": {"新年快乐"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/outbox/") {
		t.Fatalf("send: %d %s", r.status, r.body)
	}
	msg := r.header.Get("Location")
	if err := ob.Dispatch(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	mustContain(t, env.do(t, "admin", "GET", "/outbox?status=sent", nil), "钱七", "care.greeting", `id="outbox-counts"`)
	r = env.do(t, "admin", "GET", "/outbox/export.csv?channel=sms", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %v", r.status, r.header)
	}
	mustContain(t, r, "care.greeting", "新年快乐")
	r = env.do(t, "admin", "GET", msg, nil)
	mustContain(t, r, "新年快乐", "/u/", "outbox-attempts")

	// Templates: an unknown variable is refused, preview renders samples.
	r = env.do(t, "admin", "POST", "/outbox/templates/care.anniversary/zh-CN", url.Values{"version": {"0"}, "subject": {"x"}, "body": {"爱车{yeras}岁"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("unknown variable: %d", r.status)
	}
	mustContain(t, r, "yeras")
	r = env.do(t, "admin", "POST", "/outbox/templates/care.anniversary/zh-CN", url.Values{"version": {"0"}, "body": {"您的爱车{years}岁了"}, "preview": {"1"}})
	mustContain(t, r, "您的爱车3岁了")
	r = env.do(t, "admin", "POST", "/outbox/templates/care.anniversary/zh-CN", url.Values{"version": {"0"}, "body": {"您的爱车{years}岁了"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save template: %d %s", r.status, r.body)
	}
	mustContain(t, env.do(t, "admin", "GET", "/outbox/templates", nil), "您的爱车{years}岁了", "care.birthday")

	// Channels: the password is write-only.
	form := url.Values{"version": {"0"}, "smtp.host": {"smtp.example.com"}, "smtp.port": {"587"}, "smtp.password": {"pw-secret-1"},
		"smtp.from": {"crm@example.com"}, "smtp.tls": {"starttls"}, "sms.kind": {"log"}, "rate.sms": {"10"}, "max_attempts": {"5"}}
	if r = env.do(t, "admin", "POST", "/outbox/channels", form); r.status != http.StatusSeeOther {
		t.Fatalf("save channels: %d %s", r.status, r.body)
	}
	r = env.do(t, "admin", "GET", "/outbox/channels", nil)
	mustContain(t, r, "smtp.example.com")
	if strings.Contains(r.body, "pw-secret-1") {
		t.Fatal("password shown")
	}
	r = env.do(t, "admin", "POST", "/outbox/channels/test", url.Values{"channel": {"sms"}, "to": {"13800138001"}})
	mustContain(t, r, `id="test-ok"`)

	// The public unsubscribe page.
	secret, err := env.store.OutboxSecret(ctx, "unsubscribe")
	if err != nil {
		t.Fatal(err)
	}
	tok := outbox.UnsubscribeToken(secret, c.ID, outbox.ChannelSMS)
	if r = env.do(t, "", "GET", "/u/bad.token", nil); r.status != http.StatusNotFound {
		t.Fatalf("bad token: %d", r.status)
	}
	r = env.do(t, "", "GET", "/u/"+tok, nil)
	mustContain(t, r, "钱*", "unsubscribe-confirm")
	if strings.Contains(r.body, "钱七") {
		t.Fatal("full name on a public page")
	}
	mustContain(t, env.do(t, "", "POST", "/u/"+tok, url.Values{}), "unsubscribe-done")
	got, err := env.app.Customers.Get(ctx, env.admin, c.ID)
	if err != nil || got.Consent["sms"] {
		t.Fatalf("consent %v %v", got.Consent, err)
	}
}
