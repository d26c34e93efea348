package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/outbox"
	"github.com/guanxi-crm/guanxi/internal/settings"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// smsProvider is a fake SMS provider that honours Idempotency-Key: a
// repeated key is answered with the first provider id and not delivered
// again. It counts requests per key and deliveries.
type smsProvider struct {
	mu        sync.Mutex
	requests  map[string]int
	delivered map[string]int
	status    int // answer with this status when not 0
	srv       *httptest.Server
}

func newSMSProvider(t *testing.T) *smsProvider {
	p := &smsProvider{requests: map[string]int{}, delivered: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		k := r.Header.Get("Idempotency-Key")
		p.requests[k]++
		if p.status != 0 {
			w.WriteHeader(p.status)
			return
		}
		if p.delivered[k] == 0 {
			p.delivered[k]++
		}
		fmt.Fprintf(w, `{"id":"p-%s"}`, k)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *smsProvider) counts() (map[string]int, map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, d := map[string]int{}, map[string]int{}
	for k, v := range p.requests {
		r[k] = v
	}
	for k, v := range p.delivered {
		d[k] = v
	}
	return r, d
}

type outboxEnv struct {
	s     *sqlstore.Store
	f     staffFixture
	svc   *outbox.Service
	admin guanxi.Actor
}

func newOutboxEnv(t *testing.T, s *sqlstore.Store) outboxEnv {
	f := seedStaff(t, s)
	return outboxEnv{s: s, f: f, admin: f.Admin,
		svc: &outbox.Service{Store: s, Owner: "a", Jitter: func() float64 { return 0.5 }}}
}

func (e outboxEnv) customer(t *testing.T, name, mobile, email string, consent map[string]bool) guanxi.ID {
	t.Helper()
	c := newCustomer(name, mobile, e.f.AgentA1.UserID)
	c.Email, c.Consent = email, consent
	if err := (&customer.Service{Store: e.s}).Create(context.Background(), e.f.AgentA1, c); err != nil {
		t.Fatalf("create customer: %v", err)
	}
	return c.ID
}

func (e outboxEnv) useSMS(t *testing.T, p *smsProvider, rate int) {
	t.Helper()
	ctx := context.Background()
	cfg, v, err := e.svc.Channels(ctx, e.admin)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SMS = outbox.SMSConfig{Kind: outbox.SMSHTTP, URL: p.srv.URL + "/sms", Method: "POST", Secret: "sig",
		Headers: map[string]string{"Content-Type": "application/json"}, BodyTemplate: `{"to":"{to}","text":"{text}"}`}
	cfg.RatePerMinute = map[string]int{outbox.ChannelSMS: rate}
	cfg.OrgName, cfg.PublicURL = "示例公司", "https://crm.example.com"
	// The fake provider listens on loopback, which the egress filter
	// refuses; with its own client the test answers for the destination.
	e.svc.HTTPClient = p.srv.Client()
	if err := e.svc.SaveChannels(ctx, e.admin, cfg, v, false, false); err != nil {
		t.Fatal(err)
	}
}

func (e outboxEnv) queue(t *testing.T, m outbox.Message) guanxi.ID {
	t.Helper()
	id, ok, err := e.s.QueueMessage(context.Background(), guanxi.SystemActor("test"), m)
	if err != nil || !ok {
		t.Fatalf("queue %+v: %v %v", m, ok, err)
	}
	return id
}

func (e outboxEnv) get(t *testing.T, id guanxi.ID) outbox.Stored {
	t.Helper()
	m, err := e.s.GetMessage(context.Background(), e.admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ptr(id guanxi.ID) *guanxi.ID { return &id }

func TestOutboxEnqueueIdempotent(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		cid := e.customer(t, "张三", "13800138000", "", nil)
		m := outbox.Message{Channel: outbox.ChannelSMS, CustomerID: ptr(cid), Template: "care.birthday",
			Purpose: outbox.PurposeCare, IdemKey: "care:birthday:1:2026", Vars: map[string]string{"years": "3"}}
		id1, ok1, err1 := s.QueueMessage(ctx, e.admin, m)
		id2, ok2, err2 := s.QueueMessage(ctx, e.admin, m)
		if err1 != nil || err2 != nil || !ok1 || ok2 || id1 != id2 {
			t.Fatalf("queue twice: %d %v %v / %d %v %v", id1, ok1, err1, id2, ok2, err2)
		}
		if n := countWhere(t, s, "outbox_messages", "1=1"); n != 1 {
			t.Fatalf("%d rows", n)
		}
		if n := auditRows(t, s, "message.send"); n != 1 {
			t.Fatalf("%d audit rows", n)
		}
		got := e.get(t, id1)
		if got.Status != outbox.StatusQueued || got.Vars["years"] != "3" || got.Locale != "zh-CN" {
			t.Fatalf("%+v", got)
		}
		// An agent cannot queue for a customer outside its scope.
		if _, _, err := s.QueueMessage(ctx, e.f.AgentB, outbox.Message{Channel: outbox.ChannelSMS,
			CustomerID: ptr(cid), Template: "care.greeting", IdemKey: "x"}); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("out of scope queue: %v", err)
		}
	})
}

// openTwice opens two Store handles on one fresh database.
func openTwice(t *testing.T, engine string) (*sqlstore.Store, *sqlstore.Store) {
	ctx := context.Background()
	var dsn string
	opt := sqlstore.Options{}
	if engine == "sqlite" {
		dsn, opt.SyncNormal = filepath.Join(t.TempDir(), "guanxi.db"), true
	} else {
		dsn = sqltest.PostgresDSN(t)
	}
	open := func() *sqlstore.Store {
		s, err := sqlstore.Open(ctx, dsn, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a := open()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return a, open()
}

func TestOutboxDispatchExactlyOnce(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s1, s2 := openTwice(t, engine)
			e := newOutboxEnv(t, s1)
			p := newSMSProvider(t)
			e.useSMS(t, p, 0)
			const n = 30
			for i := 0; i < n; i++ {
				cid := e.customer(t, fmt.Sprintf("客户%d", i), fmt.Sprintf("1390000%04d", i), "", map[string]bool{"sms": true})
				e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, Purpose: outbox.PurposeCare, CustomerID: ptr(cid),
					Template: "care.festival", Vars: map[string]string{"festival": "春节"}, IdemKey: fmt.Sprintf("k%d", i)})
			}
			now := time.Now()
			var wg sync.WaitGroup
			for i, s := range []*sqlstore.Store{s1, s2} {
				svc := &outbox.Service{Store: s, Owner: fmt.Sprintf("d%d", i), HTTPClient: p.srv.Client()}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := svc.Dispatch(ctx, now); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			req, del := p.counts()
			if len(req) != n || len(del) != n {
				t.Fatalf("%d keys requested, %d delivered, want %d", len(req), len(del), n)
			}
			for k, c := range req {
				if c != 1 {
					t.Errorf("key %s requested %d times", k, c)
				}
			}
			list, counts, err := e.svc.List(ctx, e.admin, outbox.ListQuery{Limit: 200})
			if err != nil || len(list) != n || counts[outbox.StatusSent] != n {
				t.Fatalf("list %d counts %v %v", len(list), counts, err)
			}
			for _, m := range list {
				if m.Attempts != 1 || m.ProviderID != "p-"+m.IdemKey || m.SentAt == nil ||
					m.Body == "" || !containsText(m.Body, "春节") || !containsText(m.Body, "https://crm.example.com/u/") {
					t.Fatalf("message %+v", m)
				}
			}
		})
	}
}

func TestOutboxLeaseExpiryResendsSameKey(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		p := newSMSProvider(t)
		e.useSMS(t, p, 0)
		cid := e.customer(t, "李四", "13700000001", "", nil)
		id := e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, CustomerID: ptr(cid), Template: "appointment.reminder",
			IdemKey: "apt:7:reminder", Vars: map[string]string{"appointment_time": "明天10点"}})
		t0 := time.Now().UTC()
		// A dispatcher claims, the provider accepts, then it dies before
		// marking the message sent.
		m, ok, err := s.ClaimMessage(ctx, "crashed", t0, t0.Add(2*time.Minute))
		if err != nil || !ok || m.ID != id || m.Attempts != 1 {
			t.Fatalf("claim %+v %v %v", m, ok, err)
		}
		cfg, _, _ := s.ChannelConfig(ctx)
		if _, err := (&outbox.HTTPSMSSender{Config: cfg.SMS, Client: p.srv.Client()}).Send(ctx,
			outbox.Envelope{To: "13700000001", Body: "x", IdemKey: m.IdemKey}); err != nil {
			t.Fatal(err)
		}
		// Within the lease nobody else takes it.
		if _, ok, _ := s.ClaimMessage(ctx, "other", t0.Add(time.Minute), t0.Add(3*time.Minute)); ok {
			t.Fatal("claimed during the lease")
		}
		e.svc.Owner = "survivor"
		e.svc.HTTPClient = p.srv.Client()
		if err := e.svc.Dispatch(ctx, t0.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		req, del := p.counts()
		if req["apt:7:reminder"] != 2 || del["apt:7:reminder"] != 1 || len(req) != 1 {
			t.Fatalf("requests %v delivered %v", req, del)
		}
		got := e.get(t, id)
		if got.Status != outbox.StatusSent || got.Attempts != 2 || got.ProviderID != "p-apt:7:reminder" {
			t.Fatalf("%+v", got)
		}
		// The crashed owner's late write changes nothing.
		if done, err := s.FinishMessage(ctx, id, "crashed", outbox.Result{Status: outbox.StatusFailed, Attempted: true}); done || err != nil {
			t.Fatalf("stale owner finished: %v %v", done, err)
		}
		at, err := s.MessageAttempts(ctx, e.admin, id)
		if err != nil || len(at) != 1 || at[0].By != "survivor" || at[0].Outcome != outbox.StatusSent || at[0].N != 2 {
			t.Fatalf("attempts %+v %v", at, err)
		}
	})
}

// recorder is a fake adapter that records envelopes.
type recorder struct {
	mu   sync.Mutex
	sent []outbox.Envelope
	err  error
}

func (r *recorder) Send(ctx context.Context, e outbox.Envelope) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return "", r.err
	}
	r.sent = append(r.sent, e)
	return "r-" + e.IdemKey, nil
}

func TestOutboxConsentSuppression(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		rec := &recorder{}
		e.svc.Senders = map[string]outbox.Sender{outbox.ChannelSMS: rec, outbox.ChannelEmail: rec}
		none := e.customer(t, "无同意", "13600000001", "", nil)
		yes := e.customer(t, "同意", "13600000002", "yes@example.com", map[string]bool{"sms": true, "email": true})
		withdrawn := e.customer(t, "撤回", "13600000003", "", map[string]bool{"sms": false})
		q := func(key, purpose, ch string, cid guanxi.ID) guanxi.ID {
			return e.queue(t, outbox.Message{Channel: ch, Purpose: purpose, CustomerID: ptr(cid), Template: "care.greeting",
				IdemKey: key, Locale: "en", Vars: map[string]string{"text": "hello"}})
		}
		careNone := q("c1", outbox.PurposeCare, outbox.ChannelSMS, none)
		careYes := q("c2", outbox.PurposeCare, outbox.ChannelSMS, yes)
		svcNone := q("c3", outbox.PurposeService, outbox.ChannelSMS, none)
		svcWithdrawn := q("c4", outbox.PurposeService, outbox.ChannelSMS, withdrawn)
		mktWithdrawn := q("c5", outbox.PurposeMarketing, outbox.ChannelSMS, withdrawn)
		noEmail := q("c6", outbox.PurposeService, outbox.ChannelEmail, none)
		mail := q("c7", outbox.PurposeCare, outbox.ChannelEmail, yes)
		if err := e.svc.Dispatch(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		want := map[guanxi.ID][2]string{
			careNone: {outbox.StatusSuppressed, outbox.ReasonNoConsent}, careYes: {outbox.StatusSent, ""},
			svcNone: {outbox.StatusSent, ""}, svcWithdrawn: {outbox.StatusSuppressed, outbox.ReasonWithdrawn},
			mktWithdrawn: {outbox.StatusSuppressed, outbox.ReasonWithdrawn},
			noEmail:      {outbox.StatusSuppressed, outbox.ReasonNoAddress}, mail: {outbox.StatusSent, ""},
		}
		for id, w := range want {
			if m := e.get(t, id); m.Status != w[0] || m.LastError != w[1] {
				t.Errorf("message %s: %s %q, want %v", m.IdemKey, m.Status, m.LastError, w)
			}
		}
		if len(rec.sent) != 3 {
			t.Fatalf("sent %d", len(rec.sent))
		}
		for _, env := range rec.sent {
			if env.IdemKey == "c7" && (env.To != "yes@example.com" || !containsText(env.Body, "/u/") || env.Subject == "") {
				t.Fatalf("email %+v", env)
			}
			if env.IdemKey == "c3" && (env.To != "13600000001" || containsText(env.Body, "{")) {
				t.Fatalf("sms %+v", env)
			}
		}
	})
}

func TestOutboxRetriesAndRateLimit(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		p := newSMSProvider(t)
		e.useSMS(t, p, 3)
		e.svc.HTTPClient = p.srv.Client()
		var ids []guanxi.ID
		for i := 0; i < 5; i++ {
			cid := e.customer(t, fmt.Sprintf("限%d", i), fmt.Sprintf("1350000%04d", i), "", nil)
			ids = append(ids, e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, CustomerID: ptr(cid),
				Template: "appointment.confirm", IdemKey: fmt.Sprintf("r%d", i)}))
		}
		t0 := time.Now().UTC().Truncate(time.Minute).Add(time.Hour + 30*time.Second)
		// A second instance shares the limit through the database.
		other := &outbox.Service{Store: s, Owner: "b", HTTPClient: p.srv.Client()}
		if err := e.svc.Dispatch(ctx, t0); err != nil {
			t.Fatal(err)
		}
		if err := other.Dispatch(ctx, t0.Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		_, counts, _ := e.svc.List(ctx, e.admin, outbox.ListQuery{})
		if counts[outbox.StatusSent] != 3 || counts[outbox.StatusQueued] != 2 {
			t.Fatalf("after one minute: %v", counts)
		}
		for _, id := range ids[3:] {
			if m := e.get(t, id); m.Attempts != 0 || !m.NextAttemptAt.Equal(t0.Truncate(time.Minute).Add(time.Minute)) {
				t.Fatalf("held message %+v", m.Delivery)
			}
		}
		// The provider fails: 5xx is retried with backoff, then dead.
		p.mu.Lock()
		p.status = http.StatusServiceUnavailable
		p.mu.Unlock()
		t1 := t0.Add(time.Minute)
		if err := e.svc.Dispatch(ctx, t1); err != nil {
			t.Fatal(err)
		}
		m := e.get(t, ids[3])
		if m.Status != outbox.StatusFailed || m.Attempts != 1 || !m.NextAttemptAt.Equal(t1.Add(time.Minute)) || m.LastError == "" {
			t.Fatalf("after 503: %+v", m.Delivery)
		}
		// Not due before its backoff.
		if err := e.svc.Dispatch(ctx, t1.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		if e.get(t, ids[3]).Attempts != 1 {
			t.Fatal("retried before the backoff")
		}
		at := t1
		for i := 2; i <= 5; i++ {
			at = at.Add(7 * time.Hour)
			if err := e.svc.Dispatch(ctx, at); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range ids[3:] {
			if m := e.get(t, id); m.Status != outbox.StatusDead || m.Attempts != 5 {
				t.Fatalf("after max attempts: %+v", m.Delivery)
			}
		}
		cid := e.customer(t, "限5", "13500009999", "", nil)
		ids = append(ids, e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, CustomerID: ptr(cid),
			Template: "appointment.confirm", IdemKey: "r5"}))
		// 4xx is dead at once; a retry by hand queues it again with the same key.
		p.mu.Lock()
		p.status = http.StatusBadRequest
		p.mu.Unlock()
		if err := e.svc.Dispatch(ctx, at); err != nil {
			t.Fatal(err)
		}
		m = e.get(t, ids[5])
		if m.Status != outbox.StatusDead || m.Attempts != 1 {
			t.Fatalf("after 400: %+v", m.Delivery)
		}
		if err := e.svc.Retry(ctx, e.f.AgentA1, ids[5], m.Version); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent retried: %v", err)
		}
		if err := e.svc.Retry(ctx, e.admin, ids[5], m.Version); err != nil {
			t.Fatal(err)
		}
		p.mu.Lock()
		p.status = 0
		p.mu.Unlock()
		if err := e.svc.Dispatch(ctx, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if m := e.get(t, ids[5]); m.Status != outbox.StatusSent || m.IdemKey != "r5" || m.Attempts != 1 {
			t.Fatalf("after retry: %+v", m)
		}
		// Cancel: only queued or failed messages.
		if err := e.svc.Cancel(ctx, e.admin, ids[5], e.get(t, ids[5]).Version); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("cancel sent: %v", err)
		}
	})
}

func TestOutboxInApp(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		id := e.queue(t, outbox.Message{Channel: outbox.ChannelInApp, UserID: ptr(e.f.AgentA1.UserID),
			Template: "message.manual", IdemKey: "n1", Vars: map[string]string{"subject": "提醒", "text": "请回访"}})
		if err := e.svc.Dispatch(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if m := e.get(t, id); m.Status != outbox.StatusSent || m.Subject != "提醒" || m.Body != "请回访" {
			t.Fatalf("%+v", m)
		}
		list, err := s.Notifications(ctx, e.f.AgentA1.UserID, true, 10)
		if err != nil || len(list) != 1 || list[0].Kind != "message" || list[0].Args()["body"] != "请回访" {
			t.Fatalf("notifications %+v %v", list, err)
		}
	})
}

func TestOutboxUnsubscribe(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		cid := e.customer(t, "王五", "13500001111", "w@example.com", map[string]bool{"sms": true, "email": true})
		secret, err := s.OutboxSecret(ctx, "unsubscribe")
		if err != nil || len(secret) != 32 {
			t.Fatal(err)
		}
		again, _ := s.OutboxSecret(ctx, "unsubscribe")
		if string(again) != string(secret) {
			t.Fatal("secret changed")
		}
		tok := outbox.UnsubscribeToken(secret, cid, outbox.ChannelEmail)
		name, ch, err := e.svc.UnsubscribeTarget(ctx, tok)
		if err != nil || name != "王五" || ch != outbox.ChannelEmail {
			t.Fatal(name, ch, err)
		}
		if _, err := e.svc.UnsubscribeLink(ctx, tok+"x", "1.2.3.4"); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("bad token: %v", err)
		}
		before := getCustomer(t, s, e.admin, cid)
		if ok, err := e.svc.UnsubscribeLink(ctx, tok, "1.2.3.4"); !ok || err != nil {
			t.Fatal(ok, err)
		}
		after := getCustomer(t, s, e.admin, cid)
		if after.Consent["email"] || !after.Consent["sms"] || after.Version != before.Version+1 {
			t.Fatalf("consent %v v%d", after.Consent, after.Version)
		}
		if ok, err := e.svc.UnsubscribeLink(ctx, tok, "1.2.3.4"); ok || err != nil {
			t.Fatal("second unsubscribe changed something", err)
		}
		if n := auditRows(t, s, "consent.unsubscribe"); n != 1 {
			t.Fatalf("%d audit rows", n)
		}

		// Reply keyword, with the adapter's signing secret configured.
		p := newSMSProvider(t)
		e.useSMS(t, p, 0)
		body := []byte(`{"from":"+8613500001111","text":"ＴＤ"}`)
		if _, err := e.svc.Inbound(ctx, body, "sha256=bad", "+8613500001111", "ＴＤ", "1.2.3.4"); guanxi.KindOf(err) != guanxi.KindUnauthorized {
			t.Fatalf("bad signature: %v", err)
		}
		sig := outbox.Sign("sig", body)
		if n, err := e.svc.Inbound(ctx, body, sig, "+8613500001111", "谢谢", "1.2.3.4"); n != 0 || err != nil {
			t.Fatal(n, err)
		}
		if n, err := e.svc.Inbound(ctx, body, sig, "+8613500001111", "ＴＤ", "1.2.3.4"); n != 1 || err != nil {
			t.Fatal(n, err)
		}
		if n, err := e.svc.Inbound(ctx, body, sig, "+8613500001111", "退订", "1.2.3.4"); n != 0 || err != nil {
			t.Fatal("repeat changed", n, err)
		}
		if c := getCustomer(t, s, e.admin, cid); c.Consent["sms"] {
			t.Fatalf("sms consent still %v", c.Consent)
		}
		if n := auditRows(t, s, "consent.unsubscribe"); n != 2 {
			t.Fatalf("%d audit rows", n)
		}
		// A care SMS queued afterwards is suppressed.
		id := e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, Purpose: outbox.PurposeCare, CustomerID: ptr(cid),
			Template: "care.birthday", IdemKey: "after"})
		e.svc.HTTPClient = p.srv.Client()
		if err := e.svc.Dispatch(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if m := e.get(t, id); m.Status != outbox.StatusSuppressed || m.LastError != outbox.ReasonWithdrawn {
			t.Fatalf("%+v", m.Delivery)
		}
	})
}

func getCustomer(t *testing.T, s *sqlstore.Store, a guanxi.Actor, id guanxi.ID) customer.Customer {
	t.Helper()
	c, err := (&customer.Service{Store: s}).Get(context.Background(), a, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOutboxTemplatesChannelsAndScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		bad := outbox.Template{Key: "care.anniversary", Locale: "zh-CN", Body: "爱车{yeras}岁"}
		if err := e.svc.SaveTemplate(ctx, e.admin, &bad, 0); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("unknown variable saved: %v", err)
		}
		tpl := outbox.Template{Key: "care.anniversary", Locale: "zh-CN", Subject: "周年", Body: "您的爱车{years}岁了，生日快乐"}
		if err := e.svc.SaveTemplate(ctx, e.f.AgentA1, &tpl, 0); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent saved: %v", err)
		}
		if err := e.svc.SaveTemplate(ctx, e.admin, &tpl, 0); err != nil || tpl.Version != 1 {
			t.Fatal(err, tpl.Version)
		}
		if err := e.svc.SaveTemplate(ctx, e.admin, &tpl, 0); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("second insert: %v", err)
		}
		got, err := e.svc.Template(ctx, e.admin, "care.anniversary", "zh-CN")
		if err != nil || got.Builtin || got.Body != tpl.Body || got.Version != 1 {
			t.Fatalf("%+v %v", got, err)
		}
		if en, _ := e.svc.Template(ctx, e.admin, "care.anniversary", "en"); !en.Builtin {
			t.Fatal("en should still be built in")
		}

		cfg, v, _ := e.svc.Channels(ctx, e.admin)
		cfg.SMTP = outbox.SMTPConfig{Host: "smtp.example.com", Port: 465, Username: "u", Password: "topsecret", From: "crm@example.com", TLS: outbox.TLSImplicit}
		if err := e.svc.SaveChannels(ctx, e.admin, cfg, v, false, false); err != nil {
			t.Fatal(err)
		}
		pub, v2, _ := e.svc.Channels(ctx, e.admin)
		if pub.SMTP.Password != "" || !pub.SMTP.HasPassword || v2 != 1 {
			t.Fatalf("public config %+v", pub.SMTP)
		}
		pub.SMTP.Port = 2525
		if err := e.svc.SaveChannels(ctx, e.admin, pub, v2, false, false); err != nil {
			t.Fatal(err)
		}
		raw, _, _ := s.ChannelConfig(ctx)
		if raw.SMTP.Password != "topsecret" || raw.SMTP.Port != 2525 {
			t.Fatalf("password not kept: %+v", raw.SMTP)
		}
		if n := countWhere(t, s, "audit_log", "detail LIKE '%topsecret%'"); n != 0 {
			t.Fatal("password in the audit log")
		}
		if err := e.svc.SaveChannels(ctx, e.admin, pub, v2, false, false); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale save: %v", err)
		}

		// Scope: the manager of branch A sees A's customers' messages, not B's.
		a := e.customer(t, "A客户", "13400000001", "", nil)
		cb := newCustomer("B客户", "13400000002", e.f.AgentB.UserID)
		if err := (&customer.Service{Store: s}).Create(ctx, e.f.AgentB, cb); err != nil {
			t.Fatal(err)
		}
		ida := e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, CustomerID: ptr(a), Template: "care.greeting", IdemKey: "sa"})
		idb := e.queue(t, outbox.Message{Channel: outbox.ChannelSMS, CustomerID: ptr(cb.ID), Template: "care.greeting", IdemKey: "sb"})
		list, counts, err := e.svc.List(ctx, e.f.ManagerA, outbox.ListQuery{})
		if err != nil || len(list) != 1 || list[0].ID != ida || counts[outbox.StatusQueued] != 1 {
			t.Fatalf("manager list %d %v %v", len(list), counts, err)
		}
		if _, _, err := e.svc.Get(ctx, e.f.ManagerA, idb); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("out of scope get: %v", err)
		}
		if _, _, err := e.svc.List(ctx, e.f.AgentA1, outbox.ListQuery{}); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent list: %v", err)
		}
		// Cursor paging and filters.
		page, _, _ := e.svc.List(ctx, e.admin, outbox.ListQuery{Limit: 1})
		next, _, _ := e.svc.List(ctx, e.admin, outbox.ListQuery{Limit: 1, Before: page[0].ID})
		if len(page) != 1 || len(next) != 1 || page[0].ID != idb || next[0].ID != ida {
			t.Fatalf("paging %v %v", page, next)
		}
		if l, _, _ := e.svc.List(ctx, e.admin, outbox.ListQuery{CustomerID: a, Channel: outbox.ChannelSMS}); len(l) != 1 {
			t.Fatalf("filter %d", len(l))
		}
		if err := e.svc.Cancel(ctx, e.admin, ida, 1); err != nil {
			t.Fatal(err)
		}
		if m := e.get(t, ida); m.Status != outbox.StatusCancelled {
			t.Fatal(m.Status)
		}
	})
}

// TestOutboxDestinationCheckedOnSave: a gateway or mail server written as
// a refused address (loopback, private, cloud metadata, odd notation) is
// refused when the settings are saved, naming the field; the allow-list
// opens a private network.
func TestOutboxDestinationCheckedOnSave(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		e := newOutboxEnv(t, s)
		e.svc.Settings = &settings.Service{Store: s}
		for _, tc := range []struct {
			field, url, host string
		}{
			{"sms.url", "http://169.254.169.254/latest/meta-data", ""},
			{"sms.url", "http://127.1:8080/sms", ""},
			{"sms.url", "http://[::1]/sms", ""},
			{"smtp.host", "", "10.0.0.5"},
			{"smtp.host", "", "100.100.100.200"},
		} {
			cfg, v, err := e.svc.Channels(ctx, e.admin)
			if err != nil {
				t.Fatal(err)
			}
			if tc.url != "" {
				cfg.SMS = outbox.SMSConfig{Kind: outbox.SMSHTTP, URL: tc.url, Method: "POST"}
			}
			cfg.SMTP = outbox.SMTPConfig{Host: tc.host, Port: 25, From: "crm@example.com", TLS: outbox.TLSNone}
			err = e.svc.SaveChannels(ctx, e.admin, cfg, v, false, false)
			var ge *guanxi.Error
			if !errors.As(err, &ge) || len(ge.Fields) != 1 || ge.Fields[0].Field != tc.field || ge.Fields[0].Key != "outbox.error.refused_destination" {
				t.Fatalf("%+v: %v", tc, err)
			}
		}
		// A private relay is saved once its network is allowed.
		if err := e.svc.Settings.Set(ctx, e.admin, settings.OutboxAllowPrivateCIDRs, "10.0.0.0/8", 0); err != nil {
			t.Fatal(err)
		}
		cfg, v, _ := e.svc.Channels(ctx, e.admin)
		cfg.SMTP = outbox.SMTPConfig{Host: "10.0.0.5", Port: 25, From: "crm@example.com", TLS: outbox.TLSNone}
		if err := e.svc.SaveChannels(ctx, e.admin, cfg, v, false, false); err != nil {
			t.Fatalf("allowed private relay: %v", err)
		}
	})
}
