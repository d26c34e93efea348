package sqlstore

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// filterColumns maps the allow-listed customer fields to columns. Every
// identifier in a compiled filter comes from these maps or from constant
// text in this file; input only ever reaches the SQL as bound arguments.
var filterColumns = map[string]string{
	"kind": "kind", "stage": "stage", "market": "market", "industry": "industry",
	"province": "province", "city": "city", "district": "district", "source": "source",
	"grade": "grade", "gender": "gender", "owner_id": "owner_id",
	"created_at": "created_at", "updated_at": "updated_at", "last_contact_at": "last_contact_at",
	"birthday": "birthday", "lunar_birthday": "lunar_birthday",
}

// holdingColumns are the holding fields; conditions on them run inside
// EXISTS over the customer's holdings (alias fh).
var holdingColumns = map[string]string{
	"holding.kind": "kind", "holding.model": "model", "holding.status": "status",
	"holding.due_on": "due_on", "holding.balance_minor": "balance_minor",
	"holding.amount_minor": "amount_minor",
}

// nullableColumns may hold NULL; their predicates are made two-valued so
// NOT behaves as users expect ("not contacted since X" includes never).
var nullableColumns = map[string]bool{"last_contact_at": true}

var aliasRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,15}$`)

// Aliases used inside the compiled subqueries; the caller's alias must differ.
var reservedAliases = map[string]bool{"fh": true, "ft": true, "fu": true, "fo": true, "fp": true}

// filterSQL compiles a filter to a predicate over customers (alias) with ?
// placeholders. It validates n first, so callers may pass nodes built in Go.
// Conditions on holdings that are siblings under one "and" must hold for the
// same holding (one EXISTS); elsewhere each holding condition is its own
// EXISTS.
func (s *Store) filterSQL(n *segment.Node, alias string) (string, []any, error) {
	if n == nil {
		return "1=1", nil, nil
	}
	if !aliasRe.MatchString(alias) || reservedAliases[alias] {
		return "", nil, guanxi.Internal(fmt.Errorf("filterSQL: bad alias %q", alias))
	}
	if err := segment.Validate(n); err != nil {
		return "", nil, err
	}
	b := &filterBuilder{pg: s.dialect == Postgres, c: alias + "."}
	out := b.node(n, "filter")
	if b.err != nil {
		return "", nil, b.err
	}
	return out, b.args, nil
}

type filterBuilder struct {
	pg   bool
	c    string // customer alias with its dot
	args []any
	err  error
}

func (b *filterBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "?"
}

func (b *filterBuilder) list(vs []any) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = b.arg(v)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

func isHolding(n *segment.Node) bool {
	return n.Field != "" && strings.HasPrefix(n.Field, "holding.")
}

func (b *filterBuilder) node(n *segment.Node, path string) string {
	switch {
	case n.And != nil:
		var parts, holding []string
		for i, c := range n.And {
			p := fmt.Sprintf("%s.and[%d]", path, i)
			if isHolding(c) {
				holding = append(holding, b.leaf(c, p))
				continue
			}
			parts = append(parts, b.node(c, p))
		}
		if len(holding) > 0 {
			parts = append(parts, b.holdingExists(holding))
		}
		return "(" + strings.Join(parts, " AND ") + ")"
	case n.Or != nil:
		parts := make([]string, len(n.Or))
		for i, c := range n.Or {
			parts[i] = b.node(c, fmt.Sprintf("%s.or[%d]", path, i))
		}
		return "(" + strings.Join(parts, " OR ") + ")"
	case n.Not != nil:
		return "NOT (" + b.node(n.Not, path+".not") + ")"
	case isHolding(n):
		return b.holdingExists([]string{b.leaf(n, path)})
	}
	return b.leaf(n, path)
}

func (b *filterBuilder) holdingExists(preds []string) string {
	return "EXISTS (SELECT 1 FROM holdings fh WHERE fh.customer_id = " + b.c + "id AND " + strings.Join(preds, " AND ") + ")"
}

func (b *filterBuilder) fail(err error) string {
	if b.err == nil {
		b.err = err
	}
	return "1=0"
}

// leaf compiles one condition. The result is never NULL.
func (b *filterBuilder) leaf(n *segment.Node, path string) string {
	f, ok := segment.Lookup(n.Field)
	if !ok {
		return b.fail(guanxi.Invalid(guanxi.Field(path+".field", "validation.filter_field")))
	}
	vs, err := segment.Values(n, path)
	if err != nil {
		return b.fail(err)
	}
	switch {
	case n.Field == "tags":
		return b.tags(n.Op, vs)
	case n.Field == "org_unit_id":
		return b.orgUnit(n.Op, vs)
	case n.Field == "birthday_month":
		months := make([]any, len(vs))
		for i, v := range vs {
			months[i] = fmt.Sprintf("%02d", v.(int64))
		}
		return b.compare("substr("+b.c+"birthday, 6, 2)", n.Op, months)
	case n.Field == "lunar_birthday":
		v := int64(0)
		if vs[0].(bool) {
			v = 1
		}
		return b.compare(b.c+"lunar_birthday", n.Op, []any{v})
	case f.Type == segment.TypeCustom:
		return b.custom(strings.TrimPrefix(n.Field, segment.CustomPrefix), n.Op, vs)
	}
	col, ok := filterColumns[n.Field]
	expr := b.c + col
	if !ok {
		col, ok = holdingColumns[n.Field]
		expr = "fh." + col
	}
	if !ok {
		return b.fail(guanxi.Invalid(guanxi.Field(path+".field", "validation.filter_field")))
	}
	switch f.Type {
	case segment.TypeDatetime:
		return b.datetime(expr, nullableColumns[col], n.Op, vs)
	case segment.TypeDate:
		return b.date(expr, n.Op, vs)
	}
	return b.compare(expr, n.Op, vs)
}

// compare handles the operators shared by text, number and id columns
// that are NOT NULL.
func (b *filterBuilder) compare(expr, op string, vs []any) string {
	switch op {
	case segment.OpEq:
		return expr + " = " + b.arg(vs[0])
	case segment.OpNe:
		return expr + " <> " + b.arg(vs[0])
	case segment.OpIn:
		return expr + " IN " + b.list(vs)
	case segment.OpNin:
		return expr + " NOT IN " + b.list(vs)
	case segment.OpGt:
		return expr + " > " + b.arg(vs[0])
	case segment.OpGte:
		return expr + " >= " + b.arg(vs[0])
	case segment.OpLt:
		return expr + " < " + b.arg(vs[0])
	case segment.OpLte:
		return expr + " <= " + b.arg(vs[0])
	case segment.OpBetween:
		return "(" + expr + " >= " + b.arg(vs[0]) + " AND " + expr + " <= " + b.arg(vs[1]) + ")"
	case segment.OpContains:
		// instr/strpos: case-sensitive on both engines and no LIKE escaping.
		if b.pg {
			return "strpos(" + expr + ", " + b.arg(vs[0]) + ") > 0"
		}
		return "instr(" + expr + ", " + b.arg(vs[0]) + ") > 0"
	case segment.OpPrefix:
		s := vs[0].(string)
		return "substr(" + expr + ", 1, " + b.arg(int64(utf8.RuneCountInString(s))) + ") = " + b.arg(s)
	case segment.OpEmpty:
		return expr + " = ''"
	case segment.OpNotEmpty:
		return expr + " <> ''"
	}
	return b.fail(guanxi.Invalid(guanxi.Field("filter", "validation.filter_op")))
}

// date compares YYYY-MM-DD text columns; the empty string (unknown) never matches a
// range or equality.
func (b *filterBuilder) date(expr, op string, vs []any) string {
	switch op {
	case segment.OpEq, segment.OpNe, segment.OpEmpty, segment.OpNotEmpty:
		return b.compare(expr, op, vs)
	}
	return "(" + expr + " <> '' AND " + b.compare(expr, op, vs) + ")"
}

// datetime compares timestamps with time.Time arguments (both engines
// store UTC; SQLite text in the driver's sortable format).
func (b *filterBuilder) datetime(expr string, nullable bool, op string, vs []any) string {
	var p string
	switch op {
	case segment.OpEmpty:
		return expr + " IS NULL"
	case segment.OpNotEmpty:
		return expr + " IS NOT NULL"
	case segment.OpGt:
		if in := vs[0].(segment.Instant); in.DateOnly {
			p = expr + " >= " + b.arg(in.NextDay())
		} else {
			p = expr + " > " + b.arg(in.T)
		}
	case segment.OpGte:
		p = expr + " >= " + b.arg(vs[0].(segment.Instant).T)
	case segment.OpLt:
		p = expr + " < " + b.arg(vs[0].(segment.Instant).T)
	case segment.OpLte:
		p = b.upTo(expr, vs[0].(segment.Instant))
	case segment.OpBetween:
		p = expr + " >= " + b.arg(vs[0].(segment.Instant).T) + " AND " + b.upTo(expr, vs[1].(segment.Instant))
	default:
		return b.fail(guanxi.Invalid(guanxi.Field("filter", "validation.filter_op")))
	}
	if nullable {
		return "(" + expr + " IS NOT NULL AND " + p + ")"
	}
	return "(" + p + ")"
}

func (b *filterBuilder) upTo(expr string, in segment.Instant) string {
	if in.DateOnly {
		return expr + " < " + b.arg(in.NextDay())
	}
	return expr + " <= " + b.arg(in.T)
}

func (b *filterBuilder) tags(op string, vs []any) string {
	exists := "EXISTS (SELECT 1 FROM customer_tags ft WHERE ft.customer_id = " + b.c + "id"
	switch op {
	case segment.OpHasAny:
		return exists + " AND ft.tag IN " + b.list(vs) + ")"
	case segment.OpHasNone:
		return "NOT " + exists + " AND ft.tag IN " + b.list(vs) + ")"
	case segment.OpHasAll:
		parts := make([]string, len(vs))
		for i, v := range vs {
			// One primary-key probe (tag, customer_id) per tag.
			parts[i] = "EXISTS (SELECT 1 FROM customer_tags ft WHERE ft.tag = " + b.arg(v) + " AND ft.customer_id = " + b.c + "id)"
		}
		return "(" + strings.Join(parts, " AND ") + ")"
	case segment.OpEmpty:
		return "NOT " + exists + ")"
	case segment.OpNotEmpty:
		return exists + ")"
	}
	return b.fail(guanxi.Invalid(guanxi.Field("filter", "validation.filter_op")))
}

// orgUnit matches customers whose owner belongs to one of the units or to a
// unit below it (org paths are "/1/2/").
func (b *filterBuilder) orgUnit(op string, vs []any) string {
	sub := b.c + "owner_id IN (SELECT fu.id FROM users fu JOIN org_units fo ON fo.id = fu.org_unit_id " +
		"JOIN org_units fp ON fo.path LIKE fp.path || '%' WHERE fp.id IN " + b.list(vs) + ")"
	switch op {
	case segment.OpEq, segment.OpIn:
		return sub
	case segment.OpNe, segment.OpNin:
		return "NOT " + sub
	}
	return b.fail(guanxi.Invalid(guanxi.Field("filter", "validation.filter_op")))
}

// custom compiles a condition on one key of the custom JSON object. The key
// is a bound argument (a JSON path on SQLite, a key on PostgreSQL). String
// values compare the text, numbers the number (other JSON types never match).
func (b *filterBuilder) custom(key, op string, vs []any) string {
	text := func() string {
		if b.pg {
			return "(" + b.c + "custom::jsonb ->> CAST(" + b.arg(key) + " AS TEXT))"
		}
		return "json_extract(" + b.c + "custom, " + b.arg("$."+key) + ")"
	}
	num := func() string {
		if b.pg {
			return "(CASE WHEN jsonb_typeof(" + b.c + "custom::jsonb -> CAST(" + b.arg(key) + " AS TEXT)) = 'number' THEN (" +
				b.c + "custom::jsonb ->> CAST(" + b.arg(key) + " AS TEXT))::numeric END)"
		}
		return "(CASE WHEN json_type(" + b.c + "custom, " + b.arg("$."+key) + ") IN ('integer', 'real') THEN json_extract(" +
			b.c + "custom, " + b.arg("$."+key) + ") END)"
	}
	// Missing keys and other types give NULL; COALESCE keeps the result
	// two-valued so NOT and ne/nin include customers without the key.
	two := func(p string) string { return "COALESCE(" + p + ", FALSE)" }
	exprFor := func(v any) string {
		if _, ok := v.(string); ok {
			return text()
		}
		return num()
	}
	switch op {
	case segment.OpBetween:
		// The expression carries its own placeholders: build it once per use.
		lo := exprFor(vs[0]) + " >= " + b.arg(vs[0])
		hi := exprFor(vs[1]) + " <= " + b.arg(vs[1])
		return two("(" + lo + " AND " + hi + ")")
	case segment.OpEmpty:
		t := text()
		return "(" + t + " IS NULL OR " + text() + " = '')"
	case segment.OpNotEmpty:
		return "COALESCE(" + text() + " <> '', FALSE)"
	case segment.OpNe:
		return "NOT " + two(b.compare(exprFor(vs[0]), segment.OpEq, vs))
	case segment.OpIn, segment.OpNin:
		var strs, nums []any
		for _, v := range vs {
			if _, ok := v.(string); ok {
				strs = append(strs, v)
			} else {
				nums = append(nums, v)
			}
		}
		var parts []string
		if len(strs) > 0 {
			parts = append(parts, two(text()+" IN "+b.list(strs)))
		}
		if len(nums) > 0 {
			parts = append(parts, two(num()+" IN "+b.list(nums)))
		}
		p := "(" + strings.Join(parts, " OR ") + ")"
		if op == segment.OpNin {
			return "NOT " + p
		}
		return p
	}
	return two(b.compare(exprFor(vs[0]), op, vs))
}
