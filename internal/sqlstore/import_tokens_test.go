package sqlstore_test

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/search"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestImportDeferredTokens: a large import stages its customers' search
// tokens and moves them into the index after the last row; the index ends
// the same as when each batch writes them, nothing stays staged, and an
// undo or a rollback removes staged tokens with the customers.
func TestImportDeferredTokens(t *testing.T) {
	csv := "客户名称,手机,备注\n" +
		"李四,13700137000,\n" +
		"钱七,13700137001,\n" +
		"孙八,13700137002,\n" +
		"李四海,13700137000,\n" + // updates line 2, created two batches before
		"周九,13700137004,\n"
	for _, tc := range []struct {
		name    string
		deferAt int64
	}{
		{"direct", -1},
		{"deferred", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
				ctx := context.Background()
				f := seedStaff(t, s)
				svc := &customer.Service{Store: s, Pinyin: search.Spell}
				imp := &bulk.Importer{Store: s, Batch: 2, DeferTokensAt: tc.deferAt}
				im := runImport(t, imp, f.Admin, "t.csv", csv, bulk.Options{Mode: bulk.ModeCreate, Key: bulk.KeyMobile,
					OnDuplicate: bulk.DupUpdate})
				if im.Status != bulk.StatusDone || im.Created != 4 || im.Updated != 1 {
					t.Fatalf("import %+v", im)
				}
				if n := importCount(t, s, "SELECT COUNT(*) FROM import_tokens"); n != 0 {
					t.Fatalf("%d staged rows left", n)
				}
				// Found by name, pinyin, phone and the last four digits;
				// the renamed customer by its new name only.
				for q, want := range map[string]int{"钱七": 1, "sunba": 1, "13700137004": 1, "7002": 1, "李四海": 1} {
					page, err := svc.List(ctx, f.Admin, customer.ListQuery{Q: q})
					if err != nil || len(page.Items) != want {
						t.Fatalf("search %q: %d found, want %d (%v)", q, len(page.Items), want, err)
					}
				}
				// Every customer has its tokens once: as many rows as a
				// fresh computation gives (customer numbers included).
				page, err := svc.List(ctx, f.Admin, customer.ListQuery{Limit: 10})
				if err != nil || len(page.Items) != 4 {
					t.Fatalf("list: %+v %v", page.Items, err)
				}
				want := 0
				for _, c := range page.Items {
					want += len(search.CustomerTokens(c.Name, c.Number, c.IDNumber, c.Mobile, c.Phone))
				}
				if n := importCount(t, s, "SELECT COUNT(*) FROM customer_tokens"); n != want {
					t.Fatalf("%d token rows, want %d", n, want)
				}
				un, err := imp.Undo(ctx, f.Admin, im.ID)
				if err != nil || un.Status != bulk.StatusUndone {
					t.Fatalf("undo: %+v %v", un, err)
				}
				if n := importCount(t, s, "SELECT COUNT(*) FROM customer_tokens"); n != 0 {
					t.Fatalf("%d token rows after undo", n)
				}
				// A row found out of scope in pass 2 aborts the import after
				// earlier batches staged tokens: the rollback drops them.
				other := newCustomer("王五", "13900139000", f.AgentB.UserID)
				if err := svc.Create(ctx, f.Admin, other); err != nil {
					t.Fatal(err)
				}
				ab := runImport(t, imp, f.ManagerA, "a.csv", "客户名称,手机\n甲,13700000001\n乙,13700000002\n丙,13700000003\n王五,13900139000\n",
					bulk.Options{Mode: bulk.ModeUpsert, Key: bulk.KeyMobile, OnError: bulk.ErrorsAbort})
				if ab.Status != bulk.StatusFailed {
					t.Fatalf("abort %+v", ab)
				}
				if n := importCount(t, s, "SELECT COUNT(*) FROM import_tokens"); n != 0 {
					t.Fatalf("%d staged rows after the rollback", n)
				}
				if n := importCount(t, s, "SELECT COUNT(*) FROM customers"); n != 1 {
					t.Fatalf("%d customers after the rollback", n)
				}
			})
		})
	}
}
