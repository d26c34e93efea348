package bulk

import (
	"maps"
	"slices"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// ValidateMerged copies the customer fields rec supplies (rec.Set) onto a
// copy of existing, normalises and validates the result, and maps each
// validation error to its file column through o.Mapping (Column -1 when the
// field has none). A nil existing means the row creates a customer, which
// is validated in full. The importer writes the returned customer.
func ValidateMerged(rec Record, existing *customer.Customer, o Options, defs []customer.FieldDef) (customer.Customer, []Problem) {
	merged := Merge(rec, existing)
	s := rowState{c: &Converter{o: o, colOf: map[string]int{}}, row: Row{Line: rec.Line}}
	for i, k := range o.Mapping {
		if k != "" {
			if _, dup := s.c.colOf[k]; !dup {
				s.c.colOf[k] = i
				s.c.cols = append(s.c.cols, column{idx: i, key: k})
			}
		}
	}
	merged.Normalize()
	if err := customer.Validate(&merged, defs); err != nil {
		s.addErr(err, "", nil)
	}
	return merged, s.probs
}

// ValidateMerged is the package ValidateMerged with the problems' headers
// and raw values filled in from the converter's header and the row.
func (c *Converter) ValidateMerged(rec Record, existing *customer.Customer, r Row) (customer.Customer, []Problem) {
	merged, probs := ValidateMerged(rec, existing, c.o, c.defs)
	for i := range probs {
		if p := &probs[i]; p.Column >= 0 {
			p.Header = headerAt(c.header, p.Column)
			p.Value = cellAt(r.Cells, p.Column)
		}
	}
	return merged, probs
}

// Merge returns a copy of existing with the customer fields of rec.Set
// taken from rec.Customer; nil existing gives rec.Customer itself.
func Merge(rec Record, existing *customer.Customer) customer.Customer {
	if existing == nil {
		m := rec.Customer
		m.Tags = slices.Clone(m.Tags)
		m.Custom = maps.Clone(m.Custom)
		m.Consent = maps.Clone(m.Consent)
		return m
	}
	m := *existing
	m.Tags = slices.Clone(existing.Tags)
	m.Custom = maps.Clone(existing.Custom)
	m.Consent = maps.Clone(existing.Consent)
	src := &rec.Customer
	for _, k := range rec.Set {
		switch k {
		case "number":
			m.Number = src.Number
		case "name":
			m.Name = src.Name
		case "kind":
			m.Kind = src.Kind
		case "gender":
			m.Gender = src.Gender
		case "birthday":
			m.Birthday = src.Birthday
		case "lunar_birthday":
			m.LunarBirthday = src.LunarBirthday
		case "id_type":
			m.IDType = src.IDType
		case "id_number":
			m.IDNumber = src.IDNumber
		case "mobile":
			m.Mobile = src.Mobile
		case "phone":
			m.Phone = src.Phone
		case "email":
			m.Email = src.Email
		case "wechat":
			m.WeChat = src.WeChat
		case "province":
			m.Province = src.Province
		case "city":
			m.City = src.City
		case "district":
			m.District = src.District
		case "address":
			m.Address = src.Address
		case "market":
			m.Market = src.Market
		case "industry":
			m.Industry = src.Industry
		case "source":
			m.Source = src.Source
		case "stage":
			m.Stage = src.Stage
		case "grade":
			m.Grade = src.Grade
		case "tags":
			m.Tags = slices.Clone(src.Tags)
		case "notes":
			m.Notes = src.Notes
		default:
			if ch, ok := strings.CutPrefix(k, "consent."); ok {
				if m.Consent == nil {
					m.Consent = map[string]bool{}
				}
				m.Consent[ch] = src.Consent[ch]
			} else if ck, ok := strings.CutPrefix(k, "custom."); ok {
				if m.Custom == nil {
					m.Custom = map[string]any{}
				}
				m.Custom[ck] = src.Custom[ck]
			}
		}
	}
	return m
}
