package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestAccessLogWebPages: the pages that show a customer besides its own
// page — the edit form and the duplicate candidates — are in the access
// log too, and a page the user is refused records nothing.
func TestAccessLogWebPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		mine := env.Customer(t, "mgr_a", "记录甲", "13500135201")
		other := env.Customer(t, "agent_b", "记录乙", "13500135202") // outside mgr_a's subtree
		mgr := env.Login(t, "mgr_a")
		for _, path := range []string{"/customers/%d/edit", "/customers/%d/duplicates"} {
			if p := wGet(t, mgr, env.URL+fmt.Sprintf(path, mine.ID)); p.status != 200 {
				t.Fatalf("%s: %d", path, p.status)
			}
			if p := wGet(t, mgr, env.URL+fmt.Sprintf(path, other.ID)); p.status != 404 {
				t.Fatalf("%s out of scope: %d", path, p.status)
			}
		}
		if err := env.App.Access.Flush(); err != nil {
			t.Fatal(err)
		}
		got := map[guanxi.ID]accesslog.BreachRow{}
		q := accesslog.BreachQuery{UserID: env.Users["mgr_a"].ID, From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}
		if err := env.App.Breach.Run(context.Background(), guanxi.SystemActor("test"), q, "text", func(r accesslog.BreachRow) error {
			got[r.CustomerID] = r
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[mine.ID].Counts[accesslog.WebView] != 1 || got[mine.ID].Counts[accesslog.List] != 1 {
			t.Fatalf("access rows %+v, want one web view and one list of %d", got, mine.ID)
		}
	})
}
