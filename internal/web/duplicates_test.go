package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestDuplicatesJourney drives the review through the real forms: scan,
// review list, candidates of one customer, the merge page, a stale merge,
// the merge, the survivor's page, and "not a duplicate".
func TestDuplicatesJourney(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		a1 := env.Actor("agent_a1")
		older := env.Customer(t, "agent_a1", "陈静", "13811112222")
		newer := &customer.Customer{Kind: customer.Person, Name: "陈静", Phone: "13811112222", Email: "cj@example.com",
			OwnerID: a1.UserID, Tags: []string{"车主"}}
		if err := env.App.Customers.Create(ctx, a1, newer); err != nil {
			t.Fatal(err)
		}
		nb1 := &customer.Customer{Kind: customer.Person, Name: "林峰", Birthday: "1985-03-04", OwnerID: a1.UserID}
		nb2 := &customer.Customer{Kind: customer.Person, Name: "林峰", Birthday: "1985-03-04", OwnerID: a1.UserID}
		for _, c := range []*customer.Customer{nb1, nb2} {
			if err := env.App.Customers.Create(ctx, a1, c); err != nil {
				t.Fatal(err)
			}
		}
		mgr, agent, mgrB := env.Login(t, "mgr_a"), env.Login(t, "agent_a1"), env.Login(t, "mgr_b")

		if p := wGet(t, agent, env.URL+"/duplicates"); p.status != 403 {
			t.Fatalf("agent list: %d", p.status)
		}
		if p := wPost(t, agent, env.URL+"/duplicates/scan", nil); p.status != 403 {
			t.Fatalf("agent scan: %d", p.status)
		}
		p := wPost(t, mgr, env.URL+"/duplicates/scan", nil)
		if p.status != 200 || !strings.Contains(p.body, "新增 2 组") {
			t.Fatalf("scan: %d %s", p.status, p.body)
		}
		p = wGet(t, mgr, env.URL+"/duplicates")
		if p.status != 200 || !strings.Contains(p.body, "电话相同且姓名相近") || !strings.Contains(p.body, "姓名和生日相同") ||
			!strings.Contains(p.body, "138****2222") || strings.Contains(p.body, "13811112222") {
			t.Fatalf("list: %d %s", p.status, p.body)
		}
		p = wGet(t, mgr, env.URL+"/duplicates?reason=name_birthday")
		if !strings.Contains(p.body, "林峰") || strings.Contains(p.body, "陈静") {
			t.Fatalf("filter: %s", p.body)
		}
		if p := wGet(t, mgrB, env.URL+"/duplicates"); p.status != 200 || strings.Contains(p.body, "陈静") {
			t.Fatalf("mgr_b sees branch A's pairs: %d", p.status)
		}

		// Candidates from the customer page.
		p = wGet(t, mgr, fmt.Sprintf("%s/customers/%d", env.URL, older.ID))
		if !strings.Contains(p.body, fmt.Sprintf(`href="/customers/%d/duplicates"`, older.ID)) {
			t.Fatal("customer page has no find-duplicates link")
		}
		p = wGet(t, mgr, fmt.Sprintf("%s/customers/%d/duplicates", env.URL, older.ID))
		if p.status != 200 || !strings.Contains(p.body, newer.Number) || !strings.Contains(p.body, fmt.Sprintf("a=%d&amp;b=%d", older.ID, newer.ID)) {
			t.Fatalf("candidates: %d %s", p.status, p.body)
		}
		if p := wGet(t, mgrB, fmt.Sprintf("%s/customers/%d/duplicates", env.URL, older.ID)); p.status != 404 {
			t.Fatalf("mgr_b candidates: %d", p.status)
		}

		// The merge page: radios carry sides, never values.
		mpath := fmt.Sprintf("%s/duplicates/merge?a=%d&b=%d&survivor=%d", env.URL, older.ID, newer.ID, older.ID)
		if p := wGet(t, mgrB, mpath); p.status != 404 {
			t.Fatalf("mgr_b merge page: %d", p.status)
		}
		p = wGet(t, mgr, mpath)
		if p.status != 200 || !strings.Contains(p.body, `name="f.email" value="merged" checked`) ||
			!strings.Contains(p.body, `name="f.mobile" value="survivor" checked`) {
			t.Fatalf("merge page: %d %s", p.status, p.body)
		}
		for _, m := range regexp.MustCompile(`<input[^>]*type="radio"[^>]*>`).FindAllString(p.body, -1) {
			if !strings.Contains(m, `value="survivor"`) && !strings.Contains(m, `value="merged"`) {
				t.Fatalf("a radio carries a value: %s", m)
			}
		}
		form := url.Values{"survivor_id": {fmt.Sprint(older.ID)}, "survivor_version": {fmt.Sprint(older.Version)},
			"other_id": {fmt.Sprint(newer.ID)}, "other_version": {fmt.Sprint(newer.Version + 1)},
			"f.email": {"merged"}, "f.phone": {"merged"}}
		p = wPost(t, mgr, env.URL+"/duplicates/merge", form)
		if p.status != 412 || !strings.Contains(p.body, `role="alert"`) {
			t.Fatalf("stale merge: %d %s", p.status, p.body)
		}
		if p := wPost(t, mgrB, env.URL+"/duplicates/merge", form); p.status != 404 {
			t.Fatalf("mgr_b merge: %d", p.status)
		}
		form.Set("other_version", fmt.Sprint(newer.Version))
		p = wPost(t, mgr, env.URL+"/duplicates/merge", form)
		if p.status != 303 || p.loc != fmt.Sprintf("/customers/%d", older.ID) {
			t.Fatalf("merge: %d %q %s", p.status, p.loc, p.body)
		}
		p = wGet(t, mgr, env.URL+p.loc)
		if !strings.Contains(p.body, `id="merged-from"`) || !strings.Contains(p.body, newer.Number) || !strings.Contains(p.body, "cj@example.com") ||
			!strings.Contains(p.body, "车主") || !strings.Contains(p.body, "合并客户") {
			t.Fatalf("survivor page: %s", p.body)
		}
		if p := wGet(t, mgr, fmt.Sprintf("%s/customers/%d", env.URL, newer.ID)); p.status != 404 {
			t.Fatalf("merged customer still shown: %d", p.status)
		}

		// Not a duplicate.
		page, err := env.App.Customers.Duplicates(ctx, env.Actor("mgr_a"), customer.DuplicateQuery{})
		if err != nil || len(page.Items) != 1 {
			t.Fatalf("queue after merge: %+v %v", page.Items, err)
		}
		pair := page.Items[0]
		dpath := fmt.Sprintf("%s/duplicates/%d/dismiss", env.URL, pair.ID)
		if p := wPost(t, mgrB, dpath, url.Values{"version": {"1"}}); p.status != 404 {
			t.Fatalf("mgr_b dismiss: %d", p.status)
		}
		if p := wPost(t, mgr, dpath, url.Values{"version": {"1"}}); p.status != 303 {
			t.Fatalf("dismiss: %d %s", p.status, p.body)
		}
		if p := wGet(t, mgr, env.URL+"/duplicates"); strings.Contains(p.body, "林峰") {
			t.Fatal("dismissed pair still to review")
		}
		if p := wGet(t, mgr, env.URL+"/duplicates?status=dismissed"); !strings.Contains(p.body, "林峰") {
			t.Fatal("dismissed pair not listed as such")
		}
		got, err := env.App.Customers.Duplicate(ctx, env.Actor("admin"), pair.ID)
		if err != nil || got.Status != customer.DupDismissed {
			t.Fatalf("pair: %+v %v", got, err)
		}
		if _, err := env.App.Customers.Get(ctx, guanxi.SystemActor("t"), older.ID); err != nil {
			t.Fatal(err)
		}
	})
}
