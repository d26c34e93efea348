package survey

import (
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

func TestScoringRules(t *testing.T) {
	for _, tc := range []struct {
		typ   ItemType
		score int
		sat   bool
	}{{Scale5, 3, false}, {Scale5, 4, true}, {Scale10, 7, false}, {Scale10, 8, true}} {
		if sat, ok := Satisfied(tc.typ, tc.score); !ok || sat != tc.sat {
			t.Errorf("Satisfied(%s, %d) = %v %v", tc.typ, tc.score, sat, ok)
		}
	}
	if _, ok := Satisfied(NPS, 9); ok {
		t.Error("NPS items are not CSAT items")
	}
	for score, want := range map[int]int{0: Detractor, 6: Detractor, 7: Passive, 8: Passive, 9: Promoter, 10: Promoter} {
		if got := NPSClassOf(score); got != want {
			t.Errorf("NPSClassOf(%d) = %d", score, got)
		}
	}
	tl := Tally{NPSN: 10, Promoters: 5, Detractors: 2, Scored: 4, Satisfied: 3}
	if nps, _ := tl.NPS(); nps != 30 {
		t.Errorf("NPS = %v, want 30", nps)
	}
	if csat, _ := tl.CSAT(); csat != 75 {
		t.Errorf("CSAT = %v, want 75", csat)
	}
	if _, ok := (Tally{}).NPS(); ok {
		t.Error("NPS without answers")
	}
	three, nine := 3, 9
	score, lowest := derive([]Value{{Key: "a", Type: Scale5, Score: &three}, {Key: "b", Type: NPS, Score: &nine}})
	if score == nil || *score != 50 || lowest.Key != "a" {
		t.Errorf("derive = %v %+v", score, lowest)
	}
}

func TestTemplateValidate(t *testing.T) {
	tpl := Template{Name: " 回访 ", Items: []Item{
		{Type: Scale5, TextZh: "满意吗"},
		{Key: "q1", Type: Choice, TextZh: "渠道", Choices: []string{"门店", " 门店 "}},
		{Key: "Bad Key", Type: "stars", TextZh: ""},
	}}
	tpl.Normalize()
	err := tpl.Validate()
	e := guanxi.AsError(err)
	want := map[string]bool{"items[1].key": true, "items[1].choices": true, "items[2].key": true, "items[2].type": true, "items[2].text_zh": true}
	if e.Kind != guanxi.KindInvalid || len(e.Fields) != len(want) {
		t.Fatalf("validate: %v", err)
	}
	for _, f := range e.Fields {
		if !want[f.Field] {
			t.Errorf("unexpected field error %s", f.Field)
		}
	}
	if tpl.Name != "回访" || tpl.Items[0].Key != "q1" {
		t.Errorf("normalize: %+v", tpl)
	}
}

func TestVersionCheck(t *testing.T) {
	v := Version{Items: []Item{
		{Key: "s", Type: Scale10, Required: true},
		{Key: "n", Type: NPS},
		{Key: "y", Type: YesNo},
		{Key: "c", Type: Choice, Choices: []string{"A", "B"}},
	}}
	vals, err := v.Check(Input{"s": "10", "n": "0", "y": "no", "c": "B", "zzz": "ignored"})
	if err != nil || len(vals) != 4 || *vals[2].Score != 0 || vals[3].Text != "B" {
		t.Fatalf("check: %+v %v", vals, err)
	}
	_, err = v.Check(Input{"s": "0", "n": "11", "y": "maybe", "c": "D"})
	if e := guanxi.AsError(err); len(e.Fields) != 4 {
		t.Fatalf("bad input: %v", err)
	}
	_, err = v.Check(Input{})
	if e := guanxi.AsError(err); len(e.Fields) != 1 || e.Fields[0].Field != "answers.s" {
		t.Fatalf("required: %v", err)
	}
}

func TestToken(t *testing.T) {
	a, ha := NewToken()
	b, _ := NewToken()
	if a == b || len(a) != 43 || !WellFormed(a) || ha != HashToken(a) || len(ha) != 64 {
		t.Fatalf("tokens %q %q %q", a, b, ha)
	}
	for _, bad := range []string{"", "abc", a + "x", a[:42] + "+"} {
		if WellFormed(bad) {
			t.Errorf("WellFormed(%q)", bad)
		}
	}
	if MaskName("张三丰") != "张**" || MaskName("李") != "李*" || MaskName("") != "" {
		t.Errorf("MaskName: %q %q", MaskName("张三丰"), MaskName("李"))
	}
}

func TestPeriods(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	// Monday 00:30 in Shanghai is still Sunday in UTC.
	at := time.Date(2026, 11, 22, 16, 30, 0, 0, time.UTC)
	p := PeriodOf(Week, at, loc)
	if p.Label != "2026-W48" || p.From.Weekday() != time.Monday || p.From.In(loc).Day() != 23 {
		t.Fatalf("week %+v", p)
	}
	ps := Periods(Month, at, loc, 8)
	if len(ps) != 8 || ps[7].Label != "2026-11" || ps[0].Label != "2026-04" || !ps[6].To.Equal(ps[7].From) {
		t.Fatalf("months %+v", ps)
	}
}
