package bulk

import (
	"slices"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var testDefs = []customer.FieldDef{
	{Key: "plate", LabelZh: "车牌", LabelEn: "Plate", Type: customer.FieldText},
	{Key: "score", LabelZh: "评分", LabelEn: "Score", Type: customer.FieldNumber},
	{Key: "visit_day", LabelZh: "到访日期", LabelEn: "Visit day", Type: customer.FieldDate},
	{Key: "level", LabelZh: "会员级别", LabelEn: "Member level", Type: customer.FieldChoice, Options: []string{"金卡", "银卡"}},
	{Key: "hobbies", LabelZh: "爱好", LabelEn: "Hobbies", Type: customer.FieldMulti, Options: []string{"钓鱼", "自驾", "摄影"}},
}

func TestHeaderUnit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		name string
		unit int
	}{
		{"贷款余额(元)", "贷款余额", 0},
		{"金额（万元）", "金额", 4},
		{"金额【单位：万元】", "金额", 4},
		{"金额/万元", "金额万元", -1},
		{"授信额度(亿元)", "授信额度", 8},
		{"*客户名称", "客户名称", -1},
		{" 手机号码 ", "手机号码", -1},
		{"备注(选填)", "备注", -1},
		{"Amount (CNY)", "amount", 0},
	} {
		name, unit := headerUnit(tc.in)
		if name != tc.name || unit != tc.unit {
			t.Errorf("headerUnit(%q) = %q %d, want %q %d", tc.in, name, unit, tc.name, tc.unit)
		}
	}
}

func TestAutoMap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		entity Entity
		header []string
		want   []string
	}{
		{"chinese", Customers,
			[]string{"客户名称", "手机", "身份证号", "地址", "出生日期", "车型", "贷款余额(元)", "不认识的列"},
			[]string{"name", "mobile", "id_number", "address", "birthday", "holding.model", "holding.balance", ""}},
		{"variants", Customers,
			[]string{"*姓名", "手机号码", "证件号码", "联系地址", "生日", "性别", "客户经理", "金额（万元）"},
			[]string{"name", "mobile", "id_number", "address", "birthday", "gender", "owner", "holding.amount"}},
		{"english", Customers,
			[]string{"Full Name", "Mobile", "Phone", "E-mail", "Birthday", "Tags", "Owner"},
			[]string{"name", "mobile", "phone", "email", "birthday", "tags", "owner"}},
		{"full width and spaces", Customers,
			[]string{"客户　名称", "ＭＯＢＩＬＥ", "微信号"},
			[]string{"name", "mobile", "wechat"}},
		{"first column wins", Customers,
			[]string{"姓名", "客户名称", "手机", "手机号"},
			[]string{"name", "", "mobile", ""}},
		{"partial names", Customers,
			[]string{"客户名称", "客户手机号码", "家庭住址详细"},
			[]string{"name", "mobile", "address"}},
		{"custom fields by label and key", Customers,
			[]string{"客户名称", "车牌", "score", "Member level", "爱好"},
			[]string{"name", "custom.plate", "custom.score", "custom.level", "custom.hobbies"}},
		{"holdings with customer key", Holdings,
			[]string{"客户编号", "车架号", "车型", "购车日期", "里程"},
			[]string{"customer.number", "reference", "model", "opened_on", "mileage"}},
		{"contacts keep their own mobile", Contacts,
			[]string{"客户编号", "联系人", "手机", "职务"},
			[]string{"customer.number", "name", "mobile", "title"}},
		{"contacts by customer mobile", Contacts,
			[]string{"客户手机号", "联系人", "手机"},
			[]string{"customer.mobile", "name", "mobile"}},
		{"transactions", Transactions,
			[]string{"身份证号", "交易时间", "金额", "交易类型", "摘要"},
			[]string{"customer.id_number", "occurred_at", "amount", "kind", "description"}},
		{"interactions", Interactions,
			[]string{"手机号", "联系时间", "联系方式", "沟通内容", "下次联系日期", "下一步"},
			[]string{"customer.mobile", "occurred_at", "channel", "summary", "next_action_on", "next_action"}},
		{"unit after the name", Customers,
			[]string{"客户名称", "贷款余额/万元", "单元"},
			[]string{"name", "holding.balance", ""}},
		{"nothing known", Customers,
			[]string{"甲", "乙", "丙"},
			[]string{"", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AutoMap(tc.entity, tc.header, testDefs)
			if !slices.Equal(got, tc.want) {
				t.Errorf("AutoMap(%q)\n got %q\nwant %q", tc.header, got, tc.want)
			}
		})
	}
}

func TestSynonymsAreUniquePerEntity(t *testing.T) {
	for _, e := range Entities {
		seen := map[string]string{}
		for _, f := range Fields(e, testDefs) {
			for _, s := range f.Synonyms {
				k := Fold(s)
				if prev, ok := seen[k]; ok && prev != f.Key && !strings.HasPrefix(f.Key, "custom.") {
					t.Errorf("%s: synonym %q names both %s and %s", e, s, prev, f.Key)
				}
				seen[k] = f.Key
			}
		}
	}
}

func TestCheckMapping(t *testing.T) {
	h := []string{"客户名称", "手机", "手机号", "编号"}
	for _, tc := range []struct {
		name string
		o    Options
		keys []string // the problem keys, in order
	}{
		{"fine", Options{Entity: Customers, Mode: ModeCreate, Mapping: []string{"name", "mobile", "", ""}}, nil},
		{"nothing mapped", Options{Entity: Customers, Mode: ModeCreate, Mapping: []string{"", "", "", ""}}, []string{keyNoHeader}},
		{"no mapping", Options{Entity: Customers, Mode: ModeCreate}, []string{keyNoHeader}},
		{"twice", Options{Entity: Customers, Mode: ModeCreate, Mapping: []string{"name", "mobile", "mobile", ""}}, []string{keyMappedTwice}},
		{"name missing", Options{Entity: Customers, Mode: ModeCreate, Mapping: []string{"", "mobile", "", ""}}, []string{keyRequiredUnmapped}},
		{"update needs the key, not the name", Options{Entity: Customers, Mode: ModeUpdate, Key: KeyNumber, Mapping: []string{"", "mobile", "", ""}}, []string{keyRequiredUnmapped}},
		{"update with key", Options{Entity: Customers, Mode: ModeUpdate, Key: KeyMobile, Mapping: []string{"", "mobile", "", ""}}, nil},
		{"upsert needs both", Options{Entity: Customers, Mode: ModeUpsert, Key: KeyNumber, Mapping: []string{"", "mobile", "", ""}}, []string{keyRequiredUnmapped, keyRequiredUnmapped}},
		{"unknown field", Options{Entity: Customers, Mode: ModeCreate, Mapping: []string{"name", "nope", "", ""}}, []string{keyUnknownField}},
		{"child without key", Options{Entity: Contacts, Key: KeyNumber, Mapping: []string{"name", "mobile", "", ""}}, []string{keyRequiredUnmapped}},
		{"child with key", Options{Entity: Contacts, Key: KeyNumber, Mapping: []string{"name", "mobile", "", "customer.number"}}, nil},
		{"transactions need amount and time", Options{Entity: Transactions, Key: KeyNumber, Mapping: []string{"", "", "", "customer.number"}},
			[]string{keyRequiredUnmapped, keyRequiredUnmapped}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckMapping(h, tc.o, nil)
			if tc.keys == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			e := guanxi.AsError(err)
			if e.Kind != guanxi.KindInvalid || e.Key != tc.keys[0] {
				t.Fatalf("err = %v, want %v", err, tc.keys)
			}
			if tc.keys[0] == keyNoHeader {
				return
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Key)
			}
			if !slices.Equal(got, tc.keys) {
				t.Errorf("problems = %v, want %v", got, tc.keys)
			}
		})
	}
}

func TestApplyTemplate(t *testing.T) {
	tpl := Template{Entity: Customers, Columns: map[string]string{
		"户主":       "name",
		"联系方式（手机）": "mobile",
		"旧字段":      "custom.gone", // a deleted custom field is ignored
	}}
	got := ApplyTemplate(tpl, []string{"户主", "联系方式", "地址", "旧字段", "姓名"}, testDefs)
	want := []string{"name", "mobile", "address", "", ""}
	if !slices.Equal(got, want) {
		t.Errorf("ApplyTemplate = %q, want %q", got, want)
	}
}
