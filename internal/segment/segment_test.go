package segment

import (
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
)

func fieldErr(t *testing.T, err error) guanxi.FieldError {
	t.Helper()
	e := guanxi.AsError(err)
	if e == nil || e.Kind != guanxi.KindInvalid || len(e.Fields) != 1 {
		t.Fatalf("want one field error, got %v", err)
	}
	return e.Fields[0]
}

func TestParseValid(t *testing.T) {
	for _, s := range []string{
		``, `null`,
		`{"field":"stage","op":"eq","value":"customer"}`,
		`{"and":[{"field":"stage","op":"in","value":["customer","dormant"]},{"not":{"field":"tags","op":"has_any","value":["vip"]}}]}`,
		`{"or":[{"field":"owner_id","op":"eq","value":3},{"field":"org_unit_id","op":"in","value":[1,2]}]}`,
		`{"field":"created_at","op":"between","value":["2024-01-01","2024-12-31T23:59:59Z"]}`,
		`{"field":"last_contact_at","op":"empty"}`,
		`{"field":"birthday_month","op":"eq","value":5}`,
		`{"field":"lunar_birthday","op":"eq","value":true}`,
		`{"field":"holding.balance_minor","op":"gte","value":100000}`,
		`{"field":"holding.due_on","op":"lt","value":"2025-01-01"}`,
		`{"field":"custom.risk_level","op":"gt","value":2.5}`,
		`{"field":"custom.hobby","op":"contains","value":"钓鱼"}`,
		`{"field":"city","op":"prefix","value":"杭"}`,
	} {
		if _, err := Parse([]byte(s)); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	deep := `{"field":"stage","op":"eq","value":"lost"}`
	for range MaxDepth {
		deep = `{"not":` + deep + `}`
	}
	many := `{"or":[` + strings.TrimSuffix(strings.Repeat(`{"field":"stage","op":"eq","value":"lost"},`, MaxNodes), ",") + `]}`
	longList := `{"field":"city","op":"in","value":["` + strings.Repeat(`a","`, MaxListLen) + `a"]}`
	cases := []struct{ in, field, key string }{
		{`{`, "filter", "validation.filter_syntax"},
		{`{"field":"stage","op":"eq","value":"lost"} x`, "filter", "validation.filter_syntax"},
		{`{"bogus":1}`, "filter", "validation.filter_syntax"},
		{`{}`, "filter", "validation.filter_node"},
		{`{"and":[]}`, "filter.and", "validation.filter_node"},
		{`{"and":[{"field":"stage","op":"eq","value":"lost"}],"field":"x"}`, "filter", "validation.filter_node"},
		{`{"and":[{"field":"stage","op":"eq","value":"lost"},{"field":"stage","op":"like","value":"x"}]}`, "filter.and[1].op", "validation.filter_op"},
		{`{"and":[{"field":"stage","op":"eq","value":"lost"},{"field":"password_hash","op":"eq","value":"x"}]}`, "filter.and[1].field", "validation.filter_field"},
		{`{"field":"custom.Bad-Key","op":"eq","value":"x"}`, "filter.field", "validation.filter_field"},
		{`{"field":"stage","op":"eq","value":"moon"}`, "filter.value", "validation.enum"},
		{`{"field":"owner_id","op":"eq","value":"1"}`, "filter.value", "validation.filter_value"},
		{`{"field":"owner_id","op":"in","value":[1,"x"]}`, "filter.value[1]", "validation.filter_value"},
		{`{"field":"owner_id","op":"in","value":[]}`, "filter.value", "validation.filter_list"},
		{longList, "filter.value", "validation.filter_list"},
		{`{"field":"city","op":"eq","value":"` + strings.Repeat("杭", MaxStringLen+1) + `"}`, "filter.value", "validation.too_long"},
		{`{"field":"birthday","op":"eq","value":"2024-13-01"}`, "filter.value", "validation.date"},
		{`{"field":"created_at","op":"gt","value":"yesterday"}`, "filter.value", "validation.filter_datetime"},
		{`{"field":"created_at","op":"between","value":["2024-01-01"]}`, "filter.value", "validation.filter_between"},
		{`{"field":"birthday_month","op":"eq","value":13}`, "filter.value", "validation.filter_value"},
		{`{"field":"last_contact_at","op":"empty","value":1}`, "filter.value", "validation.filter_value"},
		{`{"field":"city","op":"eq"}`, "filter.value", "validation.filter_value"},
		{`{"field":"city","op":"eq","value":["a"]}`, "filter.value", "validation.filter_value"},
		{`{"field":"custom.x","op":"contains","value":3}`, "filter.value", "validation.filter_value"},
		{deep, "filter.not.not.not.not.not.not.not.not", "validation.filter_depth"},
		{many, "filter.or[99]", "validation.filter_size"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.in))
		if err == nil {
			t.Errorf("%.80s: accepted", c.in)
			continue
		}
		fe := fieldErr(t, err)
		if fe.Field != c.field || fe.Key != c.key {
			t.Errorf("%.80s: got %s %s, want %s %s", c.in, fe.Field, fe.Key, c.field, c.key)
		}
	}
}

func TestValidateGoNodes(t *testing.T) {
	n := &Node{And: []*Node{
		{Field: "owner_id", Op: OpIn, Value: []int64{1, 2}},
		{Field: "tags", Op: OpHasAll, Value: []string{"vip", "新客"}},
		{Field: "holding.amount_minor", Op: OpBetween, Value: []int{1, 2}},
	}}
	if err := Validate(n); err != nil {
		t.Fatal(err)
	}
	if err := Validate(nil); err != nil {
		t.Fatal(err)
	}
	if err := Validate(&Node{And: []*Node{nil}}); err == nil {
		t.Fatal("nil child accepted")
	}
}

func TestFieldList(t *testing.T) {
	list := FieldList()
	seen := map[string]bool{}
	for _, f := range list {
		seen[f.Name] = true
		if len(f.Ops) == 0 || !strings.HasPrefix(f.Label, "field.") {
			t.Errorf("%+v", f)
		}
	}
	for _, name := range []string{"stage", "tags", "org_unit_id", "holding.model", "birthday_month", "custom.*"} {
		if !seen[name] {
			t.Errorf("missing %s", name)
		}
	}
	list[0].Ops[0] = "mutated"
	if FieldList()[0].Ops[0] == "mutated" {
		t.Error("FieldList shares state")
	}
}
