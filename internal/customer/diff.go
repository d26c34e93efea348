package customer

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Change is one field's before and after, masked when the field is sensitive.
type Change struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Diff lists the fields that differ between a and b. Sensitive values are
// masked so that audit rows and history never hold plaintext.
func Diff(a, b Customer) []Change {
	var out []Change
	add := func(field, x, y string) {
		if x != y {
			out = append(out, Change{Field: field, From: x, To: y})
		}
	}
	add("kind", string(a.Kind), string(b.Kind))
	add("name", a.Name, b.Name)
	add("gender", a.Gender, b.Gender)
	add("birthday", a.Birthday, b.Birthday)
	add("lunar_birthday", fmt.Sprint(a.LunarBirthday), fmt.Sprint(b.LunarBirthday))
	add("id_type", string(a.IDType), string(b.IDType))
	if a.IDNumber != b.IDNumber {
		out = append(out, Change{Field: "id_number", From: MaskIDNumber(a.IDNumber), To: MaskIDNumber(b.IDNumber)})
	}
	if a.Mobile != b.Mobile {
		out = append(out, Change{Field: "mobile", From: MaskPhone(a.Mobile), To: MaskPhone(b.Mobile)})
	}
	if a.Phone != b.Phone {
		out = append(out, Change{Field: "phone", From: MaskPhone(a.Phone), To: MaskPhone(b.Phone)})
	}
	add("email", a.Email, b.Email)
	add("wechat", a.WeChat, b.WeChat)
	add("province", a.Province, b.Province)
	add("city", a.City, b.City)
	add("district", a.District, b.District)
	add("address", a.Address, b.Address)
	add("market", string(a.Market), string(b.Market))
	add("industry", a.Industry, b.Industry)
	add("source", a.Source, b.Source)
	add("stage", string(a.Stage), string(b.Stage))
	add("grade", a.Grade, b.Grade)
	add("tags", strings.Join(a.Tags, ","), strings.Join(b.Tags, ","))
	add("notes", a.Notes, b.Notes)
	add("owner_id", fmt.Sprint(a.OwnerID), fmt.Sprint(b.OwnerID))
	keys := map[string]bool{}
	for k := range a.Custom {
		keys[k] = true
	}
	for k := range b.Custom {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		add("custom."+k, jsonText(a.Custom[k]), jsonText(b.Custom[k]))
	}
	for _, ch := range ConsentChannels {
		add("consent."+ch, fmt.Sprint(a.Consent[ch]), fmt.Sprint(b.Consent[ch]))
	}
	return out
}

func jsonText(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
