package bulk

import (
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// headerUnit splits a header into its folded name and the money unit its
// brackets name, as a power of ten of 元: "贷款余额(元)" → ("贷款余额", 0),
// "金额（万元）" → ("金额", 4), "*客户名称" → ("客户名称", -1). unit is -1
// when the brackets name none; see unitSuffix for "金额/万元".
func headerUnit(h string) (name string, unit int) {
	h = HalfWidth(h)
	unit = -1
	var b strings.Builder
	depth := 0
	var inner strings.Builder
	for _, r := range h {
		switch r {
		case '(', '[', '【', '〔', '<', '《', '{':
			depth++
			continue
		case ')', ']', '】', '〕', '>', '》', '}':
			if depth > 0 {
				depth--
				if depth == 0 {
					if u := unitOf(inner.String()); u >= 0 {
						unit = u
					}
					inner.Reset()
				}
				continue
			}
		}
		if depth > 0 {
			inner.WriteRune(r)
		} else {
			b.WriteRune(r)
		}
	}
	return Fold(b.String()), unit
}

// unitSuffix splits a unit written after a folded header name ("金额万元",
// "金额/万元" folded): ("金额", 4, true). Only money columns use it, so a
// header that merely ends in 元 keeps its name for matching.
func unitSuffix(name string) (string, int, bool) {
	for _, u := range []struct {
		s   string
		exp int
	}{{"单位万元", 4}, {"单位元", 0}, {"万元", 4}, {"亿元", 8}, {"千元", 3}, {"元", 0}} {
		if len(name) > len(u.s) && strings.HasSuffix(name, u.s) {
			return strings.TrimSuffix(name, u.s), u.exp, true
		}
	}
	return name, -1, false
}

// unitOf finds a money unit in a header's bracketed note ("万元", "单位：元").
func unitOf(s string) int {
	s = Fold(s)
	switch {
	case strings.Contains(s, "亿"):
		return 8
	case strings.Contains(s, "万"):
		return 4
	case strings.Contains(s, "千元"):
		return 3
	case strings.Contains(s, "元"), s == "rmb", s == "cny":
		return 0
	}
	return -1
}

// synonymIndex maps folded synonyms to the first field naming them;
// custom fields come first, as an admin who names a field "车牌" means it.
func synonymIndex(fields []Field) map[string]int {
	idx := make(map[string]int, len(fields)*6)
	for pass := range 2 {
		for i, f := range fields {
			if strings.HasPrefix(f.Key, "custom.") != (pass == 0) {
				continue
			}
			for _, s := range append([]string{f.Key}, f.Synonyms...) {
				k := Fold(s)
				if _, ok := idx[k]; !ok && k != "" {
					idx[k] = i
				}
			}
		}
	}
	return idx
}

// AutoMap proposes a field key for each header column ("" when unknown).
// Exact names win over partial ones, and no field is given to two columns:
// the first column naming it keeps it.
func AutoMap(e Entity, header []string, defs []customer.FieldDef) []string {
	return autoMap(Fields(e, defs), header, make([]string, len(header)))
}

// autoMap fills the empty entries of m.
func autoMap(fields []Field, header []string, m []string) []string {
	idx := synonymIndex(fields)
	taken := map[string]bool{}
	for _, k := range m {
		if k != "" {
			taken[k] = true
		}
	}
	names := make([]string, len(header))
	for i, h := range header {
		names[i], _ = headerUnit(h)
	}
	// Pass 1: the folded header is a synonym, or a money synonym followed
	// by its unit ("金额万元").
	for i, n := range names {
		if m[i] != "" || n == "" {
			continue
		}
		fi, ok := idx[n]
		if !ok {
			if base, _, has := unitSuffix(n); has {
				if fi, ok = idx[base]; ok && fields[fi].Kind != KindMoney {
					ok = false
				}
			}
		}
		if ok && !taken[fields[fi].Key] {
			m[i] = fields[fi].Key
			taken[m[i]] = true
		}
	}
	// Pass 2: the header contains a synonym ("客户手机号码" ∋ "手机号码");
	// the longest one wins. Short synonyms ("市", "id") only match whole.
	for i, n := range names {
		if m[i] != "" || n == "" {
			continue
		}
		best, bestLen, bestFi := "", 0, 0
		for syn, fi := range idx {
			if !containable(syn) || len(syn) < bestLen || (len(syn) == bestLen && fi >= bestFi) ||
				taken[fields[fi].Key] || !strings.Contains(n, syn) {
				continue
			}
			best, bestLen, bestFi = fields[fi].Key, len(syn), fi
		}
		if best != "" {
			m[i] = best
			taken[best] = true
		}
	}
	return m
}

// containable reports whether a synonym is distinctive enough to be found
// inside a longer header: two Chinese characters or five letters.
func containable(syn string) bool {
	n := utf8.RuneCountInString(syn)
	if n == len(syn) {
		return n >= 5
	}
	return n >= 2
}

// ApplyTemplate maps a header with a template's header→field columns
// (matching headers the way AutoMap does); unmatched columns fall back to
// AutoMap.
func ApplyTemplate(t Template, header []string, defs []customer.FieldDef) []string {
	fields := Fields(t.Entity, defs)
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.Key] = true
	}
	byName := make(map[string]string, len(t.Columns))
	for h, k := range t.Columns {
		if n, _ := headerUnit(h); n != "" && known[k] {
			byName[n] = k
		}
	}
	m := make([]string, len(header))
	taken := map[string]bool{}
	for i, h := range header {
		n, _ := headerUnit(h)
		if k, ok := byName[n]; ok && !taken[k] {
			m[i] = k
			taken[k] = true
		}
	}
	return autoMap(fields, header, m)
}

// Mapping problems, as message keys.
const (
	keyMappedTwice      = "import.problem.mapped_twice"
	keyRequiredUnmapped = "import.problem.required_unmapped"
	keyUnknownField     = "import.problem.unknown_field"
	keyNoHeader         = "import.file.no_header"
)

// keyOf is o's key with its default.
func keyOf(o Options) Key {
	if o.Key == "" {
		return KeyNumber
	}
	return o.Key
}

// CheckMapping reports what makes o.Mapping unusable for the header: a field
// mapped twice, a required field or the key missing, or nothing mapped. The
// error is a *guanxi.Error (Invalid) whose Fields list every problem, the
// first one also being its Key.
func CheckMapping(header []string, o Options, defs []customer.FieldDef) error {
	fields := Fields(o.Entity, defs)
	if fields == nil {
		return guanxi.InvalidKey("import.problem.unknown_entity", map[string]any{"entity": string(o.Entity)})
	}
	known := make(map[string]Field, len(fields))
	for _, f := range fields {
		known[f.Key] = f
	}
	var f guanxi.Fields
	cols := map[string][]int{}
	mapped := 0
	for i, k := range o.Mapping {
		if k == "" {
			continue
		}
		if _, ok := known[k]; !ok {
			f.Add(k, keyUnknownField, map[string]any{"field": k, "column": i + 1})
			continue
		}
		mapped++
		cols[k] = append(cols[k], i)
	}
	if mapped == 0 && len(f) == 0 {
		return guanxi.InvalidKey(keyNoHeader, nil)
	}
	for _, fd := range fields {
		if c := cols[fd.Key]; len(c) > 1 {
			names := make([]string, len(c))
			for j, i := range c {
				names[j] = headerAt(header, i)
			}
			f.Add(fd.Key, keyMappedTwice, map[string]any{"field": fd.Key, "columns": strings.Join(names, ", ")})
		}
	}
	for _, k := range requiredFields(o, fields) {
		if len(cols[k]) == 0 {
			f.Add(k, keyRequiredUnmapped, map[string]any{"field": k})
		}
	}
	if len(f) == 0 {
		return nil
	}
	return &guanxi.Error{Kind: guanxi.KindInvalid, Key: f[0].Key, Args: f[0].Args, Fields: f}
}

// requiredFields are the fields a mapping must include for o.
func requiredFields(o Options, fields []Field) []string {
	var req []string
	if o.Entity == Customers {
		if o.Mode != ModeUpdate {
			req = append(req, "name")
		}
		if o.Mode == ModeUpdate || o.Mode == ModeUpsert {
			req = append(req, string(keyOf(o)))
		}
		for _, f := range fields {
			if f.Required && f.Key != "name" && o.Mode != ModeUpdate {
				req = append(req, f.Key) // required custom fields
			}
		}
		return req
	}
	req = append(req, customerKeyPrefix+string(keyOf(o)))
	for _, f := range fields {
		if f.Required {
			req = append(req, f.Key)
		}
	}
	return req
}

func headerAt(header []string, i int) string {
	if i >= 0 && i < len(header) {
		return header[i]
	}
	return ""
}
