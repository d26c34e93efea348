package bulk

import (
	"testing"
	"time"
)

func TestHalfWidth(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "",
		"abc":              "abc",
		"１３８００１３８０００":      "13800138000",
		"ＡＢＣ　ｄｅｆ":          "ABC def",
		"金额（万元）":           "金额(万元)",
		"￥１，２３４．５６":        "¥1,234.56",
		"张三":               "张三",
		"＋８６ １３８":          "+86 138",
		"２０２６年１月５日":        "2026年1月5日",
		"mixed１2３":         "mixed123",
		"\u3000lead\u3000": " lead ",
	} {
		if got := HalfWidth(in); got != want {
			t.Errorf("HalfWidth(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"客户名称":      "客户名称",
		" *客户 名称 ":  "客户名称",
		"\ufeff姓名":  "姓名",
		"姓\u200b名":  "姓名",
		"Full Name": "fullname",
		"ＦＵＬＬ－ＮＡＭＥ": "fullname",
		"E-mail":    "email",
		"手机号码：":     "手机号码",
		"出生年月/日":    "出生年月日",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanPhone(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13800138000", "13800138000"},
		{"138 0013 8000", "13800138000"},
		{"138-0013-8000", "13800138000"},
		{"138.0013.8000", "13800138000"},
		{"+86 138 0013 8000", "13800138000"},
		{"+86-13800138000", "13800138000"},
		{"0086 13800138000", "13800138000"},
		{"8613800138000", "13800138000"},
		{"(+86)13800138000", "13800138000"},
		{"１３８００１３８０００", "13800138000"},
		{"013800138000", "13800138000"},
		{"(0571)8888-1234", "0571-88881234"},
		{"（０５７１）８８８８－１２３４", "0571-88881234"},
		{"0571-88881234", "0571-88881234"},
		{"057188881234", "0571-88881234"},
		{"010-12345678", "010-12345678"},
		{"01012345678", "010-12345678"},
		{"021 6888 1234", "021-68881234"},
		{"0571-88881234转123", "0571-88881234-123"},
		{"0571-88881234 转 123", "0571-88881234-123"},
		{"0571-88881234 ext. 45", "0571-88881234-45"},
		{"0571-88881234#8", "0571-88881234-8"},
		{"88881234", "88881234"},
		{"", ""},
		{"  ", ""},
		{"无", "无"},
		{"138001380", "138001380"},
		{"+1 415 555 0100", "+1 415 555 0100"},
	} {
		if got := CleanPhone(tc.in); got != tc.want {
			t.Errorf("CleanPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsMobile(t *testing.T) {
	for in, want := range map[string]bool{
		"13800138000": true, "19912345678": true, "12800138000": false, "1380013800": false,
		"138001380000": false, "1380013800a": false, "23800138000": false, "": false,
	} {
		if got := IsMobile(in); got != want {
			t.Errorf("IsMobile(%q) = %v", in, got)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" = rejected
		d04  bool
	}{
		{in: "2026-1-5", want: "2026-01-05"},
		{in: "2026-01-05", want: "2026-01-05"},
		{in: "2026/01/05", want: "2026-01-05"},
		{in: "2026/1/5", want: "2026-01-05"},
		{in: "2026.1.5", want: "2026-01-05"},
		{in: "2026年1月5日", want: "2026-01-05"},
		{in: "2026年01月05号", want: "2026-01-05"},
		{in: "2026年1月5", want: "2026-01-05"},
		{in: "２０２６年１月５日", want: "2026-01-05"},
		{in: "20260105", want: "2026-01-05"},
		{in: "2026-01-05 10:30", want: "2026-01-05"},
		{in: "2026-01-05 10:30:00", want: "2026-01-05"},
		{in: "2026-01-05T10:30:00+08:00", want: "2026-01-05"},
		{in: "2026-01-05T10:30:00Z", want: "2026-01-05"},
		{in: " 2026-01-05 ", want: "2026-01-05"},
		{in: "2024-02-29", want: "2024-02-29"},
		{in: "46027", want: "2026-01-05"},
		{in: "46027.5", want: "2026-01-05"},
		{in: "1", want: "1900-01-01"},
		{in: "59", want: "1900-02-28"},
		{in: "61", want: "1900-03-01"},
		{in: "60"},
		{in: "0"},
		{in: "44562", want: "2026-01-02", d04: true},
		{in: "2026-02-30"},
		{in: "2025-02-29"},
		{in: "2026-13-01"},
		{in: "2026-00-10"},
		{in: "2026-1-5-"},
		{in: "2026-1/5"},
		{in: "2026年1-5"},
		{in: "20261305"},
		{in: "1985"},
		{in: "2026-01-05 25:00"},
		{in: "2026-01-05 10:61"},
		{in: "2026-01-05 10:30 junk"},
		{in: "not a date"},
		{in: ""},
		{in: "99999999"},
		{in: "3000000"},
		{in: "-5"},
		{in: "1/5/2026"},
	} {
		got, ok := ParseDate(tc.in, tc.d04)
		if tc.want == "" {
			if ok {
				t.Errorf("ParseDate(%q) = %q, want rejected", tc.in, got)
			}
			continue
		}
		if !ok || got != tc.want {
			t.Errorf("ParseDate(%q, 1904=%v) = %q %v, want %q", tc.in, tc.d04, got, ok, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026-01-05 10:30", time.Date(2026, 1, 5, 10, 30, 0, 0, sh)},
		{"2026/1/5 9:05:07", time.Date(2026, 1, 5, 9, 5, 7, 0, sh)},
		{"2026-01-05", time.Date(2026, 1, 5, 0, 0, 0, 0, sh)},
		{"2026-01-05T10:30:00Z", time.Date(2026, 1, 5, 10, 30, 0, 0, time.UTC)},
		{"2026-01-05T10:30:00.250+0100", time.Date(2026, 1, 5, 9, 30, 0, 250e6, time.UTC)},
		{"46027.4375", time.Date(2026, 1, 5, 10, 30, 0, 0, sh)},
	} {
		got, ok := ParseTime(tc.in, sh, false)
		if !ok || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v %v, want %v", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := ParseTime("2026-01-05 10:30 +25:00", sh, false); ok {
		t.Error("zone +25:00 accepted")
	}
}

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in   string
		unit int
		want int64
		key  string
	}{
		{in: "0", want: 0},
		{in: "0.00", want: 0},
		{in: "1234.56", want: 123456},
		{in: "¥1,234.56", want: 123456},
		{in: "￥1,234.56", want: 123456},
		{in: "１，２３４．５６", want: 123456},
		{in: "1234.56元", want: 123456},
		{in: "1234.5", want: 123450},
		{in: "1234", want: 123400},
		{in: "12.5万", want: 12500000},
		{in: "12.5万元", want: 12500000},
		{in: "1.2亿", want: 12000000000},
		{in: "3千元", want: 300000},
		{in: "-300", want: -30000},
		{in: "(300)", want: -30000},
		{in: "（300）", want: -30000},
		{in: "- 300", want: -30000},
		{in: "+300", want: 30000},
		{in: "-¥300", want: -30000},
		{in: "¥-300", want: -30000},
		{in: "RMB 100", want: 10000},
		{in: "100 CNY", want: 10000},
		{in: "人民币100元", want: 10000},
		{in: "0.05", want: 5},
		{in: ".5", want: 50},
		{in: "1.2E+7", want: 1200000000},
		{in: "1.5e3", want: 150000},
		{in: "12.5", unit: 4, want: 12500000},
		{in: "12.5元", unit: 4, want: 1250},
		{in: "0.0001", unit: 4, want: 100},
		{in: "0.000001", unit: 4, want: 1},
		{in: "0.0000001", unit: 4, key: keyMoneyPrecision},
		{in: "1234.567", key: keyMoneyPrecision},
		{in: "0.001", key: keyMoneyPrecision},
		{in: "1234.5600000000001", want: 123456},
		{in: "0.30000000000000004", want: 30},
		{in: "92233720368547758.07", want: 9223372036854775807},
		{in: "92233720368547758.08", key: keyMoneyOverflow},
		{in: "99999999999999999999", key: keyMoneyOverflow},
		{in: "1e30", key: keyMoneyOverflow},
		{in: "1e31", key: keyBadMoney},
		{in: "", key: keyBadMoney},
		{in: "¥", key: keyBadMoney},
		{in: "abc", key: keyBadMoney},
		{in: "12.3.4", key: keyBadMoney},
		{in: "1,2,3", want: 12300},
		{in: "12万3", key: keyBadMoney},
		{in: "--5", key: keyBadMoney},
		{in: ".", key: keyBadMoney},
	} {
		got, key := ParseMoney(tc.in, tc.unit)
		if key != tc.key || (key == "" && got != tc.want) {
			t.Errorf("ParseMoney(%q, %d) = %d %q, want %d %q", tc.in, tc.unit, got, key, tc.want, tc.key)
		}
	}
}

func TestParseBool(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
		ok   bool
	}{
		{"是", true, true}, {"否", false, true}, {"Y", true, true}, {"n", false, true}, {"1", true, true}, {"0", false, true},
		{"TRUE", true, true}, {"false", false, true}, {"√", true, true}, {"×", false, true}, {"✓", true, true},
		{"同意", true, true}, {"不同意", false, true}, {" yes ", true, true}, {"ＹＥＳ", true, true},
		{"maybe", false, false}, {"", false, false}, {"2", false, false},
	} {
		got, ok := ParseBool(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseBool(%q) = %v %v", tc.in, got, ok)
		}
	}
}

func TestParseEnum(t *testing.T) {
	for _, tc := range []struct{ enum, in, want string }{
		{"gender", "男", "male"}, {"gender", "女", "female"}, {"gender", "M", "male"}, {"gender", "f", "female"}, {"gender", "Female", "female"},
		{"kind", "个人", "person"}, {"kind", "企业", "org"}, {"kind", "公司", "org"}, {"kind", "单位", "org"}, {"kind", "对公", "org"},
		{"stage", "潜在", "prospect"}, {"stage", "意向", "prospect"}, {"stage", "A卡", "prospect"}, {"stage", "Ａ卡", "prospect"},
		{"stage", "潜在客户（A卡）", "prospect"}, {"stage", "成交", "customer"}, {"stage", "C卡", "customer"}, {"stage", "客户", "customer"},
		{"stage", "休眠", "dormant"}, {"stage", "流失", "lost"}, {"stage", "prospect", "prospect"},
		{"market", "三农", "agri"}, {"market", "公司", "corporate"}, {"market", "个人", "personal"},
		{"id_type", "身份证", "resident_id"}, {"id_type", "居民身份证", "resident_id"}, {"id_type", "统一社会信用代码", "uscc"},
		{"id_type", "护照", "passport"}, {"id_type", "其他", "other"},
		{"industry", "制造业", "manufacturing"}, {"industry", "批发和零售业", "wholesale_retail"}, {"industry", "Finance", "finance"},
		{"industry", "信息技术服务业", "it_services"}, {"industry", "it_services", "it_services"},
		{"holding", "车辆", "vehicle"}, {"holding", "贷款", "loan"}, {"transaction", "还款", "repayment"},
		{"channel", "到店", "store_visit"}, {"direction", "来电", "in"}, {"purpose", "关怀", "care"},
	} {
		got, ok := ParseEnum(tc.enum, tc.in)
		if !ok || got != tc.want {
			t.Errorf("ParseEnum(%s, %q) = %q %v, want %q", tc.enum, tc.in, got, ok, tc.want)
		}
	}
	for _, bad := range [][2]string{{"gender", "x"}, {"stage", "B卡"}, {"industry", "魔法"}, {"nope", "男"}} {
		if got, ok := ParseEnum(bad[0], bad[1]); ok {
			t.Errorf("ParseEnum(%s, %q) = %q, want rejected", bad[0], bad[1], got)
		}
	}
}

func TestParseIntNumber(t *testing.T) {
	if n, ok := ParseInt("12,345"); !ok || n != 12345 {
		t.Errorf("ParseInt = %d %v", n, ok)
	}
	if n, ok := ParseInt("１２3.0"); !ok || n != 123 {
		t.Errorf("ParseInt full width = %d %v", n, ok)
	}
	if _, ok := ParseInt("12.5"); ok {
		t.Error("ParseInt(12.5) accepted")
	}
	if f, ok := ParseNumber("1,234.5"); !ok || f != 1234.5 {
		t.Errorf("ParseNumber = %v %v", f, ok)
	}
	if _, ok := ParseNumber("NaN"); ok {
		t.Error("NaN accepted")
	}
}

func TestSplitList(t *testing.T) {
	got := splitList("VIP， 老客户;转介绍、 |团购\n")
	want := []string{"VIP", "老客户", "转介绍", "团购"}
	if len(got) != len(want) {
		t.Fatalf("splitList = %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("splitList[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}
