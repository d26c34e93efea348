package sqlstore_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// TestHotCustomerScanMatches checks that the hand-written scan of the
// customer read path (GetCustomer, ListCustomers) returns every column
// exactly as the sqlx scan of customer-columns does: all fields set, tags
// inserted out of order, custom fields and consent, NULL and non-NULL
// timestamps, a deleted customer.
func TestHotCustomerScanMatches(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := seedStaff(t, s)
		full := &customer.Customer{Kind: customer.Person, Name: "欧阳娜娜", NamePinyin: "ouyang nana", Gender: "female",
			Birthday: "1990-02-03", LunarBirthday: true, IDType: customer.IDResident, IDNumber: residentID("11010519900203002"),
			Mobile: "13900139000", Phone: "010-12345678", Email: "n@example.com", WeChat: "nana", Province: "北京",
			City: "北京", District: "海淀", Address: "中关村1号", Market: customer.MarketAgri, Industry: "农业",
			Source: "walk_in", Stage: customer.StageCustomer, Grade: "A", Tags: []string{"vip", "a-tag", "贵宾", "Z"},
			Custom: map[string]any{"n": 3.5, "s": "文字", "b": true, "l": []any{"x", 1.0}}, Consent: map[string]bool{"sms": true, "email": false},
			Notes: "备注, with a comma", OwnerID: f.AgentA1.UserID}
		bare := &customer.Customer{Kind: customer.Org, Name: "某公司", OwnerID: f.AgentA1.UserID, Stage: customer.StageProspect}
		gone := newCustomer("王五", "13700137000", f.AgentA1.UserID)
		for _, c := range []*customer.Customer{full, bare, gone} {
			if err := s.CreateCustomer(ctx, f.Admin, c); err != nil {
				t.Fatal(err)
			}
		}
		touched := time.Date(2026, 3, 4, 5, 6, 7, 891234000, time.UTC)
		if _, err := s.DB().ExecContext(ctx, rebindQ(s, "UPDATE customers SET last_contact_at = ? WHERE id = ?"), touched, full.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCustomer(ctx, f.Admin, gone.ID, gone.Version); err != nil {
			t.Fatal(err)
		}
		check := func(got customer.Customer) {
			t.Helper()
			want, err := sqlstore.CustomerViaSQLX(ctx, s, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(utcTimes(got), utcTimes(want)) {
				t.Errorf("hot scan differs:\n got %+v\nwant %+v", got, want)
			}
		}
		for _, c := range []*customer.Customer{full, bare} {
			got, err := s.GetCustomer(ctx, f.Admin, c.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			check(got)
		}
		got, err := s.GetCustomer(ctx, f.Admin, full.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastContactAt == nil || !got.LastContactAt.Equal(touched) || got.CreatedBy == nil || *got.CreatedBy != f.Admin.UserID ||
			!reflect.DeepEqual(got.Tags, []string{"Z", "a-tag", "vip", "贵宾"}) || got.Custom["s"] != "文字" || !got.Consent["sms"] ||
			!got.LunarBirthday || got.Market != customer.MarketAgri || got.OwnerName != "agent_a1" {
			t.Errorf("full customer read back as %+v", got)
		}
		del, err := s.GetCustomer(ctx, f.Admin, gone.ID, true)
		if err != nil || del.DeletedAt == nil {
			t.Fatalf("deleted: %+v %v", del, err)
		}
		check(del)
		if _, err := s.GetCustomer(ctx, f.Admin, gone.ID, false); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("deleted customer found: %v", err)
		}
		if _, err := s.GetCustomer(ctx, f.AgentB, full.ID, false); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("out of scope customer found: %v", err)
		}
		page, err := s.ListCustomers(ctx, f.Admin, customer.ListQuery{Limit: 1})
		if err != nil || len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("list page 1: %+v %v", page, err)
		}
		check(page.Items[0])
		page, err = s.ListCustomers(ctx, f.Admin, customer.ListQuery{Limit: 1, Cursor: page.NextCursor})
		if err != nil || len(page.Items) != 1 || page.NextCursor != "" {
			t.Fatalf("list page 2: %+v %v", page, err)
		}
		check(page.Items[0])
	})
}

func rebindQ(s *sqlstore.Store, q string) string {
	if s.Dialect() != sqlstore.Postgres {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, '$', byte('0'+n))
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// utcTimes puts every timestamp in UTC: the two scans may name the zone
// differently for the same instant.
func utcTimes(c customer.Customer) customer.Customer {
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	for _, p := range []**time.Time{&c.LastContactAt, &c.DeletedAt} {
		if *p != nil {
			u := (**p).UTC()
			*p = &u
		}
	}
	return c
}

// TestParseSQLiteTime checks the fast timestamp parser against time.Parse.
func TestParseSQLiteTime(t *testing.T) {
	for _, c := range []struct{ in, layout string }{
		{"2026-11-26 17:07:22.123456+00:00", "2006-01-02 15:04:05.999999999-07:00"},
		{"2026-11-26 17:07:22+08:00", "2006-01-02 15:04:05.999999999-07:00"},
		{"2026-11-26T17:07:22.5-05:30", "2006-01-02T15:04:05.999999999-07:00"},
		{"2026-02-28 23:59:59.999999999+00:00", "2006-01-02 15:04:05.999999999-07:00"},
		{"2026-11-26 17:07:22", "2006-01-02 15:04:05.999999999"},
		{"2026-11-26 17:07:22.000001", "2006-01-02 15:04:05.999999999"},
		{"2026-11-26T17:07:22Z", "2006-01-02T15:04:05Z07:00"},
		{"2026-11-26 17:07", "2006-01-02 15:04"},
		{"2026-11-26", "2006-01-02"},
		{"2024-02-29 00:00:00+00:00", "2006-01-02 15:04:05.999999999-07:00"},
	} {
		want, err := time.Parse(c.layout, c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sqlstore.ParseSQLiteTime(c.in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%q: got %v (%v), want %v", c.in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2026-02-30 00:00:00+00:00", "2026-13-01 00:00:00", "2026-11-26 25:00:00", "yesterday", "2026-11-26 17:07:22+0800x"} {
		if got, err := sqlstore.ParseSQLiteTime(bad); err == nil {
			t.Errorf("%q parsed as %v", bad, got)
		}
	}
}

// TestDecodeConsent checks the consent fast path against encoding/json.
func TestDecodeConsent(t *testing.T) {
	for _, in := range []string{"{}", `{"sms":true}`, `{"email":false,"phone":true,"sms":true,"wechat":false}`,
		`{"a":true,"a":false}`, `{"短信":true}`, `{"a\"b":true}`, `{"a": true}`, `{ "a":true}`, `{"a":1}`,
		`{"a":true,}`, `{"a":true`, `{"a":truex}`, `{"a":null}`, `[]`, `{"a":true}x`} {
		got, gerr := sqlstore.DecodeConsent(in)
		want := map[string]bool{}
		werr := json.Unmarshal([]byte(in), &want)
		if (gerr != nil) != (werr != nil) || (werr == nil && !reflect.DeepEqual(got, want)) {
			t.Errorf("%s: got %v %v, want %v %v", in, got, gerr, want, werr)
		}
	}
}
