package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// dupSeed makes customers that meet each rule once, plus look-alikes that
// must not pair; it returns them by label.
func dupSeed(t *testing.T, env *servertest.Env) map[string]customer.Customer {
	t.Helper()
	ctx := context.Background()
	out := map[string]customer.Customer{}
	mk := func(label, who string, c customer.Customer) {
		t.Helper()
		a := env.Actor(who)
		c.OwnerID = a.UserID
		if c.Kind == "" {
			c.Kind = customer.Person
		}
		if err := env.App.Customers.Create(ctx, a, &c); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		out[label] = c
	}
	mk("id18", "agent_a1", customer.Customer{Name: "赵一", IDType: customer.IDResident, IDNumber: "11010519491231002X"})
	mk("id15", "agent_a1", customer.Customer{Name: "赵壹", IDType: customer.IDOtherType, IDNumber: "110105491231002"})
	mk("mob", "agent_a1", customer.Customer{Name: "钱二", Mobile: "13800000001"})
	mk("mobAsPhone", "agent_a2", customer.Customer{Name: "孙三", Phone: "13800000001"})
	mk("land1", "agent_a1", customer.Customer{Name: "李四", Phone: "0571-88001234"})
	mk("land2", "agent_a1", customer.Customer{Name: "李泗", Phone: "057188001234"})
	mk("nb1", "agent_a1", customer.Customer{Name: "周五", Birthday: "1990-05-05"})
	mk("nb2", "agent_b", customer.Customer{Name: "周五", Birthday: "1990-05-05"})
	mk("nbDeleted", "agent_a1", customer.Customer{Name: "周五", Birthday: "1990-05-05"})
	mk("org", "agent_a1", customer.Customer{Kind: customer.Org, Name: "某某有限公司"})
	mk("person", "agent_a1", customer.Customer{Name: "吴六", Mobile: "13900000002"})
	mk("loner", "agent_a1", customer.Customer{Name: "郑七", Birthday: "1990-05-05", Mobile: "13700000003"})
	ct := &customer.Contact{CustomerID: out["org"].ID, Name: "吴六", Mobile: "13900000002"}
	if err := env.App.Customers.SaveContact(ctx, env.Actor("agent_a1"), ct, 0); err != nil {
		t.Fatal(err)
	}
	del := out["nbDeleted"]
	if err := env.App.Customers.Delete(ctx, env.Actor("admin"), del.ID, del.Version); err != nil {
		t.Fatal(err)
	}
	// A lower-case check letter written straight into the table (legacy data).
	mk("idLower", "agent_a1", customer.Customer{Name: "赵一"})
	if _, err := env.Store.DB().Exec(fmt.Sprintf("UPDATE customers SET id_number = '11010519491231002x' WHERE id = %d", out["idLower"].ID)); err != nil {
		t.Fatal(err)
	}
	// As at a start after upgrading: legacy plaintext is sealed, and as the
	// exact number is taken (id18), it keeps only its duplicate key.
	if _, err := env.Store.Reseal(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDuplicateScanListDismiss(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		env := servertest.New(t, s)
		cs := dupSeed(t, env)
		svc := env.App.Customers
		admin, mgrA, mgrB := env.Actor("admin"), env.Actor("mgr_a"), env.Actor("mgr_b")
		if _, err := svc.ScanDuplicates(ctx, env.Actor("agent_a1")); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent scan: %v", err)
		}
		res, err := svc.ScanDuplicates(ctx, mgrA)
		if err != nil {
			t.Fatal(err)
		}
		key := func(x, y string) [2]guanxi.ID {
			a, b := cs[x].ID, cs[y].ID
			return [2]guanxi.ID{min(a, b), max(a, b)}
		}
		want := map[[2]guanxi.ID]customer.DupReason{
			key("id18", "id15"):      customer.ReasonIDNumber,
			key("id18", "idLower"):   customer.ReasonIDNumber,
			key("id15", "idLower"):   customer.ReasonIDNumber,
			key("mob", "mobAsPhone"): customer.ReasonMobile,
			key("land1", "land2"):    customer.ReasonPhoneName, // same landline, one character apart
			key("nb1", "nb2"):        customer.ReasonNameBirthday,
			key("org", "person"):     customer.ReasonMobile,
		}
		if res.Added != len(want) || res.Candidates != len(want) {
			t.Errorf("scan: %+v, want %d pairs", res, len(want))
		}
		page, err := svc.Duplicates(ctx, admin, customer.DuplicateQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := map[[2]guanxi.ID]customer.DuplicatePair{}
		for _, p := range page.Items {
			got[[2]guanxi.ID{p.A.ID, p.B.ID}] = p
		}
		for k, r := range want {
			if got[k].Reason != r {
				t.Errorf("pair %v: reason %q, want %q", k, got[k].Reason, r)
			}
		}
		if len(got) != len(want) {
			t.Errorf("admin sees %d pairs, want %d: %+v", len(got), len(want), page.Items)
		}
		for i := 1; i < len(page.Items); i++ {
			if page.Items[i].Score > page.Items[i-1].Score {
				t.Fatal("not strongest first")
			}
		}
		// Scope: mgr_a sees pairs whose customers are both in branch A;
		// nb1–nb2 spans branches; mgr_b sees none.
		pa, err := svc.Duplicates(ctx, mgrA, customer.DuplicateQuery{Limit: 100})
		if err != nil || len(pa.Items) != len(want)-1 {
			t.Errorf("mgr_a: %d pairs %v", len(pa.Items), err)
		}
		if pb, err := svc.Duplicates(ctx, mgrB, customer.DuplicateQuery{}); err != nil || len(pb.Items) != 0 {
			t.Errorf("mgr_b: %+v %v", pb.Items, err)
		}
		// Paging and filters.
		p1, err := svc.Duplicates(ctx, admin, customer.DuplicateQuery{Limit: 3})
		if err != nil || len(p1.Items) != 3 || p1.NextCursor == "" {
			t.Fatalf("page 1: %d %q %v", len(p1.Items), p1.NextCursor, err)
		}
		p2, err := svc.Duplicates(ctx, admin, customer.DuplicateQuery{Limit: 100, Cursor: p1.NextCursor})
		if err != nil || len(p2.Items) != len(want)-3 {
			t.Errorf("page 2: %d %v", len(p2.Items), err)
		}
		byID, err := svc.Duplicates(ctx, admin, customer.DuplicateQuery{Reason: customer.ReasonIDNumber})
		if err != nil || len(byID.Items) != 3 {
			t.Errorf("reason filter: %d %v", len(byID.Items), err)
		}
		if _, err := svc.Duplicates(ctx, admin, customer.DuplicateQuery{Reason: "nope"}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Errorf("bad reason: %v", err)
		}
		if _, err := svc.Duplicates(ctx, admin, customer.DuplicateQuery{Cursor: "x"}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Errorf("bad cursor: %v", err)
		}
		// Dismiss: version-checked, scoped, audited; a rescan keeps it.
		pair := got[key("land1", "land2")]
		if err := svc.DismissDuplicate(ctx, mgrB, pair.ID, pair.Version); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("mgr_b dismiss: %v", err)
		}
		if err := svc.DismissDuplicate(ctx, mgrA, pair.ID, pair.Version+1); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Errorf("stale dismiss: %v", err)
		}
		before := auditTotal(t, s)
		if err := svc.DismissDuplicate(ctx, mgrA, pair.ID, pair.Version); err != nil {
			t.Fatal(err)
		}
		if auditTotal(t, s) != before+2 {
			t.Error("dismiss not audited on both customers")
		}
		if err := svc.DismissDuplicate(ctx, mgrA, pair.ID, pair.Version+1); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Errorf("dismiss twice: %v", err)
		}
		res, err = svc.ScanDuplicates(ctx, admin)
		if err != nil || res.Added != 0 || res.Candidates != len(want) {
			t.Errorf("rescan: %+v %v", res, err)
		}
		d, err := svc.Duplicate(ctx, admin, pair.ID)
		if err != nil || d.Status != customer.DupDismissed {
			t.Errorf("after rescan: %+v %v", d, err)
		}
		dis, err := svc.Duplicates(ctx, admin, customer.DuplicateQuery{Status: customer.DupDismissed})
		if err != nil || len(dis.Items) != 1 {
			t.Errorf("dismissed list: %+v %v", dis.Items, err)
		}
		if _, err := svc.Duplicate(ctx, mgrB, pair.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("mgr_b get: %v", err)
		}

		// Candidates on the fly, with the same rules, in scope.
		cands, err := svc.DuplicateCandidates(ctx, admin, cs["id18"].ID)
		if err != nil {
			t.Fatal(err)
		}
		found := map[guanxi.ID]customer.DupReason{}
		for _, c := range cands {
			found[c.ID] = c.Reason
			if c.PairID == nil {
				t.Errorf("candidate %d: the queue entry is not linked", c.ID)
			}
		}
		if found[cs["id15"].ID] != customer.ReasonIDNumber || found[cs["idLower"].ID] != customer.ReasonIDNumber || len(found) != 2 {
			t.Errorf("candidates of id18: %v", found)
		}
		for _, tc := range []struct {
			who, of, other string
			reason         customer.DupReason
		}{
			{"admin", "person", "org", customer.ReasonMobile},
			{"admin", "org", "person", customer.ReasonMobile},
			{"admin", "mobAsPhone", "mob", customer.ReasonMobile},
			{"admin", "land1", "land2", customer.ReasonPhoneName},
			{"admin", "nb1", "nb2", customer.ReasonNameBirthday},
			{"mgr_a", "nb1", "", ""}, // nb2 is out of mgr_a's scope
		} {
			cands, err := svc.DuplicateCandidates(ctx, env.Actor(tc.who), cs[tc.of].ID)
			if err != nil {
				t.Fatalf("%s of %s: %v", tc.who, tc.of, err)
			}
			if tc.other == "" {
				if len(cands) != 0 {
					t.Errorf("%s of %s: %+v", tc.who, tc.of, cands)
				}
				continue
			}
			if len(cands) != 1 || cands[0].ID != cs[tc.other].ID || cands[0].Reason != tc.reason {
				t.Errorf("%s of %s: %+v", tc.who, tc.of, cands)
			}
		}
		if _, err := svc.DuplicateCandidates(ctx, mgrB, cs["id18"].ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Errorf("mgr_b candidates: %v", err)
		}
	})
}
