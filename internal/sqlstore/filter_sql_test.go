package sqlstore

// These tests are in package sqlstore (not sqlstore_test) because they call
// the unexported filterSQL/searchSQL; sqltest imports sqlstore and so cannot
// be used here, hence the small engine opener below that mirrors it.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/guanxi-crm/guanxi/internal/search"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// testEngines mirrors sqltest.Engines for in-package tests.
var testEngines = []string{"sqlite", "postgres"}

// openTestStore opens a fresh migrated store on engine, like sqltest.
func openTestStore(tb testing.TB, engine string) *Store {
	tb.Helper()
	ctx := context.Background()
	dsn := filepath.Join(tb.TempDir(), "guanxi.db")
	opt := Options{SyncNormal: true}
	if engine == "postgres" {
		base := os.Getenv("GUANXI_TEST_POSTGRES")
		if base == "" {
			if os.Getenv("GUANXI_REQUIRE_POSTGRES") == "1" {
				tb.Fatal("GUANXI_TEST_POSTGRES is not set but GUANXI_REQUIRE_POSTGRES=1")
			}
			tb.Skip("PostgreSQL suite skipped: set GUANXI_TEST_POSTGRES=postgres://... to run it")
		}
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Fatalf("connect to GUANXI_TEST_POSTGRES: %v", err)
		}
		defer conn.Close(ctx)
		b := make([]byte, 6)
		rand.Read(b)
		schema := "t_" + hex.EncodeToString(b)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
			tb.Fatalf("create schema: %v", err)
		}
		tb.Cleanup(func() {
			if c, err := pgx.Connect(context.Background(), base); err == nil {
				c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
				c.Close(context.Background())
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn, opt = u.String(), Options{}
	}
	s, err := Open(ctx, dsn, opt)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

func eachTestEngine(t *testing.T, fn func(t *testing.T, s *Store)) {
	for _, e := range testEngines {
		t.Run(e, func(t *testing.T) { fn(t, openTestStore(t, e)) })
	}
}

func mustExec(tb testing.TB, s *Store, q string, args ...any) {
	tb.Helper()
	if _, err := s.w.ExecContext(context.Background(), s.rebind(q), args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

// seedOrg inserts units 1 (/1/), 2 (/1/2/), 3 (/1/3/), 4 (/1/2/4/) and users
// 1 in unit 4, 2 in unit 3.
func seedOrg(tb testing.TB, s *Store) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, u := range []struct {
		id     int64
		parent any
		kind   string
		path   string
	}{{1, nil, "head_office", "/1/"}, {2, int64(1), "branch", "/1/2/"}, {3, int64(1), "branch", "/1/3/"}, {4, int64(2), "team", "/1/2/4/"}} {
		mustExec(tb, s, "INSERT INTO org_units (id, parent_id, name, kind, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			u.id, u.parent, fmt.Sprintf("unit%d", u.id), u.kind, u.path, now, now)
	}
	for _, u := range []struct{ id, unit int64 }{{1, 4}, {2, 3}} {
		mustExec(tb, s, "INSERT INTO users (id, username, name, role, org_unit_id, password_hash, password_changed_at, created_at, updated_at) VALUES (?, ?, ?, 'agent', ?, 'x', ?, ?, ?)",
			u.id, fmt.Sprintf("u%d", u.id), fmt.Sprintf("u%d", u.id), u.unit, now, now, now)
	}
}

type testCustomer struct {
	id                                     int64
	kind, name, stage, market, city, grade string
	birthday, custom                       string
	lunar                                  bool
	owner                                  int64
	created                                time.Time
	lastContact                            *time.Time
	tags                                   []string
	mobile                                 string
}

func insertCustomer(tb testing.TB, s *Store, c testCustomer) {
	tb.Helper()
	lunar := 0
	if c.lunar {
		lunar = 1
	}
	if c.custom == "" {
		c.custom = "{}"
	}
	var last any
	if c.lastContact != nil {
		last = *c.lastContact
	}
	number := fmt.Sprintf("KH%08d", c.id)
	mustExec(tb, s, `INSERT INTO customers (id, number, kind, name, stage, market, city, grade, birthday, lunar_birthday, custom, mobile,
		owner_id, created_at, updated_at, last_contact_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.id, number, c.kind, c.name, c.stage, c.market, c.city, c.grade, c.birthday, lunar, c.custom, c.mobile,
		c.owner, c.created, c.created, last)
	for _, tag := range c.tags {
		mustExec(tb, s, "INSERT INTO customer_tags (tag, customer_id) VALUES (?, ?)", tag, c.id)
	}
	for _, tok := range search.CustomerTokens(c.name, number, "", c.mobile) {
		mustExec(tb, s, "INSERT INTO customer_tokens (token, customer_id) VALUES (?, ?)", tok, c.id)
	}
}

func insertHolding(tb testing.TB, s *Store, id, customer int64, kind, model, status, due string, amount, balance int64) {
	tb.Helper()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	mustExec(tb, s, `INSERT INTO holdings (id, customer_id, kind, model, status, due_on, amount_minor, balance_minor, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, customer, kind, model, status, due, amount, balance, now, now)
}

func seedFilterData(tb testing.TB, s *Store) {
	tb.Helper()
	seedOrg(tb, s)
	utc := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	contact := utc(2024, 6, 1, 3)
	for _, c := range []testCustomer{
		{id: 1, kind: "person", name: "张三", stage: "prospect", market: "personal", city: "杭州市", birthday: "1990-05-03", lunar: true,
			custom: `{"risk":3,"hobby":"钓鱼"}`, owner: 1, created: utc(2024, 1, 10, 10), tags: []string{"vip"}, mobile: "13800138000"},
		{id: 2, kind: "person", name: "李四", stage: "customer", market: "agri", city: "杭州市", birthday: "1985-12-01",
			custom: `{"risk":1.5}`, owner: 2, created: utc(2024, 3, 1, 0), lastContact: &contact, tags: []string{"vip", "新客"}, mobile: "13900139000"},
		{id: 3, kind: "org", name: "王五有限公司", stage: "customer", market: "corporate", city: "宁波市",
			custom: `{"hobby":"100%_x"}`, owner: 1, created: utc(2024, 6, 30, 23)},
		{id: 4, kind: "person", name: "赵六", stage: "dormant", grade: "A", owner: 2, created: utc(2025, 1, 1, 0), birthday: "2000-05-20"},
	} {
		insertCustomer(tb, s, c)
	}
	insertHolding(tb, s, 1, 1, "vehicle", "Model Y", "active", "2025-05-01", 30000000, 0)
	insertHolding(tb, s, 2, 2, "loan", "", "overdue", "2024-12-31", 10000000, 5000000)
	insertHolding(tb, s, 3, 2, "vehicle", "Camry", "closed", "", 20000000, 0)
	insertHolding(tb, s, 4, 3, "deposit", "", "active", "", 100, 100)
}

func queryIDs(tb testing.TB, s *Store, pred string, args []any) []int64 {
	tb.Helper()
	var ids []int64
	q := s.rebind("SELECT c.id FROM customers c WHERE c.deleted_at IS NULL AND " + pred + " ORDER BY c.id")
	if err := s.r.SelectContext(context.Background(), &ids, q, args...); err != nil {
		tb.Fatalf("%s %v: %v", pred, args, err)
	}
	return ids
}

func TestFilterSQL(t *testing.T) {
	cases := []struct {
		filter string
		want   []int64
	}{
		{`{"field":"stage","op":"eq","value":"customer"}`, []int64{2, 3}},
		{`{"field":"stage","op":"ne","value":"customer"}`, []int64{1, 4}},
		{`{"field":"stage","op":"in","value":["prospect","dormant"]}`, []int64{1, 4}},
		{`{"field":"stage","op":"nin","value":["prospect","dormant"]}`, []int64{2, 3}},
		{`{"field":"kind","op":"eq","value":"org"}`, []int64{3}},
		{`{"field":"market","op":"eq","value":"agri"}`, []int64{2}},
		{`{"field":"city","op":"contains","value":"州"}`, []int64{1, 2}},
		{`{"field":"city","op":"prefix","value":"宁波"}`, []int64{3}},
		{`{"field":"city","op":"empty"}`, []int64{4}},
		{`{"field":"city","op":"not_empty"}`, []int64{1, 2, 3}},
		{`{"field":"grade","op":"eq","value":"A"}`, []int64{4}},
		{`{"field":"grade","op":"contains","value":"a"}`, nil}, // case-sensitive on both engines
		{`{"field":"owner_id","op":"eq","value":1}`, []int64{1, 3}},
		{`{"field":"owner_id","op":"nin","value":[1]}`, []int64{2, 4}},
		{`{"field":"org_unit_id","op":"eq","value":2}`, []int64{1, 3}},
		{`{"field":"org_unit_id","op":"eq","value":1}`, []int64{1, 2, 3, 4}},
		{`{"field":"org_unit_id","op":"ne","value":2}`, []int64{2, 4}},
		{`{"field":"org_unit_id","op":"in","value":[3,4]}`, []int64{1, 2, 3, 4}},
		{`{"field":"tags","op":"has_any","value":["vip","x"]}`, []int64{1, 2}},
		{`{"field":"tags","op":"has_all","value":["vip","新客"]}`, []int64{2}},
		{`{"field":"tags","op":"has_none","value":["新客"]}`, []int64{1, 3, 4}},
		{`{"field":"tags","op":"empty"}`, []int64{3, 4}},
		{`{"field":"tags","op":"not_empty"}`, []int64{1, 2}},
		{`{"field":"created_at","op":"gte","value":"2024-03-01"}`, []int64{2, 3, 4}}, // 2024-03-01 00:00 China = 02-29 16:00 UTC
		{`{"field":"created_at","op":"lt","value":"2024-03-01T00:00:00Z"}`, []int64{1}},
		{`{"field":"created_at","op":"gt","value":"2024-03-01T00:00:00Z"}`, []int64{3, 4}},
		{`{"field":"created_at","op":"lte","value":"2024-06-30"}`, []int64{1, 2}}, // id 3 is 07-01 07:00 China time
		{`{"field":"created_at","op":"gt","value":"2024-06-30"}`, []int64{3, 4}},
		{`{"field":"created_at","op":"between","value":["2024-01-01","2024-07-01"]}`, []int64{1, 2, 3}},
		{`{"field":"created_at","op":"between","value":["2024-01-10T10:00:00Z","2024-03-01T00:00:00Z"]}`, []int64{1, 2}},
		{`{"field":"updated_at","op":"gte","value":"2025-01-01T00:00:00Z"}`, []int64{4}},
		{`{"field":"last_contact_at","op":"empty"}`, []int64{1, 3, 4}},
		{`{"field":"last_contact_at","op":"not_empty"}`, []int64{2}},
		{`{"field":"last_contact_at","op":"gt","value":"2024-05-01"}`, []int64{2}},
		{`{"not":{"field":"last_contact_at","op":"gt","value":"2024-05-01"}}`, []int64{1, 3, 4}},
		{`{"field":"birthday","op":"eq","value":"1990-05-03"}`, []int64{1}},
		{`{"field":"birthday","op":"lt","value":"1995-01-01"}`, []int64{1, 2}},
		{`{"field":"birthday","op":"between","value":["1980-01-01","1989-12-31"]}`, []int64{2}},
		{`{"field":"birthday","op":"empty"}`, []int64{3}},
		{`{"field":"birthday_month","op":"eq","value":5}`, []int64{1, 4}},
		{`{"field":"birthday_month","op":"between","value":[6,12]}`, []int64{2}},
		{`{"field":"lunar_birthday","op":"eq","value":true}`, []int64{1}},
		{`{"field":"lunar_birthday","op":"ne","value":true}`, []int64{2, 3, 4}},
		{`{"field":"holding.kind","op":"eq","value":"vehicle"}`, []int64{1, 2}},
		{`{"field":"holding.model","op":"prefix","value":"Cam"}`, []int64{2}},
		{`{"field":"holding.status","op":"eq","value":"overdue"}`, []int64{2}},
		{`{"field":"holding.due_on","op":"lt","value":"2025-01-01"}`, []int64{2}},
		{`{"field":"holding.balance_minor","op":"gt","value":0}`, []int64{2, 3}},
		{`{"field":"holding.amount_minor","op":"between","value":[100,20000000]}`, []int64{2, 3}},
		// Sibling holding conditions apply to the same holding.
		{`{"and":[{"field":"holding.kind","op":"eq","value":"vehicle"},{"field":"holding.status","op":"eq","value":"active"}]}`, []int64{1}},
		{`{"and":[{"field":"holding.kind","op":"eq","value":"vehicle"},{"field":"holding.status","op":"eq","value":"overdue"}]}`, nil},
		{`{"or":[{"field":"holding.kind","op":"eq","value":"deposit"},{"field":"holding.status","op":"eq","value":"overdue"}]}`, []int64{2, 3}},
		{`{"not":{"field":"holding.kind","op":"eq","value":"vehicle"}}`, []int64{3, 4}},
		{`{"field":"custom.risk","op":"gte","value":2}`, []int64{1}},
		{`{"field":"custom.risk","op":"lt","value":2}`, []int64{2}},
		{`{"field":"custom.risk","op":"eq","value":1.5}`, []int64{2}},
		{`{"field":"custom.risk","op":"in","value":[3,"x"]}`, []int64{1}},
		{`{"field":"custom.risk","op":"between","value":[1,2]}`, []int64{2}},
		{`{"field":"custom.risk","op":"ne","value":3}`, []int64{2, 3, 4}},
		{`{"field":"custom.risk","op":"nin","value":[3]}`, []int64{2, 3, 4}},
		{`{"field":"custom.risk","op":"empty"}`, []int64{3, 4}},
		{`{"field":"custom.risk","op":"not_empty"}`, []int64{1, 2}},
		{`{"field":"custom.hobby","op":"eq","value":"钓鱼"}`, []int64{1}},
		{`{"field":"custom.hobby","op":"contains","value":"%_"}`, []int64{3}},
		{`{"field":"custom.hobby","op":"prefix","value":"100"}`, []int64{3}},
		{`{"field":"custom.hobby","op":"gt","value":"a"}`, []int64{1}},
		{`{"and":[{"field":"stage","op":"eq","value":"customer"},{"or":[{"field":"city","op":"eq","value":"宁波市"},{"field":"tags","op":"has_any","value":["新客"]}]}]}`, []int64{2, 3}},
		{`{"not":{"or":[{"field":"stage","op":"eq","value":"customer"},{"field":"kind","op":"eq","value":"org"}]}}`, []int64{1, 4}},
	}
	eachTestEngine(t, func(t *testing.T, s *Store) {
		seedFilterData(t, s)
		for _, c := range cases {
			n, err := segment.Parse([]byte(c.filter))
			if err != nil {
				t.Errorf("%s: parse: %v", c.filter, err)
				continue
			}
			pred, args, err := s.filterSQL(n, "c")
			if err != nil {
				t.Errorf("%s: %v", c.filter, err)
				continue
			}
			if got := queryIDs(t, s, pred, args); !slices.Equal(got, c.want) {
				t.Errorf("%s\n  sql %s %v\n  got %v want %v", c.filter, pred, args, got, c.want)
			}
		}
		if p, a, err := s.filterSQL(nil, "c"); p != "1=1" || a != nil || err != nil {
			t.Errorf("nil filter: %q %v %v", p, a, err)
		}
		if _, _, err := s.filterSQL(&segment.Node{Field: "password_hash", Op: "eq", Value: "x"}, "c"); err == nil {
			t.Error("unvalidated Go node compiled")
		}
		if _, _, err := s.filterSQL(&segment.Node{Field: "stage", Op: "eq", Value: "lost"}, "c; DROP"); err == nil {
			t.Error("bad alias accepted")
		}
	})
}

// shape replaces every input value of a parsed filter with a canonical one
// of the same type (and custom keys with "k"). If the compiled SQL of the
// original and of its shape are equal, no input text reached the SQL.
func shape(n *segment.Node) *segment.Node {
	if n == nil {
		return nil
	}
	out := &segment.Node{Op: n.Op, Field: n.Field}
	for _, c := range n.And {
		out.And = append(out.And, shape(c))
	}
	for _, c := range n.Or {
		out.Or = append(out.Or, shape(c))
	}
	out.Not = shape(n.Not)
	if n.Field == "" {
		return out
	}
	f, _ := segment.Lookup(n.Field)
	if strings.HasPrefix(n.Field, segment.CustomPrefix) {
		out.Field = segment.CustomPrefix + "k"
	}
	canon := func(v any) any {
		switch f.Type {
		case segment.TypeString, segment.TypeTags:
			if len(f.Values) > 0 {
				return f.Values[0]
			}
			return "s"
		case segment.TypeDate:
			return "2000-01-01"
		case segment.TypeDatetime:
			if s, _ := v.(string); len(s) == len("2000-01-01") {
				return "2000-01-01"
			}
			return "2000-01-01T00:00:00Z"
		case segment.TypeBool:
			return true
		case segment.TypeCustom:
			if _, ok := v.(string); ok {
				return "s"
			}
			if num, ok := v.(json.Number); ok && !strings.ContainsAny(string(num), ".eE") {
				return json.Number("1")
			}
			return json.Number("1.5")
		}
		return json.Number("1")
	}
	switch v := n.Value.(type) {
	case nil:
	case []any:
		list := make([]any, len(v))
		for i := range v {
			list[i] = canon(v[i])
		}
		out.Value = list
	default:
		out.Value = canon(v)
	}
	return out
}

var filterSeeds = []string{
	`{"field":"stage","op":"eq","value":"customer"}`,
	`{"field":"city","op":"contains","value":"'; DROP TABLE customers; --"}`,
	`{"field":"city","op":"prefix","value":"杭州"}`,
	`{"field":"source","op":"in","value":["a","b'","c\""]}`,
	`{"field":"tags","op":"has_all","value":["vip","?","$1"]}`,
	`{"field":"tags","op":"has_none","value":["x"]}`,
	`{"field":"org_unit_id","op":"nin","value":[1,2]}`,
	`{"field":"created_at","op":"between","value":["2024-01-01","2024-02-01T00:00:00+08:00"]}`,
	`{"field":"last_contact_at","op":"lte","value":"2024-01-01"}`,
	`{"field":"birthday_month","op":"in","value":[1,12]}`,
	`{"field":"lunar_birthday","op":"ne","value":false}`,
	`{"field":"holding.model","op":"eq","value":"Model Y"}`,
	`{"and":[{"field":"holding.kind","op":"eq","value":"loan"},{"field":"holding.balance_minor","op":"gt","value":0}]}`,
	`{"field":"custom.risk","op":"between","value":[1,2.5]}`,
	`{"field":"custom.note","op":"in","value":["a",1,2.5]}`,
	`{"field":"custom.note","op":"empty"}`,
	`{"not":{"or":[{"field":"grade","op":"empty"},{"field":"custom.x1","op":"prefix","value":"%"}]}}`,
}

func FuzzFilterSQL(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add([]byte(s))
	}
	s := openTestStore(f, "sqlite")
	seedFilterData(f, s)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := segment.Parse(data)
		if err != nil || n == nil {
			return
		}
		pred, args, err := s.filterSQL(n, "c")
		if err != nil {
			t.Fatalf("valid filter %s did not compile: %v", data, err)
		}
		sp, sargs, err := s.filterSQL(shape(n), "c")
		if err != nil {
			t.Fatalf("shape of %s did not compile: %v", data, err)
		}
		if pred != sp || len(args) != len(sargs) {
			t.Fatalf("input reached the SQL text:\n%s\n%s", pred, sp)
		}
		if strings.Count(pred, "?") != len(args) {
			t.Fatalf("%d placeholders for %d args: %s", strings.Count(pred, "?"), len(args), pred)
		}
		queryIDs(t, s, pred, args)
	})
}
