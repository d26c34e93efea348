package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/survey"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// mergeTables are the tables whose customer_id a merge moves.
var mergeTables = []string{"contacts", "holdings", "transactions", "interactions", "customer_transfers", "tickets",
	"survey_requests", "survey_answers", "tasks", "work_log_customers", "customer_tags", "import_changes"}

func countWhere(t *testing.T, s *sqlstore.Store, table, where string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s", table, where)).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func tableCounts(t *testing.T, s *sqlstore.Store, id guanxi.ID) map[string]int {
	out := map[string]int{}
	for _, tb := range mergeTables {
		out[tb] = countWhere(t, s, tb, fmt.Sprintf("customer_id = %d", id))
	}
	return out
}

// mergeFixture makes two customers of branch A with a child in every table
// that references customers, and a third customer paired with both.
type mergeFixture struct {
	env        *servertest.Env
	a, b, c    customer.Customer
	countsA    map[string]int
	countsB    map[string]int
	tokenCount int
}

func newMergeFixture(t *testing.T, s *sqlstore.Store) mergeFixture {
	t.Helper()
	ctx := context.Background()
	env := servertest.New(t, s)
	agent, agent2, mgr := env.Actor("agent_a1"), env.Actor("agent_a2"), env.Actor("mgr_a")
	a := &customer.Customer{Kind: customer.Person, Name: "王伟", Mobile: "13800138001", Birthday: "1980-01-02",
		OwnerID: agent2.UserID, Stage: customer.StageCustomer, Tags: []string{"VIP"}, Custom: map[string]any{}}
	if err := env.App.Customers.Create(ctx, mgr, a); err != nil {
		t.Fatal(err)
	}
	b := &customer.Customer{Kind: customer.Person, Name: "王玮", Mobile: "13900139002", Phone: "0571-88001234",
		Email: "ww@example.com", IDType: customer.IDResident, IDNumber: "11010519491231002X",
		OwnerID: agent.UserID, Stage: customer.StageProspect, Tags: []string{"车主", "VIP"}, Consent: map[string]bool{"email": true}}
	if err := env.App.Customers.Create(ctx, agent, b); err != nil {
		t.Fatal(err)
	}
	c := env.Customer(t, "agent_a1", "王卫", "13700137003")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []guanxi.ID{a.ID, b.ID} {
		owner := agent
		if id == a.ID {
			owner = agent2
		}
		must(env.App.Customers.SaveContact(ctx, owner, &customer.Contact{CustomerID: id, Name: "联系人"}, 0))
		h := &customer.Holding{CustomerID: id, Kind: "vehicle", Name: "车", Currency: "CNY"}
		must(env.App.Customers.SaveHolding(ctx, owner, h, 0))
		hid := h.ID
		must(env.App.Customers.AddTransaction(ctx, owner, &customer.Transaction{CustomerID: id, HoldingID: &hid, Kind: "purchase",
			AmountMinor: 100, Currency: "CNY", OccurredAt: time.Now().UTC()}))
		must(env.App.Customers.AddInteraction(ctx, owner, &customer.Interaction{CustomerID: id, Channel: "phone", Direction: "out",
			OccurredAt: time.Now().UTC(), Summary: "回访"}))
	}
	// B: a transfer there and back, a complaint, a task, a survey answer,
	// a work log shared with A, and a row an import made.
	_, err := env.App.Customers.Transfer(ctx, mgr, []guanxi.ID{b.ID}, agent2.UserID, "调岗")
	must(err)
	_, err = env.App.Customers.Transfer(ctx, mgr, []guanxi.ID{b.ID}, agent.UserID, "调回")
	must(err)
	env.SeedTickets(t, b.ID)
	env.SeedWork(t, b.ID)
	tpl := &survey.Template{Name: "回访", Items: []survey.Item{{Key: "service", Type: survey.Scale5, TextZh: "满意吗"}}}
	must(env.App.Surveys.CreateTemplate(ctx, env.Actor("admin"), tpl))
	req, err := env.App.Surveys.Send(ctx, agent, b.ID, tpl.ID, survey.ChannelPhone)
	must(err)
	_, err = env.App.Surveys.Answer(ctx, agent, b.ID, req.ID, survey.Input{"service": "5"}, "")
	must(err)
	wl := &worklog.Entry{Kind: worklog.KindLog, WorkOn: "2026-01-02", Content: "拜访", Minutes: 30, CustomerIDs: []guanxi.ID{b.ID}}
	must(env.App.WorkLogs.Create(ctx, agent, wl))
	// A work log naming both (the link table's key must not collide).
	both := &worklog.Entry{Kind: worklog.KindLog, WorkOn: "2026-01-03", Content: "两位", Minutes: 30, CustomerIDs: []guanxi.ID{a.ID, b.ID}}
	must(env.App.WorkLogs.Create(ctx, mgr, both))
	db := s.DB()
	if _, err := db.Exec(fmt.Sprintf(`INSERT INTO imports (entity, file_name, file_size, status, created_by, created_at)
		VALUES ('customers', 'x.csv', 1, 'done', %d, CURRENT_TIMESTAMP)`, env.Users["admin"].ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf(`INSERT INTO import_changes (import_id, customer_id, object_type, object_id, action)
		SELECT MAX(id), %d, 'holding', 1, 'create' FROM imports`, b.ID)); err != nil {
		t.Fatal(err)
	}
	// The queue: A–B, B–C and A–C; after the merge only A–C is left.
	for _, p := range [][2]guanxi.ID{{a.ID, b.ID}, {b.ID, c.ID}, {a.ID, c.ID}} {
		if _, err := db.Exec(fmt.Sprintf(`INSERT INTO customer_duplicates (a_id, b_id, reason, score, source, created_at)
			VALUES (%d, %d, 'phone', 15, 'scan', CURRENT_TIMESTAMP)`, min(p[0], p[1]), max(p[0], p[1]))); err != nil {
			t.Fatal(err)
		}
	}
	f := mergeFixture{env: env, a: *a, b: *b, c: c}
	f.a, _ = env.App.Customers.Get(ctx, mgr, a.ID)
	f.b, _ = env.App.Customers.Get(ctx, mgr, b.ID)
	f.countsA, f.countsB = tableCounts(t, s, a.ID), tableCounts(t, s, b.ID)
	for _, tb := range mergeTables {
		if f.countsB[tb] == 0 {
			t.Fatalf("fixture: B has no %s", tb)
		}
	}
	return f
}

func TestMergeCustomersMovesEverything(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := newMergeFixture(t, s)
		env := f.env
		mgr := env.Actor("mgr_a")
		svc := env.App.Customers
		before := auditTotal(t, s)

		// Refusals first; each leaves everything as it was.
		req := customer.MergeRequest{SurvivorID: f.a.ID, SurvivorVersion: f.a.Version, MergedID: f.b.ID, MergedVersion: f.b.Version,
			Chosen: map[string]customer.Side{"mobile": customer.SideMerged, "name": customer.SideSurvivor}}
		for _, tc := range []struct {
			name string
			who  string
			mod  func(*customer.MergeRequest)
			kind guanxi.Kind
		}{
			{"stale survivor", "mgr_a", func(r *customer.MergeRequest) { r.SurvivorVersion++ }, guanxi.KindPreconditionFailed},
			{"stale merged", "mgr_a", func(r *customer.MergeRequest) { r.MergedVersion++ }, guanxi.KindPreconditionFailed},
			{"out of scope", "mgr_b", nil, guanxi.KindNotFound},
			{"no permission", "agent_a1", nil, guanxi.KindForbidden},
			{"same customer", "mgr_a", func(r *customer.MergeRequest) { r.MergedID = r.SurvivorID }, guanxi.KindInvalid},
		} {
			r := req
			r.Chosen = map[string]customer.Side{"mobile": customer.SideMerged}
			if tc.mod != nil {
				tc.mod(&r)
			}
			_, err := svc.Merge(ctx, env.Actor(tc.who), r)
			if guanxi.KindOf(err) != tc.kind {
				t.Errorf("%s: %v, want kind %v", tc.name, err, tc.kind)
			}
		}
		// A store-level stale version (a race after the service's check).
		plan := customer.MergePlan{Survivor: f.a, SurvivorVersion: f.a.Version, Merged: f.b, MergedVersion: f.b.Version + 1}
		if err := s.MergeCustomers(ctx, mgr, plan); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Errorf("store stale: %v", err)
		}
		if got := tableCounts(t, s, f.b.ID); !mapsEqual(got, f.countsB) {
			t.Fatalf("a refused merge moved rows: %v → %v", f.countsB, got)
		}
		if n := auditTotal(t, s); n != before {
			t.Fatalf("a refused merge wrote %d audit rows", n-before)
		}

		got, err := svc.Merge(ctx, mgr, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != f.a.ID || got.Version != f.a.Version+1 || got.Mobile != f.b.Mobile || got.Name != f.a.Name ||
			got.Phone != f.b.Phone || got.Email != f.b.Email || got.IDNumber != f.b.IDNumber || got.OwnerID != f.a.OwnerID {
			t.Fatalf("survivor: %+v", got)
		}
		if !slices.Equal(got.Tags, []string{"VIP", "车主"}) || !got.Consent["email"] {
			t.Errorf("tags/consent: %v %v", got.Tags, got.Consent)
		}
		after := tableCounts(t, s, f.a.ID)
		for _, tb := range mergeTables {
			want := f.countsA[tb] + f.countsB[tb]
			switch tb {
			case "customer_tags":
				want = 2 // the union
			case "work_log_customers":
				want = f.countsA[tb] + f.countsB[tb] - 1 // the log naming both
			}
			if after[tb] != want {
				t.Errorf("%s: survivor has %d, want %d", tb, after[tb], want)
			}
		}
		for tb, n := range tableCounts(t, s, f.b.ID) {
			if n != 0 {
				t.Errorf("%s: %d rows still on the merged customer", tb, n)
			}
		}
		if n := countWhere(t, s, "customers", fmt.Sprintf("id = %d", f.b.ID)); n != 0 {
			t.Error("merged customer row still there")
		}
		if n := countWhere(t, s, "customer_tokens", fmt.Sprintf("customer_id = %d", f.b.ID)); n != 0 {
			t.Error("merged customer's search tokens still there")
		}
		// Open tasks follow to the survivor's owner.
		if n := countWhere(t, s, "tasks", fmt.Sprintf("customer_id = %d AND status = 'open' AND owner_id <> %d", f.a.ID, f.a.OwnerID)); n != 0 {
			t.Errorf("%d open tasks left with the old owner", n)
		}
		// The queue: only A–C remains.
		if n := countWhere(t, s, "customer_duplicates", "1=1"); n != 1 {
			t.Errorf("queue has %d pairs, want 1", n)
		}
		if n := countWhere(t, s, "customer_duplicates", fmt.Sprintf("a_id = %d AND b_id = %d", min(f.a.ID, f.c.ID), max(f.a.ID, f.c.ID))); n != 1 {
			t.Error("pair A–C lost")
		}
		// Search finds the survivor by the merged customer's mobile.
		page, err := svc.List(ctx, mgr, customer.ListQuery{Q: f.b.Mobile})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != f.a.ID {
			t.Errorf("search by merged mobile: %+v %v", page.Items, err)
		}
		// History: the merge, and the merged customer's own entries.
		hist, err := svc.History(ctx, mgr, f.a.ID, 200)
		if err != nil {
			t.Fatal(err)
		}
		var merge, bCreate bool
		for _, e := range hist {
			if e.Action == "customer.merge" && e.CustomerID != nil && *e.CustomerID == f.a.ID {
				merge = true
				if want := f.b.Mobile; containsText(e.Detail, want) || containsText(e.Detail, f.b.IDNumber) {
					t.Errorf("merge audit holds plaintext: %s", e.Detail)
				}
			}
			if e.Action == "create" && e.CustomerID != nil && *e.CustomerID == f.b.ID {
				bCreate = true
			}
		}
		if !merge || !bCreate {
			t.Errorf("history: merge %v, merged customer's create %v", merge, bCreate)
		}
		recs, err := svc.MergedInto(ctx, mgr, f.a.ID)
		if err != nil || len(recs) != 1 || recs[0].MergedNumber != f.b.Number {
			t.Errorf("merge records: %+v %v", recs, err)
		}
		if _, err := svc.MergedInto(ctx, env.Actor("mgr_b"), f.a.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("merge records out of scope: %v", err)
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func containsText(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }

func auditTotal(t *testing.T, s *sqlstore.Store) int { return countWhere(t, s, "audit_log", "1=1") }
