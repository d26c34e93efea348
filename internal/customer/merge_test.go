package customer

import (
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

func TestIDKeyAndVariants(t *testing.T) {
	const id18 = "11010519491231002X"
	for _, tc := range []struct{ a, b string }{
		{id18, "11010519491231002x"},
		{id18, "110105 19491231 002X"},
		{id18, "110105491231002"}, // the 15-digit ID it replaced
		{"91350100M000100Y43", "91350100m000100y43"},
	} {
		if IDKey(tc.a) != IDKey(tc.b) {
			t.Errorf("IDKey(%q)=%q != IDKey(%q)=%q", tc.a, IDKey(tc.a), tc.b, IDKey(tc.b))
		}
	}
	if IDKey(id18) == IDKey("110105194912310038") || IDKey("110105491231003") == IDKey(id18) {
		t.Error("different sequence numbers must not meet")
	}
}

func TestSimilarName(t *testing.T) {
	for _, tc := range []struct {
		a, pa, b, pb string
		want         bool
	}{
		{"王伟", "wang wei", "王伟", "wang wei", true},
		{"王伟", "wang wei", "王玮", "wang wei", true},               // same pinyin
		{"张小明", "zhang xiao ming", "张晓明", "", true},              // one character, same surname
		{"张小明", "zhang xiao ming", "张小", "", true},               // one character missing
		{"张小明", "zhang xiao ming", "李小明", "li xiao ming", false}, // surname differs
		{"张小明", "", "张大伟", "", false},
		{"", "", "张三", "", false},
		{"王", "", "汪", "", false},
	} {
		if got := SimilarName(tc.a, tc.pa, tc.b, tc.pb); got != tc.want {
			t.Errorf("SimilarName(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCompareReasonScore(t *testing.T) {
	base := DupFacts{ID: 1, Name: "王伟", NamePinyin: "wang wei", Birthday: "1980-01-02", IDNumber: "11010519491231002X", Mobile: "13800138000"}
	for _, tc := range []struct {
		name       string
		b          DupFacts
		viaContact bool
		reason     DupReason
		ok         bool
		minScore   int
	}{
		{"id variant", DupFacts{ID: 2, IDNumber: "11010519491231002x"}, false, ReasonIDNumber, true, 50},
		{"mobile is phone, same name", DupFacts{ID: 2, Name: "王伟", Phone: "13800138000"}, false, ReasonPhoneName, true, 45},
		{"mobile is phone, other name", DupFacts{ID: 2, Name: "李四", Phone: "13800138000"}, false, ReasonMobile, true, 25},
		{"contact mobile", DupFacts{ID: 2, Name: "某公司"}, true, ReasonMobile, true, 25},
		{"name and birthday", DupFacts{ID: 2, Name: "王伟", Birthday: "1980-01-02"}, false, ReasonNameBirthday, true, 35},
		{"name only", DupFacts{ID: 2, Name: "王伟"}, false, "", false, 0},
	} {
		m := Compare(base, tc.b, tc.viaContact)
		r, ok := m.Reason()
		if r != tc.reason || ok != tc.ok || m.Score() < tc.minScore || m.Score() > 100 {
			t.Errorf("%s: reason %q %v score %d", tc.name, r, ok, m.Score())
		}
	}
	land := Compare(DupFacts{Phone: "0571-88001234", Name: "甲"}, DupFacts{Phone: "057188001234", Name: "乙"}, false)
	if r, _ := land.Reason(); r != ReasonPhone {
		t.Errorf("landline with and without dash: %q", r)
	}
}

func TestMergeDiffAndMerged(t *testing.T) {
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Customer{ID: 1, Number: "KH1", Kind: Person, Name: "王伟", Mobile: "13800138000", Email: "",
		Stage: StageCustomer, OwnerID: 7, CreatedAt: old, Version: 3,
		Tags: []string{"VIP"}, Custom: map[string]any{"level": "A"}, Consent: map[string]bool{"sms": true, "email": false}}
	m := Customer{ID: 2, Number: "KH2", Kind: Person, Name: "王玮", Phone: "0571-88001234", Email: "w@example.com",
		IDType: IDResident, IDNumber: "11010519491231002X", Stage: StageProspect, OwnerID: 8, CreatedAt: old.AddDate(1, 0, 0),
		Tags: []string{"车主", "VIP"}, Custom: map[string]any{"level": "B", "car": "SUV"}, Consent: map[string]bool{"email": true}}
	diffs := MergeDiff(s, m)
	got := map[string]FieldDiff{}
	for _, d := range diffs {
		got[d.Field] = d
	}
	for _, f := range []string{"name", "phone", "email", "id_number", "stage", "custom.level", "custom.car"} {
		if _, ok := got[f]; !ok {
			t.Errorf("diff misses %s: %+v", f, diffs)
		}
	}
	if _, ok := got["mobile"]; !ok {
		t.Error("mobile differs (one empty)")
	}
	if got["name"].Default != SideSurvivor || got["email"].Default != SideMerged || got["custom.car"].Default != SideMerged {
		t.Errorf("defaults: survivor's value, or the other's when the survivor has none: %+v", diffs)
	}
	if got["id_number"].Sensitive != RevealIDNumber || got["phone"].Sensitive != RevealPhone || got["name"].Sensitive != "" {
		t.Error("sensitive fields not marked")
	}
	out, used := Merged(s, m, map[string]Side{"name": SideMerged, "custom.level": SideSurvivor})
	if out.Name != "王玮" || out.Email != "w@example.com" || out.Mobile != "13800138000" || out.Phone != "0571-88001234" {
		t.Errorf("values: %+v", out)
	}
	if out.IDNumber != m.IDNumber || out.IDType != IDResident {
		t.Errorf("id group not taken together: %q %q", out.IDType, out.IDNumber)
	}
	if out.Custom["level"] != "A" || out.Custom["car"] != "SUV" {
		t.Errorf("custom: %v", out.Custom)
	}
	if !slices.Equal(out.Tags, []string{"VIP", "车主"}) || !out.Consent["sms"] || !out.Consent["email"] {
		t.Errorf("tags/consent not a union: %v %v", out.Tags, out.Consent)
	}
	if out.ID != 1 || out.Number != "KH1" || out.OwnerID != 7 || !out.CreatedAt.Equal(old) {
		t.Errorf("identity changed: %+v", out)
	}
	if used["name"] != SideMerged || used["stage"] != SideSurvivor || used["email"] != SideMerged {
		t.Errorf("used: %v", used)
	}
	if s.Name != "王伟" || len(s.Tags) != 1 || s.Custom["car"] != nil || s.Consent["email"] {
		t.Error("Merged changed its input")
	}
	sv, mg := PickSurvivor(m, s)
	if sv.ID != m.ID || mg.ID != s.ID {
		t.Errorf("the more complete record survives: %d", sv.ID)
	}
	a, b := Customer{ID: 5, CreatedAt: old.AddDate(1, 0, 0)}, Customer{ID: 6, CreatedAt: old}
	if sv, _ := PickSurvivor(a, b); sv.ID != 6 {
		t.Errorf("tie: the older survives, got %d", sv.ID)
	}
}

func TestValidateMergeRequest(t *testing.T) {
	ok := MergeRequest{SurvivorID: 1, SurvivorVersion: 1, MergedID: 2, MergedVersion: 1,
		Chosen: map[string]Side{"name": SideMerged, "custom.level": SideSurvivor}}
	if err := ValidateMergeRequest(ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		r     MergeRequest
		field string
	}{
		{MergeRequest{SurvivorID: 1, SurvivorVersion: 1, MergedID: 1, MergedVersion: 1}, "other_id"},
		{MergeRequest{SurvivorID: 1, SurvivorVersion: 1, MergedVersion: 1}, "other_id"},
		{MergeRequest{SurvivorID: 1, MergedID: 2, MergedVersion: 1}, "survivor_version"},
		{MergeRequest{SurvivorID: 1, SurvivorVersion: 1, MergedID: 2, MergedVersion: 1, Chosen: map[string]Side{"owner_id": SideMerged}}, "chosen.owner_id"},
		{MergeRequest{SurvivorID: 1, SurvivorVersion: 1, MergedID: 2, MergedVersion: 1, Chosen: map[string]Side{"name": "both"}}, "chosen.name"},
	} {
		e := guanxi.AsError(ValidateMergeRequest(tc.r))
		if e == nil || e.Kind != guanxi.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Errorf("%+v: %+v, want a field error on %s", tc.r, e, tc.field)
		}
	}
}
