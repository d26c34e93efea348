package bulk

import (
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// A valid resident ID (1990-03-07, male) and USCC for the tests.
const (
	testRID   = "110101199003071233"
	testUSCC  = "93330106MA2AXXXX0P"
	testRID2  = "330106198001011235"
	testVIN   = "LSVAU2180N2183294"
	shanghaiH = 8
)

func converter(t *testing.T, e Entity, mode Mode, key Key, header []string) *Converter {
	t.Helper()
	o := Options{Entity: e, Mode: mode, Key: key, Mapping: AutoMap(e, header, testDefs), Loc: time.FixedZone("CST", shanghaiH*3600)}
	c, err := NewConverter(header, o, testDefs)
	if err != nil {
		t.Fatalf("NewConverter(%q, %q): %v", header, o.Mapping, err)
	}
	return c
}

func problemKeys(ps []Problem) []string {
	var ks []string
	for _, p := range ps {
		ks = append(ks, p.Key)
	}
	return ks
}

func TestConvertCustomer(t *testing.T) {
	header := []string{"客户编号", "客户名称", "性别", "生日", "身份证号", "手机", "电话", "邮箱", "客户类型", "客户阶段",
		"目标市场", "行业", "标签", "接受短信", "客户经理", "车牌", "评分", "到访日期", "会员级别", "爱好", "车型", "车架号", "购车价格(万元)", "里程"}
	c := converter(t, Customers, ModeCreate, KeyMobile, header)
	row := Row{Line: 7, Cells: []string{"Ｃ００１", " 张三 ", "男", "1990年3月7日", testRID, "+86 138-0013-8000", "(0571)8888-1234", "ZS@Example.com",
		"个人", "C卡", "个人", "金融业", "VIP，老客户", "是", "王经理", "浙A12345", "4.5", "46027", "金卡", "钓鱼、自驾", "朗逸", testVIN, "12.98", "15,200"}}
	rec, probs := c.Convert(row)
	if len(probs) != 0 {
		t.Fatalf("problems: %+v", probs)
	}
	cu := rec.Customer
	checks := []struct{ name, got, want string }{
		{"number", cu.Number, "C001"}, {"name", cu.Name, "张三"}, {"gender", cu.Gender, "male"}, {"birthday", cu.Birthday, "1990-03-07"},
		{"id_type", string(cu.IDType), "resident_id"}, {"mobile", cu.Mobile, "13800138000"}, {"phone", cu.Phone, "0571-88881234"},
		{"email", cu.Email, "zs@example.com"}, {"kind", string(cu.Kind), "person"}, {"stage", string(cu.Stage), "customer"},
		{"market", string(cu.Market), "personal"}, {"industry", cu.Industry, "finance"}, {"owner", rec.OwnerRef, "王经理"},
		{"key", rec.KeyValue, "13800138000"}, {"custom date", cu.Custom["visit_day"].(string), "2026-01-05"},
		{"custom choice", cu.Custom["level"].(string), "金卡"}, {"custom text", cu.Custom["plate"].(string), "浙A12345"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if !slices.Equal(cu.Tags, []string{"VIP", "老客户"}) || !cu.Consent["sms"] || cu.Custom["score"] != 4.5 {
		t.Errorf("tags %q consent %v score %v", cu.Tags, cu.Consent, cu.Custom["score"])
	}
	if h, ok := cu.Custom["hobbies"].([]string); !ok || !slices.Equal(h, []string{"钓鱼", "自驾"}) {
		t.Errorf("hobbies = %#v", cu.Custom["hobbies"])
	}
	h := rec.Holding
	if h == nil || h.Kind != "vehicle" || h.Model != "朗逸" || h.Reference != testVIN || h.AmountMinor != 12980000 || h.Attrs["mileage"] != int64(15200) || h.Currency != "CNY" {
		t.Errorf("holding = %+v", h)
	}
	if KeyOf(&rec.Customer, KeyMobile) != rec.KeyValue || KeyOf(&rec.Customer, KeyNumber) != "C001" || KeyOf(&rec.Customer, KeyIDNumber) != testRID {
		t.Error("KeyOf disagrees with Convert")
	}
	for _, k := range []string{"number", "name", "mobile", "phone", "consent.sms", "custom.level", "tags"} {
		if !slices.Contains(rec.Set, k) {
			t.Errorf("Set %q lacks %s", rec.Set, k)
		}
	}
	if slices.Contains(rec.Set, "owner") || slices.Contains(rec.Set, "holding.model") {
		t.Errorf("Set %q has non-customer fields", rec.Set)
	}
	if c.ColumnOf("mobile") != 5 || c.ColumnOf("holding.amount") != 22 || c.ColumnOf("email2") != -1 {
		t.Error("ColumnOf")
	}
}

func TestConvertProblems(t *testing.T) {
	header := []string{"客户名称", "手机", "生日", "性别", "贷款余额(元)", "接受短信", "会员级别", "邮箱"}
	c := converter(t, Customers, ModeCreate, KeyMobile, header)
	for _, tc := range []struct {
		name  string
		cells []string
		want  []Problem // Line, Column, Header, Field, Key, Value are compared
	}{
		{"impossible date", []string{"张三", "13800138000", "2026-02-30"},
			[]Problem{{Column: 2, Header: "生日", Field: "birthday", Key: keyBadDate, Value: "2026-02-30"}}},
		{"bad mobile", []string{"张三", "1380013800"},
			[]Problem{{Column: 1, Header: "手机", Field: "mobile", Key: "validation.mobile", Value: "1380013800"}}},
		{"name missing", []string{"", "13800138000"},
			[]Problem{{Column: 0, Header: "客户名称", Field: "name", Key: "validation.required", Value: ""}}},
		{"enum, money, bool, choice, email", []string{"张三", "", "", "未知", "12.345", "也许", "铜卡", "not-an-email"},
			[]Problem{
				{Column: 3, Header: "性别", Field: "gender", Key: keyBadEnum, Value: "未知"},
				{Column: 4, Header: "贷款余额(元)", Field: "holding.balance", Key: keyMoneyPrecision, Value: "12.345"},
				{Column: 5, Header: "接受短信", Field: "consent.sms", Key: keyBadBool, Value: "也许"},
				{Column: 6, Header: "会员级别", Field: "custom.level", Key: keyBadChoice, Value: "铜卡"},
				{Column: 7, Header: "邮箱", Field: "email", Key: "validation.email", Value: "not-an-email"},
			}},
		{"extra cells", []string{"张三", "13800138000", "", "", "", "", "", "", "", "多余"},
			[]Problem{{Column: 9, Key: keyExtraCells, Value: "多余"}}},
		{"future birthday", []string{"张三", "", "2999-01-01"},
			[]Problem{{Column: 2, Header: "生日", Field: "birthday", Key: "validation.future_date", Value: "2999-01-01"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cells := make([]string, max(len(header), len(tc.cells)))
			copy(cells, tc.cells)
			_, probs := c.Convert(Row{Line: 12, Cells: cells})
			if len(probs) != len(tc.want) {
				t.Fatalf("problems = %+v, want %+v", probs, tc.want)
			}
			for i, w := range tc.want {
				p := probs[i]
				if p.Line != 12 || p.Column != w.Column || p.Header != w.Header || p.Field != w.Field || p.Key != w.Key || p.Value != w.Value {
					t.Errorf("problem %d = %+v, want %+v", i, p, w)
				}
			}
		})
	}
}

func TestConvertInference(t *testing.T) {
	c := converter(t, Customers, ModeCreate, KeyIDNumber, []string{"客户名称", "证件号码", "电话", "手机", "贷款余额（万元）", "到期日"})
	rec, probs := c.Convert(Row{Line: 2, Cells: []string{"杭州西湖茶叶专业合作社", testUSCC, "13800138000", "", "50.5", "2027-06-30"}})
	if len(probs) != 0 {
		t.Fatalf("problems %+v", probs)
	}
	cu := rec.Customer
	if cu.Kind != customer.Org || cu.IDType != customer.IDUSCC || cu.Mobile != "13800138000" || cu.Phone != "" || rec.KeyValue != testUSCC {
		t.Errorf("customer = kind %s idtype %s mobile %q phone %q key %q", cu.Kind, cu.IDType, cu.Mobile, cu.Phone, rec.KeyValue)
	}
	if slices.Contains(rec.Set, "phone") || !slices.Contains(rec.Set, "mobile") {
		t.Errorf("Set = %q", rec.Set)
	}
	if h := rec.Holding; h == nil || h.Kind != "loan" || h.BalanceMinor != 50500000 || h.DueOn != "2027-06-30" {
		t.Errorf("holding = %+v", rec.Holding)
	}
	// A landline in the mobile column moves to phone; a mistyped resident ID
	// is reported as one.
	rec, probs = c.Convert(Row{Line: 3, Cells: []string{"张三", "110101199003071234", "", "0571 8888 1234", "", ""}})
	if rec.Customer.Phone != "0571-88881234" || rec.Customer.Mobile != "" {
		t.Errorf("landline: mobile %q phone %q", rec.Customer.Mobile, rec.Customer.Phone)
	}
	if got := problemKeys(probs); !slices.Equal(got, []string{"validation.resident_id"}) || probs[0].Column != 1 {
		t.Errorf("problems %+v", probs)
	}
}

func TestConvertUpdateChecksOnlySetFields(t *testing.T) {
	header := []string{"客户编号", "客户名称", "手机", "邮箱"}
	c := converter(t, Customers, ModeUpdate, KeyNumber, header)
	rec, probs := c.Convert(Row{Line: 2, Cells: []string{"C001", "", "13900139000", ""}})
	if len(probs) != 0 {
		t.Fatalf("an update without a name must pass: %+v", probs)
	}
	if !slices.Equal(rec.Set, []string{"number", "mobile"}) || rec.KeyValue != "C001" {
		t.Errorf("Set %q key %q", rec.Set, rec.KeyValue)
	}
	_, probs = c.Convert(Row{Line: 3, Cells: []string{"C002", "", "12345", "x@"}})
	if got := problemKeys(probs); !slices.Equal(got, []string{"validation.mobile", "validation.email"}) {
		t.Errorf("problems %v", got)
	}

	existing := &customer.Customer{ID: 9, Number: "C001", Name: "老张", Kind: customer.Person, Stage: customer.StageCustomer,
		Mobile: "13800138000", Email: "old@example.com", Tags: []string{"老"}, Custom: map[string]any{"plate": "浙A1"}, Version: 4}
	merged, probs := ValidateMerged(rec, existing, c.o, testDefs)
	if len(probs) != 0 {
		t.Fatalf("merge problems %+v", probs)
	}
	if merged.Name != "老张" || merged.Mobile != "13900139000" || merged.Email != "old@example.com" || merged.ID != 9 || merged.Version != 4 {
		t.Errorf("merged = %+v", merged)
	}
	if existing.Mobile != "13800138000" {
		t.Error("ValidateMerged changed the existing customer")
	}
	// A merged customer that breaks a rule is reported on its column.
	existing.IDType, existing.IDNumber = customer.IDResident, testRID
	rec2, _ := converter(t, Customers, ModeUpdate, KeyNumber, []string{"客户编号", "客户类型"}).Convert(Row{Line: 4, Cells: []string{"C001", "企业"}})
	c2 := converter(t, Customers, ModeUpdate, KeyNumber, []string{"客户编号", "客户类型"})
	_, probs = c2.ValidateMerged(rec2, existing, Row{Line: 4, Cells: []string{"C001", "企业"}})
	if len(probs) != 1 || probs[0].Key != "validation.id_type_kind" || probs[0].Line != 4 {
		t.Errorf("merged problems %+v", probs)
	}
	// nil existing: the row creates a customer and is checked in full.
	_, probs = ValidateMerged(rec, nil, c.o, testDefs)
	if got := problemKeys(probs); !slices.Equal(got, []string{"validation.required"}) || probs[0].Column != 1 {
		t.Errorf("create through merge: %+v", probs)
	}
}

func TestConvertChildren(t *testing.T) {
	t.Run("contacts", func(t *testing.T) {
		c := converter(t, Contacts, ModeCreate, KeyNumber, []string{"客户编号", "联系人", "手机", "电话", "主联系人"})
		rec, probs := c.Convert(Row{Line: 2, Cells: []string{" C001 ", "王经理", "", "138 0013 8000", "是"}})
		if len(probs) != 0 || rec.Contact == nil || rec.KeyValue != "C001" || rec.Contact.Mobile != "13800138000" || !rec.Contact.IsPrimary {
			t.Errorf("contact %+v key %q problems %+v", rec.Contact, rec.KeyValue, probs)
		}
		_, probs = c.Convert(Row{Line: 3, Cells: []string{"", "", "", "", ""}})
		if got := problemKeys(probs); !slices.Equal(got, []string{"validation.required", keyKeyMissing}) || probs[1].Column != 0 {
			t.Errorf("problems %+v", probs)
		}
	})
	t.Run("holdings", func(t *testing.T) {
		c := converter(t, Holdings, ModeCreate, KeyIDNumber, []string{"身份证号", "车架号", "车型", "购车日期", "金额（万元）"})
		rec, probs := c.Convert(Row{Line: 2, Cells: []string{testRID, "lsvau2180n2183294", "朗逸", "2023/5/20", "12.98"}})
		if len(probs) != 0 || rec.KeyValue != testRID {
			t.Fatalf("problems %+v", probs)
		}
		if h := rec.Holding; h.Kind != "vehicle" || h.Reference != testVIN || h.OpenedOn != "2023-05-20" || h.AmountMinor != 12980000 {
			t.Errorf("holding %+v", h)
		}
		_, probs = c.Convert(Row{Line: 3, Cells: []string{testRID, "SHORTVIN", "朗逸", "", ""}})
		if got := problemKeys(probs); !slices.Equal(got, []string{"validation.vin"}) || probs[0].Column != 1 {
			t.Errorf("problems %+v", probs)
		}
	})
	t.Run("transactions", func(t *testing.T) {
		c := converter(t, Transactions, ModeCreate, KeyMobile, []string{"手机号", "交易时间", "金额", "交易类型", "摘要"})
		rec, probs := c.Convert(Row{Line: 2, Cells: []string{"138-0013-8000", "2026-01-05 10:30", "¥1,234.50", "还款", "一月还款"}})
		tr := rec.Transaction
		if len(probs) != 0 || rec.KeyValue != "13800138000" || tr.AmountMinor != 123450 || tr.Kind != "repayment" ||
			!tr.OccurredAt.Equal(time.Date(2026, 1, 5, 2, 30, 0, 0, time.UTC)) || tr.Currency != "CNY" {
			t.Errorf("transaction %+v problems %+v", tr, probs)
		}
		_, probs = c.Convert(Row{Line: 3, Cells: []string{"13800138000", "昨天", "0", "", ""}})
		if got := problemKeys(probs); !slices.Equal(got, []string{keyBadTime, "validation.required"}) {
			t.Errorf("problems %+v", probs)
		}
	})
	t.Run("interactions", func(t *testing.T) {
		c := converter(t, Interactions, ModeCreate, KeyNumber, []string{"客户编号", "联系时间", "联系方式", "沟通内容", "下次联系日期", "下一步"})
		rec, probs := c.Convert(Row{Line: 2, Cells: []string{"C001", "46027.4375", "到店", "看车", "2026-01-10", "试驾"}})
		in := rec.Interaction
		if len(probs) != 0 || in.Channel != "store_visit" || in.Direction != "out" || in.NextActionOn != "2026-01-10" ||
			!in.OccurredAt.Equal(time.Date(2026, 1, 5, 2, 30, 0, 0, time.UTC)) {
			t.Errorf("interaction %+v problems %+v", in, probs)
		}
	})
}

func TestConvertMoneyUnits(t *testing.T) {
	c := converter(t, Customers, ModeCreate, KeyNumber, []string{"客户名称", "贷款余额/万元", "贷款金额（元）"})
	rec, probs := c.Convert(Row{Line: 2, Cells: []string{"张三", "12.5", "3万"}})
	if len(probs) != 0 || rec.Holding.BalanceMinor != 12500000 || rec.Holding.AmountMinor != 3000000 {
		t.Errorf("holding %+v problems %+v", rec.Holding, probs)
	}
}

func TestConvertDate1904(t *testing.T) {
	h := []string{"客户名称", "生日"}
	o := Options{Entity: Customers, Mode: ModeCreate, Mapping: []string{"name", "birthday"}, Date1904: true}
	c, err := NewConverter(h, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, probs := c.Convert(Row{Line: 2, Cells: []string{"张三", "31477"}})
	if len(probs) != 0 || rec.Customer.Birthday != "1990-03-07" {
		t.Errorf("birthday %q problems %+v", rec.Customer.Birthday, probs)
	}
}

func TestConvertFromXLSX(t *testing.T) {
	data := makeXLSX(t, false, xlsxSheet{name: "客户", rows: [][]any{
		{"客户名称", "手机", "生日", "贷款余额（万元）"},
		{"张三", 13800138000, time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), 12.5},
	}})
	rd, rows, err := readAll(data, "a.xlsx", "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Entity: Customers, Mode: ModeCreate, Mapping: AutoMap(Customers, rd.Header(), nil), Date1904: rd.Info().Date1904}
	c, err := NewConverter(rd.Header(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, probs := c.Convert(rows[0])
	if len(probs) != 0 || rec.Customer.Birthday != "1990-03-07" || rec.Customer.Mobile != "13800138000" || rec.Holding.BalanceMinor != 12500000 {
		t.Errorf("record %+v holding %+v problems %+v", rec.Customer, rec.Holding, probs)
	}
}

func TestNewConverterRejectsBadMapping(t *testing.T) {
	_, err := NewConverter([]string{"a"}, Options{Entity: Customers, Mode: ModeCreate, Mapping: []string{""}}, nil)
	if errKey(err) != keyNoHeader {
		t.Errorf("err = %v", err)
	}
}
