package customer

import (
	"testing"

	"github.com/guanxi-crm/guanxi"
)

func TestResidentID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		ok   bool
		bday string
		sex  string
	}{
		{"11010519491231002X", true, "1949-12-31", "female"},
		{"110105194912310021", false, "", ""},
		{"11010519491331002X", false, "", ""}, // month 13
		{"1101051949123100", false, "", ""},
	} {
		if got := ValidResidentID(tc.id); got != tc.ok {
			t.Errorf("%s valid=%v want %v", tc.id, got, tc.ok)
		}
		if tc.ok {
			if b := BirthdayFromResidentID(tc.id); b != tc.bday {
				t.Errorf("%s birthday %s", tc.id, b)
			}
			if g := GenderFromResidentID(tc.id); g != tc.sex {
				t.Errorf("%s gender %s", tc.id, g)
			}
		}
	}
}

func TestUSCC(t *testing.T) {
	// 91350100M000100Y43 is the example from GB 32100-2015.
	if !ValidUSCC("91350100M000100Y43") {
		t.Fatal("GB 32100 example rejected")
	}
	if ValidUSCC("91350100M000100Y44") {
		t.Fatal("bad check character accepted")
	}
}

func TestMasks(t *testing.T) {
	for in, want := range map[string]string{
		"11010519491231002X": "110***********002X",
		"":                   "",
	} {
		if got := MaskIDNumber(in); got != want {
			t.Errorf("MaskIDNumber(%q)=%q want %q", in, got, want)
		}
	}
	if got := MaskPhone("13812345678"); got != "138****5678" {
		t.Errorf("MaskPhone=%q", got)
	}
	if got := MaskAccount("6222020200001234567"); got[len(got)-4:] != "4567" || got[:4] != "****" {
		t.Errorf("MaskAccount=%q", got)
	}
	c := Customer{IDNumber: "11010519491231002X", Mobile: "13812345678"}.Mask()
	if c.IDNumber == "11010519491231002X" || c.Mobile == "13812345678" {
		t.Fatal("Mask left plaintext")
	}
}

func TestValidateNamesFields(t *testing.T) {
	c := &Customer{Kind: "robot", Name: "", IDType: IDResident, IDNumber: "110105194912310021",
		Mobile: "12345", Email: "x@", Market: "moon", Industry: "nope", Stage: "x",
		Custom: map[string]any{"unknown": 1, "level": "Z"}}
	c.Normalize()
	defs := []FieldDef{{Key: "level", Type: FieldChoice, Options: []string{"A", "B"}}, {Key: "due", Type: FieldDate, Required: true}}
	err := Validate(c, defs)
	e := guanxi.AsError(err)
	if e.Kind != guanxi.KindInvalid {
		t.Fatalf("kind %v", e.Kind)
	}
	want := []string{"kind", "name", "id_number", "mobile", "email", "market", "industry", "stage", "custom.unknown", "custom.level", "custom.due"}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("no error for %s (got %v)", w, e.Fields)
		}
	}
}

func TestNormalizePhoneAndTags(t *testing.T) {
	c := &Customer{Name: " 张三 ", Mobile: "+86 138-1234-5678", Tags: []string{"b", " a", "b", ""}}
	c.Normalize()
	if c.Mobile != "13812345678" || c.Name != "张三" || len(c.Tags) != 2 || c.Tags[0] != "a" {
		t.Fatalf("%+v", c)
	}
	if err := Validate(c, nil); err != nil {
		t.Fatal(err)
	}
}

func TestDiffMasksSensitive(t *testing.T) {
	a := Customer{Name: "张三", Mobile: "13812345678"}
	b := a
	b.Mobile, b.Name = "13987654321", "张叁"
	ch := Diff(a, b)
	if len(ch) != 2 {
		t.Fatalf("%+v", ch)
	}
	for _, c := range ch {
		if c.Field == "mobile" && (c.From != "138****5678" || c.To != "139****4321") {
			t.Fatalf("mobile diff not masked: %+v", c)
		}
	}
}
