package api_test

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// TestAPIComplaintAnalytics reads the analysis as the admin, the auditor
// and two agents (each counts only its own complaints), and checks a bad
// filter answers 400 naming the query parameter.
func TestAPIComplaintAnalytics(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		for _, who := range []struct {
			user, name, mobile string
			n                  int
		}{{"agent_a1", "钱七", "13700137001", 2}, {"agent_b", "孙八", "13700137002", 1}} {
			c := env.Customer(t, who.user, who.name, who.mobile)
			for range who.n {
				id := c.ID
				tk := &ticket.Ticket{Channel: "phone", Subject: "手续费", Description: "多扣手续费", CustomerID: &id}
				if err := env.App.Tickets.Register(ctx, env.Actor(who.user), tk); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, tc := range []struct {
			user    string
			tickets float64
		}{{"admin", 3}, {"auditor", 3}, {"agent_a1", 2}, {"agent_b", 1}} {
			st, _, m := clientFor(t, env, tc.user).do("GET", "/api/v1/complaint-analytics?granularity=week&lang=en", nil)
			if st != 200 || m["tickets"] != tc.tickets || m["granularity"] != "week" {
				t.Fatalf("%s: %d %v", tc.user, st, m)
			}
			kpis := m["kpis"].([]any)
			if len(kpis) != 5 {
				t.Fatalf("%s: kpis %v", tc.user, kpis)
			}
			// Nothing is closed: satisfaction has no data (null), not 100%.
			for _, k := range kpis {
				k := k.(map[string]any)
				if k["key"] == "satisfaction" && (k["value"] != nil || k["state"] != "none") {
					t.Errorf("%s: satisfaction %v", tc.user, k)
				}
			}
			units := m["units"].([]any)
			if len(units) == 0 || m["first_response"].(map[string]any)["p50_hours"] != nil {
				t.Errorf("%s: units %v first response %v", tc.user, units, m["first_response"])
			}
		}
		st, _, m := clientFor(t, env, "admin").do("GET", "/api/v1/complaint-analytics?from=2026-02-30", nil, "Accept-Language", "en")
		if st != 400 || !hasLocation(m, "query.from") {
			t.Fatalf("bad from: %d %v", st, m)
		}
		if st, _, _ := (client{t: t, base: env.URL}).do("GET", "/api/v1/complaint-analytics", nil); st != 401 {
			t.Fatalf("anonymous: %d", st)
		}
	})
}
