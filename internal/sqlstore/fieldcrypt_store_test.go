package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// sealedTestID is a valid 18-character resident ID number, distinct per i.
func sealedTestID(i int) string {
	d := i / 1000
	first17 := fmt.Sprintf("330106%04d%02d%02d%03d", 1950+d%60, 1+(d/60)%12, 1+(d/720)%28, i%1000)
	return first17 + string(customer.ResidentCheckDigit(first17))
}

// fileKeys opens stores with a key ring kept in a key file, as the binary
// does; the path is returned through *path for the rotation.
func fileKeys(path *string) func(t *testing.T) sqlstore.Options {
	return func(t *testing.T) sqlstore.Options {
		*path = filepath.Join(t.TempDir(), "guanxi.key")
		r, err := fieldcrypt.Create(*path)
		if err != nil {
			t.Fatal(err)
		}
		return sqlstore.Options{Keys: r}
	}
}

// TestEncryptionAtRest is TESTPLAN D10 and G5: no seeded ID number is
// stored in plaintext anywhere (every table, and on SQLite the database
// file and its WAL byte for byte), yet GET, reveal, the search box, the
// duplicate check and the unique index work through the blind index.
func TestEncryptionAtRest(t *testing.T) {
	var keyPath string
	sqltest.EachWith(t, fileKeys(&keyPath), func(t *testing.T, s *sqlstore.Store, dsn string) {
		ctx := context.Background()
		env := servertest.New(t, s)
		admin := env.Actor("admin")
		var ids []string
		var created []customer.Customer
		for i := range 30 {
			c := customer.Customer{Kind: customer.Person, Name: fmt.Sprintf("加密%d", i), IDType: customer.IDResident, IDNumber: sealedTestID(i)}
			if err := env.App.Customers.Create(ctx, admin, &c); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.IDNumber)
			created = append(created, c)
		}
		// An update writes the number again.
		c := created[0]
		if _, err := env.App.Customers.Update(ctx, admin, c.ID, c.Version, func(c *customer.Customer) error { c.Notes = "updated"; return nil }); err != nil {
			t.Fatal(err)
		}
		// A TOTP secret is sealed too.
		if err := s.StartMFA(ctx, admin.UserID, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", time.Now()); err != nil {
			t.Fatal(err)
		}
		needles := []string{"JBSWY3DPEHPK3PXP"}
		for _, id := range ids {
			needles = append(needles, id[:17])
		}
		if hits := dumpHits(t, s, "", needles...); len(hits) > 0 {
			t.Fatalf("stored in plaintext:\n%s", strings.Join(hits, "\n"))
		}
		if s.Dialect() == sqlstore.SQLite {
			if _, err := s.DB().Exec("PRAGMA wal_checkpoint(FULL)"); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{dsn, dsn + "-wal"} {
				b, err := os.ReadFile(f)
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				for _, id := range ids {
					if bytes.Contains(b, []byte(id[:17])) {
						t.Fatalf("%s holds ID number %s in plaintext", filepath.Base(f), id)
					}
				}
			}
		}
		// Reads open the value.
		got, err := s.GetCustomer(ctx, admin, created[3].ID, false)
		if err != nil || got.IDNumber != ids[3] {
			t.Fatalf("GET: %q %v", got.IDNumber, err)
		}
		v, err := env.App.Customers.Reveal(ctx, admin, created[4].ID, customer.RevealIDNumber, 0, "核实身份")
		if err != nil || v != ids[4] {
			t.Fatalf("reveal: %q %v", v, err)
		}
		m, err := s.MFA(ctx, admin.UserID)
		if err != nil || m.Secret != "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" {
			t.Fatalf("MFA secret: %q %v", m.Secret, err)
		}
		// The search box finds a whole number (lower-case x too), never a prefix.
		page, err := s.ListCustomers(ctx, admin, customer.ListQuery{Q: strings.ToLower(ids[5]), Limit: 10})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != created[5].ID {
			t.Fatalf("search by ID number: %+v %v", page.Items, err)
		}
		// The duplicate check goes through the blind index.
		dup := customer.Customer{Kind: customer.Person, Name: "重复", IDType: customer.IDResident, IDNumber: ids[6]}
		err = env.App.Customers.Create(ctx, admin, &dup)
		var ge *guanxi.Error
		if !errors.As(err, &ge) || ge.Kind != guanxi.KindConflict || len(ge.Fields) != 1 || ge.Fields[0].Field != "id_number" {
			t.Fatalf("duplicate ID number: %v", err)
		}
		// G5: 20 concurrent creates of one number, exactly one succeeds.
		var wg sync.WaitGroup
		var ok, conflict atomic.Int32
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := customer.Customer{Kind: customer.Person, Name: fmt.Sprintf("并发%d", i), IDType: customer.IDResident, IDNumber: sealedTestID(500)}
				switch err := env.App.Customers.Create(ctx, admin, &c); {
				case err == nil:
					ok.Add(1)
				case guanxi.KindOf(err) == guanxi.KindConflict:
					conflict.Add(1)
				default:
					t.Errorf("concurrent create: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || conflict.Load() != 19 {
			t.Fatalf("concurrent creates of one ID number: %d created, %d conflicts", ok.Load(), conflict.Load())
		}
		// Another key file is refused at start, before anything is read.
		other, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Keys: fieldcrypt.Derived("not this database's")})
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if _, err := other.Migrate(ctx); !errors.Is(err, sqlstore.ErrKeyMismatch) {
			t.Fatalf("wrong key file: %v", err)
		}
	})
}

// TestKeyRotationUnderLoad rotates the data key while clients read, search
// and write: no request fails, every value ends under the new key, the old
// key leaves the key file and the blind-index search still works.
func TestKeyRotationUnderLoad(t *testing.T) {
	var keyPath string
	sqltest.EachWith(t, fileKeys(&keyPath), func(t *testing.T, s *sqlstore.Store, dsn string) {
		ctx := context.Background()
		env := servertest.New(t, s)
		admin := env.Actor("admin")
		var created []customer.Customer
		for i := range 600 {
			c := customer.Customer{Kind: customer.Person, Name: fmt.Sprintf("轮换%d", i), IDType: customer.IDResident, IDNumber: sealedTestID(i)}
			if err := env.App.Customers.Create(ctx, admin, &c); err != nil {
				t.Fatal(err)
			}
			created = append(created, c)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var reqs, fails atomic.Int64
		for w := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					c := created[(i*7+w*13)%len(created)]
					var err error
					switch i % 3 {
					case 0:
						var got customer.Customer
						if got, err = s.GetCustomer(ctx, admin, c.ID, false); err == nil && got.IDNumber != c.IDNumber {
							err = fmt.Errorf("read %q, want %q", got.IDNumber, c.IDNumber)
						}
					case 1:
						var p customer.Page[customer.Customer]
						if p, err = s.ListCustomers(ctx, admin, customer.ListQuery{Q: c.IDNumber, Limit: 5}); err == nil && len(p.Items) != 1 {
							err = fmt.Errorf("search found %d", len(p.Items))
						}
					case 2:
						n := customer.Customer{Kind: customer.Person, Name: "新增", IDType: customer.IDResident, IDNumber: sealedTestID(2000 + w*10000 + i)}
						err = env.App.Customers.Create(ctx, admin, &n)
					}
					reqs.Add(1)
					if err != nil {
						fails.Add(1)
						t.Errorf("during rotation: %v", err)
					}
				}
			}()
		}
		id, err := fieldcrypt.AddPrimary(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		s.Keys().Reload()
		if err := s.CheckKeys(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := s.Reseal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
		if _, err := s.Reseal(ctx); err != nil {
			t.Fatal(err)
		}
		counts, err := s.SealedCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for col, m := range counts {
			for k, c := range m {
				if k != id && c > 0 {
					t.Fatalf("%s: %d values still under key %d", col, c, k)
				}
			}
		}
		if n < len(created) || fails.Load() != 0 || reqs.Load() == 0 {
			t.Fatalf("re-sealed %d of %d; %d of %d requests failed", n, len(created), fails.Load(), reqs.Load())
		}
		if err := fieldcrypt.DropKeys(keyPath, []uint32{1}); err != nil {
			t.Fatal(err)
		}
		if err := s.ForgetKeys(ctx, []uint32{1}); err != nil {
			t.Fatal(err)
		}
		// A fresh start with the rotated key file reads and finds everything.
		r, err := fieldcrypt.Load(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := sqlstore.Open(ctx, dsn, sqlstore.Options{Keys: r})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if _, err := s2.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s2.GetCustomer(ctx, admin, created[42].ID, false)
		if err != nil || got.IDNumber != created[42].IDNumber {
			t.Fatalf("after rotation: %q %v", got.IDNumber, err)
		}
		p, err := s2.ListCustomers(ctx, admin, customer.ListQuery{Q: created[43].IDNumber, Limit: 5})
		if err != nil || len(p.Items) != 1 {
			t.Fatalf("search after rotation: %+v %v", p.Items, err)
		}
		t.Logf("%s: %d values re-sealed beside %d requests", s.Dialect(), n, reqs.Load())
	})
}

// TestSealLegacyPlaintext: values written before encryption at rest are
// sealed at start with their blind indexes and search token.
func TestSealLegacyPlaintext(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		env := servertest.New(t, s)
		admin := env.Actor("admin")
		c := customer.Customer{Kind: customer.Person, Name: "旧数据", IDType: customer.IDResident, IDNumber: sealedTestID(7)}
		if err := env.App.Customers.Create(ctx, admin, &c); err != nil {
			t.Fatal(err)
		}
		// As an old version stored it: plaintext, no blind index, an x: token.
		if _, err := s.DB().Exec(fmt.Sprintf("UPDATE customers SET id_number = '%s', id_number_bidx = '', id_key_bidx = '' WHERE id = %d", c.IDNumber, c.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(fmt.Sprintf("DELETE FROM customer_tokens WHERE customer_id = %d AND token LIKE 'b:%%'", c.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(fmt.Sprintf("INSERT INTO customer_tokens (token, customer_id) VALUES ('x:%s', %d)", c.IDNumber, c.ID)); err != nil {
			t.Fatal(err)
		}
		n, err := s.Reseal(ctx)
		if err != nil || n != 1 {
			t.Fatalf("reseal: %d %v", n, err)
		}
		if hits := dumpHits(t, s, "", c.IDNumber[:17]); len(hits) > 0 {
			t.Fatalf("plaintext left after sealing: %v", hits)
		}
		p, err := s.ListCustomers(ctx, admin, customer.ListQuery{Q: c.IDNumber, Limit: 5})
		if err != nil || len(p.Items) != 1 || p.Items[0].IDNumber != c.IDNumber {
			t.Fatalf("search after sealing: %+v %v", p.Items, err)
		}
		dup := customer.Customer{Kind: customer.Person, Name: "重复", IDType: customer.IDResident, IDNumber: c.IDNumber}
		if err := env.App.Customers.Create(ctx, admin, &dup); guanxi.KindOf(err) != guanxi.KindConflict {
			t.Fatalf("duplicate after sealing: %v", err)
		}
	})
}
