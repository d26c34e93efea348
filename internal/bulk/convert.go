package bulk

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Conversion problems, as message keys (domain validation adds its own
// validation.* keys).
const (
	keyExtraCells = "import.problem.extra_cells"
	keyBadDate    = "import.problem.bad_date"
	keyBadTime    = "import.problem.bad_time"
	keyBadEnum    = "import.problem.bad_enum"
	keyBadBool    = "import.problem.bad_bool"
	keyBadInt     = "import.problem.bad_int"
	keyBadNumber  = "import.problem.bad_number"
	keyBadChoice  = "import.problem.bad_choice"
	keyKeyMissing = "import.problem.key_missing"
)

// column is one mapped file column.
type column struct {
	idx    int
	key    string
	kind   FieldKind
	enum   string
	unit   int // money unit of the header as a power of ten of 元 (0: 元)
	def    *customer.FieldDef
	header string
}

// Converter turns rows into records with o's mapping. It is not safe for
// concurrent use; make one per goroutine.
type Converter struct {
	o      Options
	key    Key
	header []string
	cols   []column
	colOf  map[string]int
	defs   []customer.FieldDef
	loc    *time.Location
}

// NewConverter prepares a converter for the header. It fails when the
// mapping does not pass CheckMapping.
func NewConverter(header []string, o Options, defs []customer.FieldDef) (*Converter, error) {
	if err := CheckMapping(header, o, defs); err != nil {
		return nil, err
	}
	c := &Converter{o: o, key: keyOf(o), header: header, colOf: map[string]int{}, defs: defs, loc: o.Loc}
	if c.o.Currency == "" {
		c.o.Currency = "CNY"
	}
	if c.loc == nil {
		if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
			c.loc = l
		} else {
			c.loc = time.FixedZone("CST", 8*3600) // no tzdata on the host
		}
	}
	byKey := map[string]Field{}
	for _, f := range Fields(o.Entity, defs) {
		byKey[f.Key] = f
	}
	for i, k := range o.Mapping {
		f, ok := byKey[k]
		if k == "" || !ok {
			continue
		}
		col := column{idx: i, key: k, kind: f.Kind, enum: enumName(o.Entity, k), header: headerAt(header, i)}
		var name string
		name, col.unit = headerUnit(col.header)
		if col.unit < 0 && f.Kind == KindMoney {
			_, col.unit, _ = unitSuffix(name)
		}
		col.unit = max(col.unit, 0)
		if ck, ok := strings.CutPrefix(k, "custom."); ok {
			for j := range defs {
				if defs[j].Key == ck {
					col.def = &defs[j]
				}
			}
		}
		c.colOf[k] = i
		c.cols = append(c.cols, col)
	}
	return c, nil
}

// ColumnOf returns the 0-based file column mapped to an import field key
// ("mobile", "holding.amount", "custom.plate"), -1 when none is.
func (c *Converter) ColumnOf(field string) int {
	if i, ok := c.colOf[field]; ok {
		return i
	}
	return -1
}

// rowState collects one row's problems.
type rowState struct {
	c     *Converter
	row   Row
	probs []Problem
}

func (s *rowState) add(col *column, key string, args map[string]any) {
	p := Problem{Line: s.row.Line, Column: -1, Key: key, Args: args}
	if col != nil {
		p.Column, p.Header, p.Field = col.idx, col.header, col.key
		p.Value = cellAt(s.row.Cells, col.idx)
	}
	s.probs = append(s.probs, p)
}

// addField maps a domain validation error back to its column.
func (s *rowState) addField(fe guanxi.FieldError, prefix string, only []string) {
	key := importKey(s.c.o.Entity, fe.Field, prefix)
	if only != nil && !slices.Contains(only, key) {
		return
	}
	for _, p := range s.probs {
		if p.Field == key {
			return // the cell's own problem says it better
		}
	}
	if i := s.c.ColumnOf(key); i >= 0 {
		for j := range s.c.cols {
			if s.c.cols[j].idx == i {
				s.add(&s.c.cols[j], fe.Key, fe.Args)
				return
			}
		}
	}
	s.probs = append(s.probs, Problem{Line: s.row.Line, Column: -1, Field: key, Key: fe.Key, Args: fe.Args})
}

// importKey turns a domain field path ("tags[2]", "amount_minor") into the
// import field key naming its column.
func importKey(e Entity, field, prefix string) string {
	if i := strings.IndexByte(field, '['); i > 0 {
		field = field[:i]
	}
	switch field {
	case "amount_minor":
		field = "amount"
	case "balance_minor":
		field = "balance"
	case "attrs":
		field = "mileage"
	case "staff_name":
		field = "staff"
	}
	return prefix + field
}

func cellAt(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

// Convert normalises and validates one row. Empty cells leave their field
// unset (an update keeps the stored value). In ModeCreate the customer is
// validated in full; in update and upsert modes only the supplied fields
// are checked here and ValidateMerged checks the merged customer.
func (c *Converter) Convert(r Row) (Record, []Problem) {
	s := rowState{c: c, row: r}
	rec := Record{Line: r.Line}
	if len(r.Cells) > len(c.header) {
		for i := len(c.header); i < len(r.Cells); i++ {
			if CleanText(r.Cells[i]) != "" {
				s.probs = append(s.probs, Problem{Line: r.Line, Column: i, Key: keyExtraCells, Value: r.Cells[i],
					Args: map[string]any{"columns": len(c.header)}})
				break
			}
		}
	}
	switch c.o.Entity {
	case Customers:
		c.convertCustomer(&s, &rec)
	case Contacts:
		c.convertContact(&s, &rec)
	case Holdings:
		h := &customer.Holding{}
		kindSet := false
		for i := range c.cols {
			col := &c.cols[i]
			if v := CleanText(cellAt(r.Cells, col.idx)); v != "" && !c.childKey(&s, &rec, col, v) {
				kindSet = c.setHolding(&s, h, col, col.key, v) || kindSet
			}
		}
		c.finishHolding(&s, h, kindSet, "")
		rec.Holding = h
	case Transactions:
		c.convertTransaction(&s, &rec)
	case Interactions:
		c.convertInteraction(&s, &rec)
	}
	if c.o.Entity != Customers && rec.KeyValue == "" {
		col := c.colByKey(customerKeyPrefix + string(c.key))
		s.add(col, keyKeyMissing, map[string]any{"field": customerKeyPrefix + string(c.key)})
	}
	return rec, s.probs
}

func (c *Converter) colByKey(k string) *column {
	for i := range c.cols {
		if c.cols[i].key == k {
			return &c.cols[i]
		}
	}
	return nil
}

// childKey reads a customer.* key column of a child row; true when col was one.
func (c *Converter) childKey(s *rowState, rec *Record, col *column, v string) bool {
	k, ok := strings.CutPrefix(col.key, customerKeyPrefix)
	if !ok {
		return false
	}
	if Key(k) == c.key {
		rec.KeyValue = normKey(c.key, v)
	}
	return true
}

// normKey normalises a key value the way KeyOf reads it from a customer.
func normKey(k Key, v string) string {
	v = CleanText(HalfWidth(v))
	switch k {
	case KeyIDNumber:
		return strings.ToUpper(v)
	case KeyMobile:
		if IsMobile(v) {
			return v
		}
		return customer.NormalizePhone(CleanPhone(v))
	}
	return v
}

// KeyOf returns c's normalised value of key k.
func KeyOf(c *customer.Customer, k Key) string {
	switch k {
	case KeyIDNumber:
		return normKey(k, c.IDNumber)
	case KeyMobile:
		return normKey(k, c.Mobile)
	}
	return normKey(KeyNumber, c.Number)
}

func (c *Converter) enum(s *rowState, col *column, v string) (string, bool) {
	code, ok := ParseEnum(col.enum, v)
	if !ok {
		s.add(col, keyBadEnum, nil)
	}
	return code, ok
}

func (c *Converter) date(s *rowState, col *column, v string) (string, bool) {
	d, ok := ParseDate(v, c.o.Date1904)
	if !ok {
		s.add(col, keyBadDate, nil)
	}
	return d, ok
}

func (c *Converter) time(s *rowState, col *column, v string) (time.Time, bool) {
	t, ok := ParseTime(v, c.loc, c.o.Date1904)
	if !ok {
		s.add(col, keyBadTime, nil)
	}
	return t, ok
}

func (c *Converter) money(s *rowState, col *column, v string) (int64, bool) {
	n, key := ParseMoney(v, col.unit)
	if key != "" {
		s.add(col, key, nil)
		return 0, false
	}
	return n, true
}

func (c *Converter) boolean(s *rowState, col *column, v string) (bool, bool) {
	b, ok := ParseBool(v)
	if !ok {
		s.add(col, keyBadBool, nil)
	}
	return b, ok
}

func (c *Converter) convertCustomer(s *rowState, rec *Record) {
	cu := &rec.Customer
	rec.Set = make([]string, 0, len(c.cols))
	var h *customer.Holding
	holdingKind := false
	kindGiven, idTypeGiven := false, false
	for i := range c.cols {
		col := &c.cols[i]
		v := CleanText(cellAt(s.row.Cells, col.idx))
		if v == "" {
			continue
		}
		ok := true
		switch col.key {
		case "number":
			cu.Number = HalfWidth(v)
		case "name":
			cu.Name = v
		case "kind":
			var k string
			k, ok = c.enum(s, col, v)
			cu.Kind, kindGiven = customer.Kind(k), ok
		case "gender":
			cu.Gender, ok = c.enum(s, col, v)
		case "birthday":
			cu.Birthday, ok = c.date(s, col, v)
		case "lunar_birthday":
			cu.LunarBirthday, ok = c.boolean(s, col, v)
		case "id_type":
			var k string
			k, ok = c.enum(s, col, v)
			cu.IDType, idTypeGiven = customer.IDType(k), ok
		case "id_number":
			cu.IDNumber = strings.ToUpper(strings.ReplaceAll(HalfWidth(v), " ", ""))
		case "mobile":
			cu.Mobile = CleanPhone(v)
		case "phone":
			cu.Phone = CleanPhone(v)
		case "email":
			cu.Email = HalfWidth(v)
		case "wechat":
			cu.WeChat = HalfWidth(v)
		case "province":
			cu.Province = v
		case "city":
			cu.City = v
		case "district":
			cu.District = v
		case "address":
			cu.Address = v
		case "market":
			var k string
			k, ok = c.enum(s, col, v)
			cu.Market = customer.Market(k)
		case "industry":
			cu.Industry, ok = c.enum(s, col, v)
		case "source":
			cu.Source = v
		case "stage":
			var k string
			k, ok = c.enum(s, col, v)
			cu.Stage = customer.Stage(k)
		case "grade":
			cu.Grade = v
		case "tags":
			cu.Tags = splitList(v)
		case "notes":
			cu.Notes = v
		case "owner":
			rec.OwnerRef = v
			continue
		default:
			switch {
			case strings.HasPrefix(col.key, "consent."):
				var b bool
				if b, ok = c.boolean(s, col, v); ok {
					if cu.Consent == nil {
						cu.Consent = map[string]bool{}
					}
					cu.Consent[col.key[len("consent."):]] = b
				}
			case strings.HasPrefix(col.key, "holding."):
				if h == nil {
					h = &customer.Holding{}
				}
				holdingKind = c.setHolding(s, h, col, col.key[len("holding."):], v) || holdingKind
				continue
			case col.def != nil:
				var val any
				if val, ok = c.custom(s, col, v); ok {
					if cu.Custom == nil {
						cu.Custom = map[string]any{}
					}
					cu.Custom[col.def.Key] = val
				}
			default:
				continue
			}
		}
		if ok {
			rec.Set = append(rec.Set, col.key)
		}
	}
	// A mobile typed into the phone column belongs in mobile, and a
	// landline in the mobile column in phone.
	// The moved-from field leaves Set so an update does not clear it.
	if cu.Mobile == "" && IsMobile(cu.Phone) {
		cu.Mobile, cu.Phone = cu.Phone, ""
		rec.Set = replaceKey(rec.Set, "phone", "mobile")
	} else if cu.Phone == "" && IsLandline(cu.Mobile) {
		cu.Phone, cu.Mobile = cu.Mobile, ""
		rec.Set = replaceKey(rec.Set, "mobile", "phone")
	}
	if cu.IDNumber != "" && !idTypeGiven {
		cu.IDType = inferIDType(cu.IDNumber)
		rec.Set = append(rec.Set, "id_type")
	}
	if !kindGiven && (cu.IDType == customer.IDUSCC || looksLikeOrg(cu.Name)) {
		cu.Kind = customer.Org
		rec.Set = append(rec.Set, "kind")
	}
	cu.Normalize()
	var only []string
	if c.o.Mode != ModeCreate {
		only = rec.Set // the rest is checked on the merged customer
	}
	if err := customer.Validate(cu, c.defs); err != nil {
		s.addErr(err, "", only)
	}
	rec.KeyValue = KeyOf(cu, c.key)
	if h != nil {
		c.finishHolding(s, h, holdingKind, "holding.")
		rec.Holding = h
	}
}

// replaceKey replaces from with to in set (to is added once).
func replaceKey(set []string, from, to string) []string {
	set = slices.DeleteFunc(set, func(k string) bool { return k == from || k == to })
	return append(set, to)
}

// addErr reports a domain validation error field by field.
func (s *rowState) addErr(err error, prefix string, only []string) {
	var e *guanxi.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		s.probs = append(s.probs, Problem{Line: s.row.Line, Column: -1, Key: guanxi.AsError(err).Key})
		return
	}
	for _, fe := range e.Fields {
		s.addField(fe, prefix, only)
	}
}

// inferIDType guesses the document type of an ID number without a type
// column: a valid resident ID or USCC is one; 18 characters that fail both
// are most likely a mistyped resident ID (so the error says so).
func inferIDType(n string) customer.IDType {
	switch {
	case customer.ValidResidentID(n):
		return customer.IDResident
	case customer.ValidUSCC(n):
		return customer.IDUSCC
	case len(n) == 18 || len(n) == 15:
		if isDigits(n[:len(n)-1]) {
			return customer.IDResident
		}
		return customer.IDUSCC
	}
	return customer.IDOtherType
}

// looksLikeOrg reads an organisation from its name's usual endings.
func looksLikeOrg(name string) bool {
	if runeLen(name) < 4 {
		return false
	}
	for _, s := range []string{"公司", "集团", "合作社", "厂", "中心", "协会", "研究所", "事务所", "商行", "银行", "医院", "学校", "超市", "门市部", "经营部", "工作室", "Ltd", "Inc", "Co."} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// custom reads a custom field value typed per its definition.
func (c *Converter) custom(s *rowState, col *column, v string) (any, bool) {
	switch col.def.Type {
	case customer.FieldNumber:
		f, ok := ParseNumber(v)
		if !ok {
			s.add(col, keyBadNumber, nil)
		}
		return f, ok
	case customer.FieldDate:
		return c.date(s, col, v)
	case customer.FieldChoice:
		o, ok := matchOption(col.def.Options, v)
		if !ok {
			s.add(col, keyBadChoice, map[string]any{"options": strings.Join(col.def.Options, ", ")})
		}
		return o, ok
	case customer.FieldMulti:
		parts := splitList(v)
		for i, p := range parts {
			o, ok := matchOption(col.def.Options, p)
			if !ok {
				s.add(col, keyBadChoice, map[string]any{"options": strings.Join(col.def.Options, ", ")})
				return nil, false
			}
			parts[i] = o
		}
		return parts, true
	}
	return v, true
}

func matchOption(options []string, v string) (string, bool) {
	if slices.Contains(options, v) {
		return v, true
	}
	f := Fold(v)
	for _, o := range options {
		if Fold(o) == f {
			return o, true
		}
	}
	return "", false
}
