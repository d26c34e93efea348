package api_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAPIPublicComplaint files a complaint through the public API without
// a token, follows its status, and links its customer as staff.
func TestAPIPublicComplaint(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		env.App.PublicComplaints.MinFill = 0
		anon := client{t: t, base: env.URL}
		st, _, form := anon.do("GET", "/api/v1/public/complaint-form", nil)
		cats, _ := form["categories"].([]any)
		if st != 200 || len(cats) == 0 || form["stamp"] == "" {
			t.Fatalf("form: %d %v", st, form)
		}
		body := map[string]any{"name": "周女士", "phone": "+86 136 0013 6000", "category_id": 4,
			"description": "理财产品收益与宣传不符", "consent": true, "stamp": form["stamp"]}
		st, _, rec := anon.do("POST", "/api/v1/public/complaints", body)
		if st != 201 || rec["number"] == "" || len(fmt.Sprint(rec["token"])) != 43 {
			t.Fatalf("create: %d %v", st, rec)
		}
		var id, version int64
		var channel string
		if err := s.DB().QueryRow("SELECT id, version, channel FROM tickets WHERE number = '"+fmt.Sprint(rec["number"])+"'").
			Scan(&id, &version, &channel); err != nil || channel != "web_form" {
			t.Fatalf("stored: %v %s", err, channel)
		}
		st, _, status := anon.do("GET", "/api/v1/public/complaints/"+fmt.Sprint(rec["token"]), nil)
		if st != 200 || status["number"] != rec["number"] || status["step"] != "received" || len(status) != 3 {
			t.Fatalf("status: %d %v", st, status)
		}

		// The honeypot answers like a real complaint and stores nothing.
		body["website"] = "x"
		if st, _, m := anon.do("POST", "/api/v1/public/complaints", body); st != 201 || m["number"] == "" {
			t.Fatalf("honeypot: %d %v", st, m)
		}
		var n int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM tickets").Scan(&n); err != nil || n != 1 {
			t.Fatalf("tickets after the honeypot: %d %v", n, err)
		}
		// Mistakes name their fields, in the caller's language.
		delete(body, "website")
		body["phone"], body["consent"] = "110", false
		st, _, m := anon.do("POST", "/api/v1/public/complaints", body, "Accept-Language", "en")
		if st != 400 || fmt.Sprint(m["errors"]) == "" {
			t.Fatalf("invalid: %d %v", st, m)
		}
		locs := map[string]bool{}
		for _, e := range m["errors"].([]any) {
			locs[fmt.Sprint(e.(map[string]any)["location"])] = true
		}
		if !locs["body.phone"] || !locs["body.consent"] {
			t.Fatalf("invalid fields: %v", m)
		}
		// Past the per-address limit: 429 with Retry-After, as a problem.
		body["phone"], body["consent"] = "13600136000", true
		limited := false
		for range 10 {
			st, hdr, m := anon.do("POST", "/api/v1/public/complaints", body)
			if st == 429 {
				if secs, err := strconv.Atoi(hdr.Get("Retry-After")); err != nil || secs <= 0 || m["key"] != "public.too_many" {
					t.Fatalf("429 without Retry-After: %q %v", hdr.Get("Retry-After"), m)
				}
				limited = true
				break
			}
			if st != 201 {
				t.Fatalf("before the limit: %d %v", st, m)
			}
		}
		if !limited {
			t.Fatal("no 429 after 10 public complaints from one address")
		}

		// Staff link the customer with If-Match; out of scope is 404.
		c := env.Customer(t, "agent_a1", "周女士", "13500135000")
		link := fmt.Sprintf("/api/v1/tickets/%d/customer", id)
		if st, _, m := clientFor(t, env, "agent_a1").do("POST", link, map[string]any{"customer_id": c.ID}, "If-Match", fmt.Sprintf(`"%d"`, version)); st != 404 {
			t.Fatalf("link out of scope: %d %v", st, m)
		}
		admin := clientFor(t, env, "admin")
		if st, _, m := admin.do("POST", link, map[string]any{"customer_id": c.ID}); st != 428 {
			t.Fatalf("link without If-Match: %d %v", st, m)
		}
		st, hdr, m := admin.do("POST", link, map[string]any{"customer_id": c.ID}, "If-Match", fmt.Sprintf(`"%d"`, version))
		if st != 200 || hdr.Get("ETag") != fmt.Sprintf(`"%d"`, version+1) || m["customer_id"] != float64(c.ID) {
			t.Fatalf("link: %d %v %v", st, hdr.Get("ETag"), m)
		}
	})
}
