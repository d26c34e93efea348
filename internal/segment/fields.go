package segment

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Type is the value type of a filterable field; it decides the operators
// and the shape of values.
type Type string

const (
	TypeString   Type = "string"
	TypeID       Type = "id"
	TypeTags     Type = "tags"
	TypeDatetime Type = "datetime"
	TypeDate     Type = "date"
	TypeMonth    Type = "month"
	TypeBool     Type = "bool"
	TypeNumber   Type = "number"
	// TypeCustom is a custom field: text or number values, compared as
	// text or as numbers depending on the value given.
	TypeCustom Type = "custom"
)

// Operators.
const (
	OpEq       = "eq"
	OpNe       = "ne"
	OpIn       = "in"
	OpNin      = "nin"
	OpContains = "contains"
	OpPrefix   = "prefix"
	OpGt       = "gt"
	OpGte      = "gte"
	OpLt       = "lt"
	OpLte      = "lte"
	OpBetween  = "between"
	OpEmpty    = "empty"
	OpNotEmpty = "not_empty"
	OpHasAny   = "has_any"
	OpHasAll   = "has_all"
	OpHasNone  = "has_none"
)

var opsByType = map[Type][]string{
	TypeString:   {OpEq, OpNe, OpIn, OpNin, OpContains, OpPrefix, OpEmpty, OpNotEmpty},
	TypeID:       {OpEq, OpNe, OpIn, OpNin},
	TypeTags:     {OpHasAny, OpHasAll, OpHasNone, OpEmpty, OpNotEmpty},
	TypeDatetime: {OpGt, OpGte, OpLt, OpLte, OpBetween, OpEmpty, OpNotEmpty},
	TypeDate:     {OpEq, OpNe, OpGt, OpGte, OpLt, OpLte, OpBetween, OpEmpty, OpNotEmpty},
	TypeMonth:    {OpEq, OpNe, OpIn, OpNin, OpBetween},
	TypeBool:     {OpEq, OpNe},
	TypeNumber:   {OpEq, OpNe, OpIn, OpNin, OpGt, OpGte, OpLt, OpLte, OpBetween},
	TypeCustom:   {OpEq, OpNe, OpIn, OpNin, OpContains, OpPrefix, OpGt, OpGte, OpLt, OpLte, OpBetween, OpEmpty, OpNotEmpty},
}

// FieldInfo describes one filterable field for UIs and for the compiler.
type FieldInfo struct {
	Name   string   `json:"name"`
	Type   Type     `json:"type"`
	Ops    []string `json:"ops"`
	Label  string   `json:"label"`            // message key, "field.<name>"
	Values []string `json:"values,omitempty"` // the allowed values of an enumeration
}

func (f FieldInfo) allows(op string) bool { return slices.Contains(f.Ops, op) }

// CustomPrefix starts the name of a custom field condition: "custom.<key>".
const CustomPrefix = "custom."

var customKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func field(name string, t Type, values ...string) FieldInfo {
	return FieldInfo{Name: name, Type: t, Ops: opsByType[t], Label: "field." + name, Values: values}
}

// fields is the allow-list, in the order UIs show it.
var fields = []FieldInfo{
	field("kind", TypeString, "person", "org"),
	field("stage", TypeString, "prospect", "customer", "dormant", "lost"),
	field("market", TypeString, "agri", "corporate", "personal"),
	field("industry", TypeString),
	field("province", TypeString),
	field("city", TypeString),
	field("district", TypeString),
	field("source", TypeString),
	field("grade", TypeString),
	field("gender", TypeString, "male", "female"),
	field("owner_id", TypeID),
	field("org_unit_id", TypeID),
	field("tags", TypeTags),
	field("created_at", TypeDatetime),
	field("updated_at", TypeDatetime),
	field("last_contact_at", TypeDatetime),
	field("birthday", TypeDate),
	field("birthday_month", TypeMonth),
	field("lunar_birthday", TypeBool),
	field("holding.kind", TypeString, "vehicle", "loan", "deposit", "subscription", "property", "policy", "other"),
	field("holding.model", TypeString),
	field("holding.status", TypeString),
	field("holding.due_on", TypeDate),
	field("holding.balance_minor", TypeNumber),
	field("holding.amount_minor", TypeNumber),
}

// FieldList returns the filterable fields with their types and operators.
// Custom fields appear once as "custom.*" (type custom); the UI lists the
// defined keys from the custom field definitions.
func FieldList() []FieldInfo {
	out := make([]FieldInfo, 0, len(fields)+1)
	for _, f := range fields {
		f.Ops = slices.Clone(f.Ops)
		f.Values = slices.Clone(f.Values)
		out = append(out, f)
	}
	c := field("custom", TypeCustom)
	c.Name = CustomPrefix + "*"
	return append(out, c)
}

// Lookup returns the allow-listed field called name, including custom.<key>.
func Lookup(name string) (FieldInfo, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	if key, ok := strings.CutPrefix(name, CustomPrefix); ok && customKey.MatchString(key) {
		f := field("custom", TypeCustom)
		f.Name = name
		return f, true
	}
	return FieldInfo{}, false
}

// Instant is a datetime filter value. DateOnly values ("2024-05-01") stand
// for the whole day in China time (UTC+8), so "lte 2024-05-01" includes
// that day and "gt 2024-05-01" starts the next.
type Instant struct {
	T        time.Time // UTC
	DateOnly bool
}

// NextDay is the start of the following day for a DateOnly value.
func (i Instant) NextDay() time.Time { return i.T.AddDate(0, 0, 1) }

// chinaTime is UTC+8; China has no daylight saving, and a fixed zone needs
// no tzdata on the host.
var chinaTime = time.FixedZone("UTC+8", 8*3600)

// Values returns the condition's values normalised for its field type:
// string for string, tags, date and text custom values; int64 for ids,
// numbers, months and integral custom numbers; float64 for other custom
// numbers; bool; Instant for datetimes. Scalar operators give one value,
// between two, empty/not_empty none. path prefixes error field paths.
func Values(n *Node, path string) ([]any, error) {
	f, ok := Lookup(n.Field)
	if !ok {
		return nil, invalid(path+".field", "validation.filter_field", nil)
	}
	vpath := path + ".value"
	var raw []any
	switch n.Op {
	case OpEmpty, OpNotEmpty:
		if n.Value != nil {
			return nil, invalid(vpath, "validation.filter_value", nil)
		}
		return nil, nil
	case OpIn, OpNin, OpHasAny, OpHasAll, OpHasNone, OpBetween:
		list, ok := toList(n.Value)
		if !ok {
			return nil, invalid(vpath, "validation.filter_value", nil)
		}
		if n.Op == OpBetween && len(list) != 2 {
			return nil, invalid(vpath, "validation.filter_between", nil)
		}
		if len(list) == 0 || len(list) > MaxListLen {
			return nil, invalid(vpath, "validation.filter_list", map[string]any{"max": MaxListLen})
		}
		raw = list
	default:
		if n.Value == nil {
			return nil, invalid(vpath, "validation.filter_value", nil)
		}
		if _, isList := toList(n.Value); isList {
			return nil, invalid(vpath, "validation.filter_value", nil)
		}
		raw = []any{n.Value}
	}
	out := make([]any, len(raw))
	for i, v := range raw {
		p := vpath
		if len(raw) > 1 || n.Op == OpIn || n.Op == OpNin || n.Op == OpHasAny || n.Op == OpHasAll || n.Op == OpHasNone {
			p = vpath + "[" + itoa(i) + "]"
		}
		x, err := scalar(f, n.Op, v, p)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	if n.Op == OpBetween && f.Type == TypeCustom {
		if _, s0 := out[0].(string); s0 != isString(out[1]) {
			return nil, invalid(vpath, "validation.filter_value", nil)
		}
	}
	return out, nil
}

func isString(v any) bool { _, ok := v.(string); return ok }

func scalar(f FieldInfo, op string, v any, path string) (any, error) {
	bad := func() (any, error) { return nil, invalid(path, "validation.filter_value", nil) }
	switch f.Type {
	case TypeString, TypeTags:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if err := checkString(s, path); err != nil {
			return nil, err
		}
		if f.Values != nil && (op == OpEq || op == OpNe || op == OpIn || op == OpNin) && !slices.Contains(f.Values, s) {
			return nil, invalid(path, "validation.enum", nil)
		}
		return s, nil
	case TypeID, TypeNumber, TypeMonth:
		i, ok := toInt(v)
		if !ok {
			return bad()
		}
		if f.Type == TypeID && i <= 0 || f.Type == TypeMonth && (i < 1 || i > 12) {
			return bad()
		}
		return i, nil
	case TypeBool:
		b, ok := v.(bool)
		if !ok {
			return bad()
		}
		return b, nil
	case TypeDate:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, invalid(path, "validation.date", nil)
		}
		return s, nil
	case TypeDatetime:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if d, err := time.ParseInLocation(time.DateOnly, s, chinaTime); err == nil {
			return Instant{T: d.UTC(), DateOnly: true}, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || t.Year() < 1 || t.Year() > 9999 {
			return nil, invalid(path, "validation.filter_datetime", nil)
		}
		return Instant{T: t.UTC()}, nil
	case TypeCustom:
		switch x := v.(type) {
		case string:
			if err := checkString(x, path); err != nil {
				return nil, err
			}
			return x, nil
		case bool:
			return bad()
		}
		if op == OpContains || op == OpPrefix {
			return bad()
		}
		if i, ok := toInt(v); ok {
			return i, nil
		}
		if fl, ok := toFloat(v); ok {
			return fl, nil
		}
		return bad()
	}
	return bad()
}

func checkString(s, path string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return invalid(path, "validation.filter_value", nil)
	}
	if utf8.RuneCountInString(s) > MaxStringLen {
		return invalid(path, "validation.too_long", map[string]any{"max": MaxStringLen})
	}
	return nil
}

func toList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i := range x {
			out[i] = x[i]
		}
		return out, true
	case []int64:
		out := make([]any, len(x))
		for i := range x {
			out[i] = x[i]
		}
		return out, true
	case []int:
		out := make([]any, len(x))
		for i := range x {
			out[i] = x[i]
		}
		return out, true
	}
	return nil, false
}

func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		return i, err == nil
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case float64:
		return x, !math.IsInf(x, 0) && !math.IsNaN(x)
	}
	return 0, false
}
