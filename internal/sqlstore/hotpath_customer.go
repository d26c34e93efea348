package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// The customer read path (GET /customers/{id}, the list and search pages)
// scans rows by hand instead of through sqlx's reflection: profiling put
// sqlx's scanAny at 18 µs of a 145 µs GET. The columns are those of
// customer-columns (queries/customers.sql; TestHotCustomerScanMatches
// checks both give the same customers), with two differences that save
// CPU on every row:
//   - on SQLite the timestamps are selected as text and parsed here: the
//     driver otherwise tries time.String's layout first, failing with an
//     allocated error, before its own;
//   - the tags are aggregated unordered and sorted in Go, which spares
//     SQLite a sorter per row (byte order, as the engines' BINARY and "C"
//     collations sort).

// hotCustomerColumns returns the SELECT … FROM … of the hot path for the
// store's dialect, with ? placeholders intact.
func (s *Store) hotCustomerColumns() string {
	if s.dialect == Postgres {
		return hotColumnsPostgres
	}
	return hotColumnsSQLite
}

const hotColumnsHead = `SELECT c.id, c.number, c.kind, c.name, c.name_pinyin, c.gender, c.birthday, c.lunar_birthday,
    c.id_type, c.id_number, c.mobile, c.phone, c.email, c.wechat, c.province, c.city, c.district,
    c.address, c.market, c.industry, c.source, c.stage, c.grade, c.custom, c.consent, c.notes,
    c.owner_id, u.name, c.created_by, `

const hotColumnsTail = `, c.version,
    COALESCE((SELECT string_agg(tag, ',') FROM customer_tags WHERE customer_id = c.id), '')
FROM customers c JOIN users u ON u.id = c.owner_id`

const hotColumnsSQLite = hotColumnsHead +
	`CAST(c.created_at AS TEXT), CAST(c.updated_at AS TEXT), CAST(c.last_contact_at AS TEXT), CAST(c.deleted_at AS TEXT)` +
	hotColumnsTail

const hotColumnsPostgres = hotColumnsHead +
	`c.created_at, c.updated_at, c.last_contact_at, c.deleted_at` + hotColumnsTail

// customerScan receives one row. Named-string and integer columns land in
// `any` or plain strings so that database/sql assigns them without
// reflection; decode converts.
type customerScan struct {
	c                                    customer.Customer
	kind, idType, market, stage          string
	custom, consent, tags                string
	id, lunar, owner, createdBy, version any
	created, updated, lastContact, delAt any
	dest                                 [35]any
	keys                                 *fieldcrypt.Ring // opens the sealed ID number
}

func newCustomerScan(keys *fieldcrypt.Ring) *customerScan {
	r := &customerScan{keys: keys}
	c := &r.c
	r.dest = [35]any{&r.id, &c.Number, &r.kind, &c.Name, &c.NamePinyin, &c.Gender, &c.Birthday, &r.lunar,
		&r.idType, &c.IDNumber, &c.Mobile, &c.Phone, &c.Email, &c.WeChat, &c.Province, &c.City, &c.District,
		&c.Address, &r.market, &c.Industry, &c.Source, &r.stage, &c.Grade, &r.custom, &r.consent, &c.Notes,
		&r.owner, &c.OwnerName, &r.createdBy, &r.created, &r.updated, &r.lastContact, &r.delAt, &r.version,
		&r.tags}
	return r
}

// scan reads the current row of rows into a new customer.
func (r *customerScan) scan(rows interface{ Scan(...any) error }) (customer.Customer, error) {
	r.c = customer.Customer{}
	if err := rows.Scan(r.dest[:]...); err != nil {
		return customer.Customer{}, err
	}
	return r.decode()
}

func (r *customerScan) decode() (customer.Customer, error) {
	c := r.c
	c.Kind, c.IDType, c.Market, c.Stage = customer.Kind(r.kind), customer.IDType(r.idType), customer.Market(r.market), customer.Stage(r.stage)
	var err error
	ints := [...]struct {
		v   any
		dst *int64
	}{{r.id, &c.ID}, {r.owner, &c.OwnerID}, {r.version, &c.Version}}
	for _, f := range ints {
		if *f.dst, err = hotInt(f.v); err != nil {
			return c, err
		}
	}
	lunar, err := hotInt(r.lunar)
	if err != nil {
		return c, err
	}
	c.LunarBirthday = lunar != 0
	if r.createdBy != nil {
		by, err := hotInt(r.createdBy)
		if err != nil {
			return c, err
		}
		c.CreatedBy = &by
	}
	if c.CreatedAt, _, err = hotTime(r.created); err != nil {
		return c, err
	}
	if c.UpdatedAt, _, err = hotTime(r.updated); err != nil {
		return c, err
	}
	for _, f := range [...]struct {
		v   any
		dst **time.Time
	}{{r.lastContact, &c.LastContactAt}, {r.delAt, &c.DeletedAt}} {
		t, ok, err := hotTime(f.v)
		if err != nil {
			return c, err
		}
		if ok {
			*f.dst = &t
		}
	}
	if c.Custom, err = hotDecodeCustom(r.custom); err != nil {
		return c, fmt.Errorf("customer %d custom: %w", c.ID, err)
	}
	if c.Consent, err = hotDecodeConsent(r.consent); err != nil {
		return c, fmt.Errorf("customer %d consent: %w", c.ID, err)
	}
	if r.tags != "" {
		c.Tags = strings.Split(r.tags, ",")
		slices.Sort(c.Tags)
	}
	if c.IDNumber != "" {
		if c.IDNumber, err = r.keys.Open(c.IDNumber, colIDNumber); err != nil {
			return c, fmt.Errorf("customer %d: %w", c.ID, err)
		}
	}
	return c, nil
}

func hotDecodeCustom(s string) (map[string]any, error) {
	m := map[string]any{}
	if s == "{}" || s == "" {
		return m, nil
	}
	return m, json.Unmarshal([]byte(s), &m)
}

// hotDecodeConsent reads the consent column, which the store writes as
// {"channel":bool,...} with plain keys: that shape is read directly (every
// customer has one, and encoding/json's reflection was 5 % of a GET);
// anything else goes through encoding/json.
func hotDecodeConsent(s string) (map[string]bool, error) {
	m := make(map[string]bool, 4)
	if s == "{}" || s == "" {
		return m, nil
	}
	if hotFlatBools(s, m) {
		return m, nil
	}
	clear(m)
	return m, json.Unmarshal([]byte(s), &m)
}

// hotFlatBools parses {"k":true,"k2":false} (keys without escapes, no
// spaces) into m, or reports false.
func hotFlatBools(s string, m map[string]bool) bool {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	i := 1
	for {
		if i >= len(s) || s[i] != '"' {
			return false
		}
		j := i + 1
		for j < len(s) && s[j] != '"' && s[j] != '\\' && s[j] >= 0x20 && s[j] < 0x80 {
			j++
		}
		if j+1 >= len(s) || s[j] != '"' || s[j+1] != ':' {
			return false
		}
		key := s[i+1 : j]
		rest := s[j+2:]
		switch {
		case strings.HasPrefix(rest, "true"):
			m[key] = true
			i = j + 2 + 4
		case strings.HasPrefix(rest, "false"):
			m[key] = false
			i = j + 2 + 5
		default:
			return false
		}
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case ',':
			i++
		case '}':
			return i == len(s)-1
		default:
			return false
		}
	}
}

// scanCustomers reads every row of rows (at most limit+1 of them: callers
// ask for one more than a page to know whether another follows).
func (s *Store) scanCustomers(rows *sql.Rows, capHint int) ([]customer.Customer, error) {
	defer rows.Close()
	return scanAllCustomers(rows, capHint, s.keys)
}

// scanAllCustomers reads the rows of database/sql or of pgx; the caller
// closes them.
func scanAllCustomers(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, capHint int, keys *fieldcrypt.Ring) ([]customer.Customer, error) {
	out := make([]customer.Customer, 0, capHint)
	r := newCustomerScan(keys)
	for rows.Next() {
		c, err := r.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// pgCustomers runs a customer read on PostgreSQL through the pgx pool
// itself: pgx keeps the statement prepared per connection (one round
// trip) without database/sql's connection and argument handling.
func (s *Store) pgCustomers(ctx context.Context, q string, args []any) ([]customer.Customer, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return scanAllCustomers(rows, 1, s.keys)
}

func hotInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("integer column: unexpected %T", v)
}

// hotTime converts a timestamp column (time.Time from PostgreSQL, text from
// SQLite, NULL) to a UTC time; ok is false for NULL.
func hotTime(v any) (t time.Time, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return x.UTC(), true, nil
	case string:
		t, err = hotParseTime(x)
	case []byte:
		t, err = hotParseTime(string(x))
	default:
		err = fmt.Errorf("timestamp column: unexpected %T", v)
	}
	return t, err == nil, err
}

// hotTimeLayouts are the layouts the driver reads (modernc's
// parseTimeFormats), for values the fast path below does not take.
var hotTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

// hotParseTime reads what the driver writes with _time_format=sqlite,
// "2006-01-02 15:04:05.999999999-07:00", without time.Parse's generality;
// anything else goes to time.Parse with the driver's layouts.
func hotParseTime(s string) (time.Time, error) {
	if t, ok := hotFastTime(s); ok {
		return t, nil
	}
	for _, l := range hotTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("timestamp %q: unknown layout", s)
}

func hotFastTime(s string) (time.Time, bool) {
	// YYYY-MM-DD?HH:MM:SS, then optional .fraction, then Z or ±HH:MM or nothing.
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			d := s[i] - '0'
			if d > 9 {
				return 0, false
			}
			n = n*10 + int(d)
		}
		return n, true
	}
	var f [6]int
	for i, p := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		n, ok := num(p[0], p[1])
		if !ok {
			return time.Time{}, false
		}
		f[i] = n
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		scale := 100000000
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-start < 9 {
				nsec += int(s[i]-'0') * scale
				scale /= 10
			}
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	off := 0
	switch rest := s[i:]; {
	case rest == "" || rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		h, ok1 := num(i+1, i+3)
		m, ok2 := num(i+4, i+6)
		if !ok1 || !ok2 || h > 23 || m > 59 {
			return time.Time{}, false
		}
		off = h*3600 + m*60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nsec, time.UTC)
	if t.Day() != f[2] {
		return time.Time{}, false // e.g. 02-30: let time.Parse reject it
	}
	return t.Add(-time.Duration(off) * time.Second), true
}
