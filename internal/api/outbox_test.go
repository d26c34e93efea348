package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/outbox"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIOutbox: queue by hand, list with masking and counts, cancel,
// templates with validation, and the signed SMS reply webhook.
func TestAPIOutbox(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		admin, auditor, a1 := clientFor(t, env, "admin"), clientFor(t, env, "auditor"), clientFor(t, env, "agent_a1")
		c := env.Customer(t, "agent_a1", "赵六", "13900139000")

		send := map[string]any{"channel": "sms", "customer_id": c.ID, "vars": map[string]string{"text": "您好 13900139000"}}
		if st, _, _ := a1.do("POST", "/api/v1/messages", send); st != 403 {
			t.Fatalf("agent sends: %d", st)
		}
		st, h, m := admin.do("POST", "/api/v1/messages", send, "Idempotency-Key", "manual-1")
		if st != 201 || m["status"] != "queued" || m["template"] != "message.manual" || h.Get("ETag") != `"1"` {
			t.Fatalf("send: %d %v", st, m)
		}
		id := int64(m["id"].(float64))
		if st, _, m2 := admin.do("POST", "/api/v1/messages", send, "Idempotency-Key", "manual-1"); st != 201 || m2["id"] != m["id"] {
			t.Fatalf("replay: %d %v", st, m2)
		}
		if st, _, _ := a1.do("GET", "/api/v1/messages", nil); st != 403 {
			t.Fatalf("agent lists: %d", st)
		}
		admin.do("POST", "/api/v1/messages", map[string]any{"channel": "sms", "customer_id": c.ID, "send_after": time.Now().Add(time.Hour)})
		st, _, m = auditor.do("GET", "/api/v1/messages?limit=1", nil)
		page, _ := m["items"].([]any)
		if st != 200 || len(page) != 1 || m["next_cursor"] == "" {
			t.Fatalf("page 1: %d %v", st, m)
		}
		st, _, m = auditor.do("GET", "/api/v1/messages?limit=1&cursor="+m["next_cursor"].(string), nil)
		if p2, _ := m["items"].([]any); st != 200 || len(p2) != 1 || p2[0].(map[string]any)["id"] != float64(id) {
			t.Fatalf("page 2: %d %v", st, m)
		}
		st, _, m = auditor.do("GET", "/api/v1/messages?status=queued&channel=sms", nil)
		items, _ := m["items"].([]any)
		counts, _ := m["counts"].(map[string]any)
		if st != 200 || len(items) != 2 || counts["queued"] != float64(2) {
			t.Fatalf("list: %d %v", st, m)
		}
		// Send it so the rendered text exists; the auditor may not reveal phones.
		if err := env.App.Outbox.Dispatch(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		st, _, m = auditor.do("GET", fmt.Sprintf("/api/v1/messages/%d", id), nil)
		if st != 200 || m["status"] != "sent" || m["body"] != "您好 139****9000" || m["attempt_log"] == nil {
			t.Fatalf("get: %d %v", st, m)
		}
		st, _, m = admin.do("GET", fmt.Sprintf("/api/v1/messages/%d", id), nil)
		if st != 200 || m["body"] != "您好 13900139000" {
			t.Fatalf("admin get: %d %v", st, m)
		}
		// Out of scope: a manager of another branch gets 404, an agent 403.
		mgrB, agentB := clientFor(t, env, "mgr_b"), clientFor(t, env, "agent_b")
		for _, p := range []string{"", "/cancel", "/retry"} {
			method := "POST"
			if p == "" {
				method = "GET"
			}
			path := fmt.Sprintf("/api/v1/messages/%d%s", id, p)
			if st, _, _ := mgrB.do(method, path, nil, "If-Match", `"3"`); st != 404 {
				t.Fatalf("%s as mgr_b: %d", path, st)
			}
			if st, _, _ := agentB.do(method, path, nil, "If-Match", `"3"`); st != 403 {
				t.Fatalf("%s as agent_b: %d", path, st)
			}
		}
		if st, _, _ = admin.do("POST", fmt.Sprintf("/api/v1/messages/%d/cancel", id), nil, "If-Match", `"3"`); st != 409 {
			t.Fatalf("cancel sent: %d", st)
		}

		// Templates.
		st, _, m = admin.do("GET", "/api/v1/message-templates", nil)
		if st != 200 || len(list(t, m)) < 20 {
			t.Fatalf("templates: %d", st)
		}
		p := "/api/v1/message-templates"
		st, _, m = admin.do("GET", p+"?key=care.anniversary&locale=zh-CN", nil)
		if one := list(t, m); st != 200 || len(one) != 1 || one[0]["builtin"] != true || one[0]["version"] != float64(0) {
			t.Fatalf("template: %d %v", st, m)
		}
		tpl := func(body string) map[string]any {
			return map[string]any{"key": "care.anniversary", "locale": "zh-CN", "subject": "周年", "body": body}
		}
		if st, _, _ = admin.do("PUT", p, tpl("爱车{yeras}岁"), "If-Match", `"0"`); st != 400 {
			t.Fatalf("unknown variable: %d", st)
		}
		st, h, m = admin.do("PUT", p, tpl("您的爱车{years}岁了，生日快乐"), "If-Match", `"0"`)
		if st != 200 || m["version"] != float64(1) || m["preview"] != "您的爱车3岁了，生日快乐" || h.Get("ETag") != `"1"` {
			t.Fatalf("put: %d %v", st, m)
		}
		if st, _, _ = auditor.do("PUT", p, tpl("x"), "If-Match", `"1"`); st != 403 {
			t.Fatalf("auditor edits: %d", st)
		}

		// The SMS reply webhook is public and signed with the adapter secret.
		ctx := context.Background()
		cfg, v, _ := env.App.Outbox.Channels(ctx, env.Actor("admin"))
		cfg.SMS.Secret = "hook-secret"
		if err := env.App.Outbox.SaveChannels(ctx, env.Actor("admin"), cfg, v, false, false); err != nil {
			t.Fatal(err)
		}
		anon := client{t: t, base: env.URL}
		body := `{"from":"+8613900139000","text":" 退订 "}`
		if st, _, _ = anon.do("POST", "/api/v1/sms/inbound", body); st != 401 {
			t.Fatalf("unsigned: %d", st)
		}
		st, _, m = anon.do("POST", "/api/v1/sms/inbound", body, outbox.SignatureHeader, outbox.Sign("hook-secret", []byte(body)))
		if st != 201 || m["unsubscribed"] != float64(1) {
			t.Fatalf("inbound: %d %v", st, m)
		}
		got, err := env.App.Customers.Get(ctx, env.Actor("admin"), c.ID)
		if err != nil || got.Consent["sms"] {
			t.Fatalf("consent %v %v", got.Consent, err)
		}
	})
}
