package customer

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

var (
	mobileRe  = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landRe    = regexp.MustCompile(`^(0[0-9]{2,3}-?)?[0-9]{7,8}(-[0-9]{1,6})?$`)
	wechatRe  = regexp.MustCompile(`^[A-Za-z][-_A-Za-z0-9]{5,19}$`)
	keyRe     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	tagMaxLen = 32
)

// NormalizePhone strips spaces, dashes around a mobile and a +86 prefix.
func NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+86")
	s = strings.TrimPrefix(s, "0086")
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, s)
	if d := strings.ReplaceAll(s, "-", ""); mobileRe.MatchString(d) {
		return d
	}
	return s
}

func validDate(s string) bool {
	if s == "" {
		return true
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Normalize trims and canonicalises c in place before validation.
func (c *Customer) Normalize() {
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&c.Name, &c.Gender, &c.Birthday, &c.Email, &c.WeChat, &c.Province,
		&c.City, &c.District, &c.Address, &c.Industry, &c.Source, &c.Grade, &c.Notes} {
		trim(p)
	}
	c.IDNumber = strings.ToUpper(strings.TrimSpace(c.IDNumber))
	c.Mobile = NormalizePhone(c.Mobile)
	c.Phone = NormalizePhone(c.Phone)
	c.Email = strings.ToLower(c.Email)
	if c.Kind == "" {
		c.Kind = Person
	}
	if c.Stage == "" {
		c.Stage = StageProspect
	}
	seen := map[string]bool{}
	tags := c.Tags[:0:0]
	for _, t := range c.Tags {
		t = strings.TrimSpace(t)
		if t != "" && !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	c.Tags = tags
	if c.Kind == Person && c.IDType == IDResident && ValidResidentID(c.IDNumber) {
		if c.Birthday == "" {
			c.Birthday = BirthdayFromResidentID(c.IDNumber)
		}
		if c.Gender == "" {
			c.Gender = GenderFromResidentID(c.IDNumber)
		}
	}
}

// Validate checks c against the archive rules and the custom field
// definitions. Field names are the JSON names of the API.
func Validate(c *Customer, defs []FieldDef) error {
	var f guanxi.Fields
	if c.Kind != Person && c.Kind != Org {
		f.Add("kind", "validation.enum")
	}
	if c.Name == "" {
		f.Add("name", "validation.required")
	} else if utf8.RuneCountInString(c.Name) > 100 {
		f.Add("name", "validation.too_long", map[string]any{"max": 100})
	}
	if c.Gender != "" && c.Gender != "male" && c.Gender != "female" {
		f.Add("gender", "validation.enum")
	}
	if !validDate(c.Birthday) {
		f.Add("birthday", "validation.date")
	} else if c.Birthday != "" && c.Birthday > time.Now().Format(time.DateOnly) {
		f.Add("birthday", "validation.future_date")
	}
	switch c.IDType {
	case IDNone:
		if c.IDNumber != "" {
			f.Add("id_type", "validation.required")
		}
	case IDResident:
		if c.IDNumber == "" {
			f.Add("id_number", "validation.required")
		} else if !ValidResidentID(c.IDNumber) {
			f.Add("id_number", "validation.resident_id")
		} else if c.Kind == Org {
			f.Add("id_type", "validation.id_type_kind")
		}
	case IDUSCC:
		if c.IDNumber == "" {
			f.Add("id_number", "validation.required")
		} else if !ValidUSCC(c.IDNumber) {
			f.Add("id_number", "validation.uscc")
		}
	case IDPassport, IDOtherType:
		if c.IDNumber == "" {
			f.Add("id_number", "validation.required")
		} else if len(c.IDNumber) > 32 {
			f.Add("id_number", "validation.too_long", map[string]any{"max": 32})
		}
	default:
		f.Add("id_type", "validation.enum")
	}
	if c.Mobile != "" && !mobileRe.MatchString(c.Mobile) {
		f.Add("mobile", "validation.mobile")
	}
	if c.Phone != "" && !landRe.MatchString(c.Phone) && !mobileRe.MatchString(c.Phone) {
		f.Add("phone", "validation.phone")
	}
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			f.Add("email", "validation.email")
		}
	}
	if c.WeChat != "" && !wechatRe.MatchString(c.WeChat) && !mobileRe.MatchString(c.WeChat) {
		f.Add("wechat", "validation.wechat")
	}
	if c.Market != "" && !slices.Contains(Markets, c.Market) {
		f.Add("market", "validation.enum")
	}
	if c.Industry != "" && !slices.Contains(Industries, c.Industry) {
		f.Add("industry", "validation.enum")
	}
	if !slices.Contains(Stages, c.Stage) {
		f.Add("stage", "validation.enum")
	}
	for i, t := range c.Tags {
		if utf8.RuneCountInString(t) > tagMaxLen || strings.ContainsAny(t, ",;") {
			f.Add(fmt.Sprintf("tags[%d]", i), "validation.tag")
		}
	}
	if len(c.Tags) > 50 {
		f.Add("tags", "validation.too_many", map[string]any{"max": 50})
	}
	for k := range c.Consent {
		if !slices.Contains(ConsentChannels, k) {
			f.Add("consent."+k, "validation.unknown_field")
		}
	}
	for _, long := range []struct {
		name string
		v    string
		max  int
	}{{"address", c.Address, 200}, {"notes", c.Notes, 4000}, {"source", c.Source, 50},
		{"grade", c.Grade, 20}, {"province", c.Province, 20}, {"city", c.City, 30}, {"district", c.District, 30}} {
		if utf8.RuneCountInString(long.v) > long.max {
			f.Add(long.name, "validation.too_long", map[string]any{"max": long.max})
		}
	}
	validateCustom(c, defs, &f)
	return f.Err()
}

// validateCustom checks custom values against their definitions and
// normalises them to JSON-friendly types (number → float64, multi → []string).
func validateCustom(c *Customer, defs []FieldDef, f *guanxi.Fields) {
	byKey := map[string]FieldDef{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	if c.Custom == nil {
		c.Custom = map[string]any{}
	}
	for k, v := range c.Custom {
		d, ok := byKey[k]
		path := "custom." + k
		if !ok {
			f.Add(path, "validation.unknown_field")
			continue
		}
		if v == nil || v == "" {
			delete(c.Custom, k)
			continue
		}
		switch d.Type {
		case FieldText:
			s, ok := v.(string)
			if !ok || utf8.RuneCountInString(s) > 500 {
				f.Add(path, "validation.text")
			}
		case FieldNumber:
			switch n := v.(type) {
			case float64, int, int64:
			case string:
				x, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
				if err != nil {
					f.Add(path, "validation.number")
				} else {
					c.Custom[k] = x
				}
			default:
				f.Add(path, "validation.number")
			}
		case FieldDate:
			s, ok := v.(string)
			if !ok || !validDate(s) {
				f.Add(path, "validation.date")
			}
		case FieldChoice:
			s, ok := v.(string)
			if !ok || !slices.Contains(d.Options, s) {
				f.Add(path, "validation.enum")
			}
		case FieldMulti:
			var vals []string
			switch x := v.(type) {
			case []string:
				vals = x
			case []any:
				for _, e := range x {
					s, ok := e.(string)
					if !ok {
						f.Add(path, "validation.enum")
						break
					}
					vals = append(vals, s)
				}
			default:
				f.Add(path, "validation.enum")
			}
			for _, s := range vals {
				if !slices.Contains(d.Options, s) {
					f.Add(path, "validation.enum")
					break
				}
			}
			c.Custom[k] = vals
		}
	}
	for _, d := range defs {
		if _, ok := c.Custom[d.Key]; d.Required && !ok {
			f.Add("custom."+d.Key, "validation.required")
		}
	}
}

// ValidateFieldDef checks an admin's custom field definition.
func ValidateFieldDef(d *FieldDef) error {
	var f guanxi.Fields
	d.Key = strings.TrimSpace(d.Key)
	if !keyRe.MatchString(d.Key) {
		f.Add("key", "validation.field_key")
	}
	if strings.TrimSpace(d.LabelZh) == "" {
		f.Add("label_zh", "validation.required")
	}
	if strings.TrimSpace(d.LabelEn) == "" {
		f.Add("label_en", "validation.required")
	}
	if !slices.Contains(FieldTypes, d.Type) {
		f.Add("type", "validation.enum")
	}
	if (d.Type == FieldChoice || d.Type == FieldMulti) && len(d.Options) == 0 {
		f.Add("options", "validation.required")
	}
	return f.Err()
}

// ValidateHolding checks and normalises a holding.
func ValidateHolding(h *Holding) error {
	var f guanxi.Fields
	h.Name, h.Reference, h.Model, h.Status = strings.TrimSpace(h.Name), strings.TrimSpace(h.Reference), strings.TrimSpace(h.Model), strings.TrimSpace(h.Status)
	if h.Currency == "" {
		h.Currency = "CNY"
	}
	if !slices.Contains(HoldingKinds, h.Kind) {
		f.Add("kind", "validation.enum")
	}
	if len(h.Currency) != 3 {
		f.Add("currency", "validation.currency")
	}
	if !validDate(h.OpenedOn) {
		f.Add("opened_on", "validation.date")
	}
	if !validDate(h.DueOn) {
		f.Add("due_on", "validation.date")
	}
	if h.OpenedOn != "" && h.DueOn != "" && h.DueOn < h.OpenedOn {
		f.Add("due_on", "validation.date_order")
	}
	if h.AmountMinor < 0 {
		f.Add("amount_minor", "validation.negative")
	}
	if h.BalanceMinor < 0 {
		f.Add("balance_minor", "validation.negative")
	}
	for name, v := range map[string]string{"name": h.Name, "reference": h.Reference, "model": h.Model, "status": h.Status} {
		if utf8.RuneCountInString(v) > 100 {
			f.Add(name, "validation.too_long", map[string]any{"max": 100})
		}
	}
	if h.Kind == "vehicle" && h.Reference != "" && len(h.Reference) != 17 {
		f.Add("reference", "validation.vin")
	}
	if h.Attrs == nil {
		h.Attrs = map[string]any{}
	}
	validateAttrs(&f, h.Attrs)
	return f.Err()
}

// ValidateContact checks and normalises a contact.
func ValidateContact(ct *Contact) error {
	var f guanxi.Fields
	ct.Name = strings.TrimSpace(ct.Name)
	ct.Mobile, ct.Phone = NormalizePhone(ct.Mobile), NormalizePhone(ct.Phone)
	ct.Email = strings.ToLower(strings.TrimSpace(ct.Email))
	if ct.Name == "" {
		f.Add("name", "validation.required")
	}
	if ct.Mobile != "" && !mobileRe.MatchString(ct.Mobile) {
		f.Add("mobile", "validation.mobile")
	}
	if ct.Phone != "" && !landRe.MatchString(ct.Phone) && !mobileRe.MatchString(ct.Phone) {
		f.Add("phone", "validation.phone")
	}
	if ct.Email != "" {
		if a, err := mail.ParseAddress(ct.Email); err != nil || a.Address != ct.Email {
			f.Add("email", "validation.email")
		}
	}
	return f.Err()
}

// ValidateTransaction checks a transaction.
func ValidateTransaction(t *Transaction) error {
	var f guanxi.Fields
	if t.Currency == "" {
		t.Currency = "CNY"
	}
	if !slices.Contains(TransactionKinds, t.Kind) {
		f.Add("kind", "validation.enum")
	}
	if t.AmountMinor == 0 {
		f.Add("amount_minor", "validation.required")
	}
	if len(t.Currency) != 3 {
		f.Add("currency", "validation.currency")
	}
	if t.OccurredAt.IsZero() {
		f.Add("occurred_at", "validation.required")
	}
	if utf8.RuneCountInString(t.Description) > 500 {
		f.Add("description", "validation.too_long", map[string]any{"max": 500})
	}
	return f.Err()
}

// ValidateInteraction checks an interaction.
func ValidateInteraction(in *Interaction) error {
	var f guanxi.Fields
	in.Summary = strings.TrimSpace(in.Summary)
	if in.Direction == "" {
		in.Direction = "out"
	}
	if !slices.Contains(Channels, in.Channel) {
		f.Add("channel", "validation.enum")
	}
	if in.Direction != "in" && in.Direction != "out" {
		f.Add("direction", "validation.enum")
	}
	if in.Summary == "" {
		f.Add("summary", "validation.required")
	} else if utf8.RuneCountInString(in.Summary) > 2000 {
		f.Add("summary", "validation.too_long", map[string]any{"max": 2000})
	}
	if in.OccurredAt.IsZero() {
		f.Add("occurred_at", "validation.required")
	}
	if !validDate(in.NextActionOn) {
		f.Add("next_action_on", "validation.date")
	}
	if in.Purpose != "" && !slices.Contains(Purposes, in.Purpose) {
		f.Add("purpose", "validation.enum")
	}
	in.NextAction = strings.TrimSpace(in.NextAction)
	if utf8.RuneCountInString(in.NextAction) > 200 {
		f.Add("next_action", "validation.too_long", map[string]any{"max": 200})
	}
	// A dated next action becomes a task, so it needs words too.
	if in.NextActionOn != "" && in.NextAction == "" {
		f.Add("next_action", "validation.required")
	}
	return f.Err()
}

// Attribute limits keep a holding's free-form attributes a few short facts,
// not a second document store.
const (
	maxAttrs        = 30
	maxAttrKeyRunes = 50
	maxAttrValRunes = 200
)

func validateAttrs(f *guanxi.Fields, attrs map[string]any) {
	if len(attrs) > maxAttrs {
		f.Add("attrs", "validation.too_many", map[string]any{"max": maxAttrs})
		return
	}
	for k, v := range attrs {
		if k = strings.TrimSpace(k); k == "" || utf8.RuneCountInString(k) > maxAttrKeyRunes {
			f.Add("attrs", "validation.attr_key", map[string]any{"max": maxAttrKeyRunes})
			return
		}
		switch t := v.(type) {
		case string:
			if utf8.RuneCountInString(t) > maxAttrValRunes {
				f.Add("attrs", "validation.too_long", map[string]any{"max": maxAttrValRunes})
				return
			}
		case float64, int, int64, bool, nil:
		default:
			f.Add("attrs", "validation.attr_value", map[string]any{"key": k})
			return
		}
	}
}
