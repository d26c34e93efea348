package search

import (
	"slices"
	"strings"
	"testing"
)

// matches reports whether a customer with these tokens is found by q, the
// way the storage layer evaluates it.
func matches(tokens []string, q string) bool {
	groups := ParseQuery(q)
	for _, g := range groups {
		ok := false
		for _, t := range g {
			for _, tok := range tokens {
				if tok == t.Token || (t.Prefix && strings.HasPrefix(tok, t.Token)) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	for _, s := range NameSubstrings(q) {
		_ = s // confirmed against the name by the storage layer
	}
	return true
}

func TestCustomerTokensName(t *testing.T) {
	toks := CustomerTokens("张三丰", "KH00000123", "11010519491231002x", "138-0013-8000", "010-12345678")
	for _, want := range []string{
		"n:张", "n:三", "n:丰", "n:张三", "n:三丰",
		"p:zhangsanfeng", "p:sanfeng", "p:feng", "i:zsf", "i:sf", "i:f",
		"m:13800138000", "m4:8000", "m:01012345678", "m:12345678", "m4:5678",
		"x:KH00000123", "d:11010519491231002X",
	} {
		if !slices.Contains(toks, want) {
			t.Errorf("missing %q in %v", want, toks)
		}
	}
	if slices.Contains(toks, "n:张丰") {
		t.Errorf("non-consecutive bigram indexed")
	}
	seen := map[string]bool{}
	for _, tok := range toks {
		if seen[tok] {
			t.Errorf("duplicate token %q", tok)
		}
		seen[tok] = true
	}
}

func TestSearchMatches(t *testing.T) {
	cases := []struct {
		name, phone, q string
		want           bool
	}{
		{"曾国藩", "", "zeng", true},
		{"曾国藩", "", "ceng", true},
		{"曾国藩", "", "zengguofan", true},
		{"曾国藩", "", "cgf", true},
		{"曾国藩", "", "zgf", true},
		{"张三", "", "zs", true},
		{"张三", "", "zhangsan", true},
		{"张三", "", "zhang san", true},
		{"张三", "", "zx", false},
		{"张三丰", "", "zsf", true},
		{"张三丰", "", "sanfeng", true},
		{"张三丰", "", "sf", true},
		{"张三丰", "", "张三丰", true},
		{"张三丰", "", "三丰", true},
		{"张三丰", "", "丰", true},
		{"张三丰", "", "张丰", false},
		{"单志强", "", "szq", true},
		{"单志强", "", "shanzhiqiang", true},
		{"解明", "", "xieming", true},
		{"仇英", "", "qiuying", true},
		{"区小红", "", "ouxiaohong", true},
		{"朴槿惠", "", "piao", true},
		{"查良镛", "", "zhaliangyong", true},
		{"盖聂", "", "genie", true},
		{"乐嘉", "", "yuejia", true},
		{"尉迟恭", "", "yuchigong", true},
		{"尉迟恭", "", "ycg", true},
		{"吕布", "", "lvbu", true},
		{"吕布", "", "lubu", true},
		{"张三", "13800138000", "8000", true},
		{"张三", "13800138000", "13800138000", true},
		{"张三", "13800138000", "138001", true},
		{"张三", "13800138000", "13900139000", false},
		{"张三", "13800138000", "张 8000", true},
		{"张三", "13800138000", "zs 8000", true},
		{"张三", "13800138000", "李 8000", false},
		{"张三", "13800138000", "张san", true},
		{"张三", "13800138000", "ＺＳ", true}, // full-width input
		{"Tom Smith", "", "smith", true},
		{"Tom Smith", "", "ts", true},
		{"北京华为技术有限公司", "", "huawei", true},
		{"北京华为技术有限公司", "", "有限公司", true},
		{"北京华为技术有限公司", "", "bjhw", true},
	}
	for _, c := range cases {
		toks := CustomerTokens(c.name, "KH00000123", "", c.phone)
		if got := matches(toks, c.q); got != c.want {
			t.Errorf("%s (%s) by %q = %v, want %v", c.name, c.phone, c.q, got, c.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	cases := map[string][]Group{
		"":                   nil,
		"   ":                nil,
		"张":                  {{{Token: "n:张"}}},
		"张三":                 {{{Token: "n:张三"}}},
		"张三丰":                {{{Token: "n:张三"}}, {{Token: "n:三丰"}}},
		"ZS":                 {{{Token: "p:zs", Prefix: true}, {Token: "i:zs", Prefix: true}}},
		"8000":               {{{Token: "m4:8000"}, {Token: "x:8000", Prefix: true}}},
		"13800138000":        {{{Token: "m:13800138000"}}},
		"138-0013-8000":      {{{Token: "m:13800138000"}}},
		"13800":              {{{Token: "m:13800", Prefix: true}, {Token: "x:13800", Prefix: true}}},
		"kh00000123":         {{{Token: "x:KH00000123", Prefix: true}, {Token: "d:KH00000123"}}},
		"11010519491231002x": {{{Token: "x:11010519491231002X", Prefix: true}, {Token: "d:11010519491231002X"}}},
		"张 zs":               {{{Token: "n:张"}}, {{Token: "p:zs", Prefix: true}, {Token: "i:zs", Prefix: true}}},
		"xi'an":              {{{Token: "p:xian", Prefix: true}, {Token: "i:xian", Prefix: true}}},
		"!!%_":               nil,
	}
	for q, want := range cases {
		if got := ParseQuery(q); !slices.EqualFunc(got, want, func(a, b Group) bool { return slices.Equal(a, b) }) {
			t.Errorf("ParseQuery(%q) = %v, want %v", q, got, want)
		}
	}
	if got := NameSubstrings("张三丰 zs 李四"); !slices.Equal(got, []string{"张三丰"}) {
		t.Errorf("NameSubstrings = %v", got)
	}
	if len(ParseQuery(strings.Repeat("张三丰李四王五 ", 10))) > maxQueryGroups {
		t.Error("groups not capped")
	}
}

func TestEmptyAndOddInput(t *testing.T) {
	if toks := CustomerTokens("", "", ""); len(toks) != 0 {
		t.Errorf("empty customer has tokens %v", toks)
	}
	// Long heteronym-heavy names stay bounded.
	toks := CustomerTokens(strings.Repeat("重长行乐单", 8), "", "")
	if len(toks) > 40*2*MaxReadings+200 {
		t.Errorf("%d tokens", len(toks))
	}
	// A character without a reading is still a name token.
	if toks := CustomerTokens("㐀张", "", ""); !slices.Contains(toks, "n:㐀") || !slices.Contains(toks, "p:zhang") {
		t.Errorf("rare char: %v", toks)
	}
	if got := Spell("曾国藩"); got != "zeng guo fan" {
		t.Errorf("Spell = %q", got)
	}
}

func TestPrefixEnd(t *testing.T) {
	for in, want := range map[string]string{
		"p:zs": "p:zt", "a\xff": "b", "\xff\xff": "", "n:张": "n:张" + "", "": "",
	} {
		if in == "n:张" {
			want = "n:" + string('张'+1)
		}
		if got := PrefixEnd(in); got != want {
			t.Errorf("PrefixEnd(%q) = %q, want %q", in, got, want)
		}
	}
	s := "p:zhang"
	e := PrefixEnd(s)
	for _, x := range []string{"p:zhang", "p:zhangsan", "p:zhang\xff"} {
		if !(x >= s && x < e) {
			t.Errorf("%q outside [%q,%q)", x, s, e)
		}
	}
	if "p:zhanh" < e {
		t.Error("bound too wide")
	}
}
