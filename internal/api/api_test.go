package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any, hdr ...string) (int, http.Header, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &m); err != nil {
			c.t.Fatalf("%s %s: bad JSON %q", method, path, raw)
		}
	}
	if m == nil {
		m = map[string]any{"_raw": string(raw)}
	}
	return resp.StatusCode, resp.Header, m
}

func clientFor(t *testing.T, env *servertest.Env, user string) client {
	return client{t: t, base: env.URL, token: env.Token(t, user)}
}

func TestAPICustomerLifecycle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		a1 := clientFor(t, env, "agent_a1")

		st, _, m := a1.do("POST", "/api/v1/customers", map[string]any{"name": "张三", "mobile": "13800138000",
			"id_type": "resident_id", "id_number": "11010519491231002X", "stage": "customer", "tags": []string{"vip"}})
		if st != 201 {
			t.Fatalf("create: %d %v", st, m)
		}
		id := int64(m["id"].(float64))
		if m["mobile"] != "138****8000" || m["id_number"] != "110***********002X" {
			t.Fatalf("not masked: %v", m)
		}
		path := fmt.Sprintf("/api/v1/customers/%d", id)

		// Field errors name the field in the caller's language; nothing written.
		st, _, m = a1.do("POST", "/api/v1/customers", map[string]any{"name": "", "mobile": "123"}, "Accept-Language", "en")
		if st != 400 || !hasLocation(m, "body.mobile") || !hasLocation(m, "body.name") {
			t.Fatalf("invalid create: %d %v", st, m)
		}
		// Duplicate phone: 409 naming the visible customer's number.
		st, _, m = a1.do("POST", "/api/v1/customers", map[string]any{"name": "李四", "mobile": "13800138000"})
		if st != 409 || m["args"].(map[string]any)["number"] != "KH00000001" {
			t.Fatalf("duplicate: %d %v", st, m)
		}
		// Unknown field and wrong type → 400 problem.
		if st, h, m := a1.do("POST", "/api/v1/customers", `{"name":"王五","bogus":1}`); st != 400 || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("unknown field: %d %v %v", st, h, m)
		}
		// Body over 1 MiB → 413.
		big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
		if st, _, m := a1.do("POST", "/api/v1/customers", big); st != 413 {
			t.Fatalf("big body: %d %v", st, m)
		}

		// ETag / If-Match.
		st, h, m := a1.do("GET", path, nil)
		if st != 200 || h.Get("ETag") != `"1"` {
			t.Fatalf("get: %d %v", st, h)
		}
		if st, _, _ := a1.do("PATCH", path, map[string]any{"notes": "x"}); st != 428 {
			t.Fatalf("missing If-Match: %d", st)
		}
		if st, _, _ := a1.do("PATCH", path, map[string]any{"notes": "x"}, "If-Match", `"7"`); st != 412 {
			t.Fatalf("stale If-Match: %d", st)
		}
		st, h, m = a1.do("PATCH", path, map[string]any{"name": "张叁"}, "If-Match", `"1"`)
		if st != 200 || h.Get("ETag") != `"2"` || m["name"] != "张叁" {
			t.Fatalf("patch: %d %v", st, m)
		}
		st, _, m = a1.do("GET", path+"/history", nil)
		if st != 200 || !strings.Contains(m["_raw"].(string), "张叁") {
			t.Fatalf("history: %d %v", st, m)
		}

		// Search by initials and by the last four digits.
		for _, q := range []string{"zs", "8000", "张"} {
			st, _, m = a1.do("GET", "/api/v1/customers?q="+q, nil)
			if st != 200 || len(m["items"].([]any)) != 1 {
				t.Fatalf("search %q: %d %v", q, st, m)
			}
		}
		// Filter language, with a bad field named in the error.
		st, _, m = a1.do("GET", `/api/v1/customers?filter={"field":"stage","op":"eq","value":"customer"}`, nil)
		if st != 200 || len(m["items"].([]any)) != 1 {
			t.Fatalf("filter: %d %v", st, m)
		}
		st, _, m = a1.do("GET", `/api/v1/customers?filter={"field":"password_hash","op":"eq","value":"x"}`, nil)
		if st != 400 {
			t.Fatalf("bad filter: %d %v", st, m)
		}
		if st, _, _ := a1.do("GET", "/api/v1/customers?limit=500", nil); st != 400 {
			t.Fatalf("limit over 200: %d", st)
		}

		// Reveal: audited, needs a reason.
		if st, _, _ := a1.do("POST", path+"/reveal", map[string]any{"field": "mobile", "reason": ""}); st != 400 {
			t.Fatalf("reveal without reason: %d", st)
		}
		st, _, m = a1.do("POST", path+"/reveal", map[string]any{"field": "mobile", "reason": "回访核实"})
		if st != 201 || m["value"] != "13800138000" {
			t.Fatalf("reveal: %d %v", st, m)
		}
		if st, _, _ := a1.do("POST", path+"/reveal", map[string]any{"field": "id_number", "reason": "x"}); st != 403 {
			t.Fatalf("agent reveals id number: %d", st)
		}
		aud := clientFor(t, env, "auditor")
		st, _, m = aud.do("GET", "/api/v1/audit?action=reveal", nil)
		if st != 200 || len(m["items"].([]any)) != 1 || strings.Contains(fmt.Sprint(m), "13800138000") {
			t.Fatalf("reveal audit: %d %v", st, m)
		}
		if st, _, m := aud.do("POST", "/api/v1/audit/verify", nil); st != 201 || m["intact"] != true {
			t.Fatalf("verify: %d %v", st, m)
		}
		if st, _, _ := aud.do("PATCH", path, map[string]any{"notes": "x"}, "If-Match", `"2"`); st != 403 {
			t.Fatalf("auditor write: %d", st)
		}
		if st, _, _ := (client{t: t, base: env.URL}).do("GET", path, nil); st != 401 {
			t.Fatalf("anonymous: %d", st)
		}
	})
}

func TestAPIIdempotency(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		a1 := clientFor(t, env, "agent_a1")
		body := map[string]any{"name": "陈一", "mobile": "13700137000"}
		st1, _, m1 := a1.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k1")
		st2, h2, m2 := a1.do("POST", "/api/v1/customers", body, "Idempotency-Key", "k1")
		if st1 != 201 || st2 != 201 || m1["id"] != m2["id"] || h2.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %v / %d %v %v", st1, m1, st2, m2, h2)
		}
		if st, _, m := a1.do("POST", "/api/v1/customers", map[string]any{"name": "陈二"}, "Idempotency-Key", "k1"); st != 422 {
			t.Fatalf("same key, other body: %d %v", st, m)
		}
		// A key whose first request is still running.
		u := env.Users["agent_a1"]
		b, _ := json.Marshal(map[string]any{"name": "陈三"})
		sum := sha256.Sum256(append([]byte("/api/v1/customers\n"), b...))
		if _, _, err := env.App.Idem.BeginIdem(context.Background(), app.IdemRecord{UserID: u.ID, Key: "k2", Method: "POST",
			Path: "/api/v1/customers", BodyHash: hex.EncodeToString(sum[:])}); err != nil {
			t.Fatal(err)
		}
		if st, _, m := a1.do("POST", "/api/v1/customers", map[string]any{"name": "陈三"}, "Idempotency-Key", "k2"); st != 409 {
			t.Fatalf("in flight: %d %v", st, m)
		}
	})
}

func hasLocation(m map[string]any, loc string) bool {
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		if e.(map[string]any)["location"] == loc {
			return true
		}
	}
	return false
}

func TestAPIUnknownPathIsProblem(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	st, h, m := clientFor(t, env, "agent_a1").do("GET", "/api/v1/nope", nil)
	if st != 404 || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") || m["key"] != "error.not_found" {
		t.Fatalf("unknown path: %d %v %v", st, h, m)
	}
}
