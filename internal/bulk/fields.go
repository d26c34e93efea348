package bulk

import (
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// The field catalogs: each importable field with the header texts that
// usually name it in Chinese and English spreadsheets. Synonyms are
// compared after Fold, so case, width, spaces and punctuation do not matter.

// holdingFields are the holding columns; customer rows carry them prefixed
// "holding." (dealer and bank sheets list one car or loan per customer).
func holdingFields(prefix string) []Field {
	return []Field{
		{Key: prefix + "kind", Kind: KindEnum, Synonyms: []string{"资产类型", "持有类型", "业务类型", "产品类型", "holding type", "holding kind"}},
		{Key: prefix + "name", Kind: KindText, Synonyms: []string{"产品名称", "资产名称", "业务名称", "产品名", "product name", "holding", "holding name"}},
		{Key: prefix + "reference", Kind: KindText, Synonyms: []string{"车架号", "车辆识别代号", "vin", "vin码", "车牌号", "车牌", "账号", "帐号", "贷款账号", "存款账号", "合同号", "合同编号", "房号", "保单号", "reference", "account", "account number", "contract number", "plate"}},
		{Key: prefix + "model", Kind: KindText, Synonyms: []string{"车型", "品牌车型", "车辆型号", "品牌", "产品", "型号", "model", "product", "plan"}},
		{Key: prefix + "amount", Kind: KindMoney, Synonyms: []string{"金额", "贷款金额", "购车价格", "购车金额", "车价", "合同金额", "贷款额度", "授信额度", "保额", "成交价", "房价", "amount", "price", "loan amount"}},
		{Key: prefix + "balance", Kind: KindMoney, Synonyms: []string{"贷款余额", "余额", "存款余额", "账户余额", "剩余本金", "balance", "outstanding"}},
		{Key: prefix + "currency", Kind: KindText, Synonyms: []string{"币种", "货币", "currency"}},
		{Key: prefix + "opened_on", Kind: KindDate, Synonyms: []string{"购车日期", "开户日期", "签约日期", "放款日期", "起始日期", "开始日期", "成交日期", "投保日期", "opened", "opened on", "start date", "purchase date"}},
		{Key: prefix + "due_on", Kind: KindDate, Synonyms: []string{"到期日", "到期日期", "结束日期", "终止日期", "保险到期日", "due", "due date", "maturity", "end date"}},
		{Key: prefix + "status", Kind: KindText, Synonyms: []string{"状态", "资产状态", "贷款状态", "账户状态", "status"}},
		{Key: prefix + "mileage", Kind: KindInt, Synonyms: []string{"里程", "公里数", "行驶里程", "里程数", "mileage", "odometer", "km"}},
	}
}

// customerKeyPrefix prefixes the key columns of child rows
// (customer.number); built, not written out, as the i18n source scan
// would read a literal as a message key.
const customerKeyPrefix = "customer."

// customerKeyFields link a child row to its customer by the import's key.
func customerKeyFields(e Entity) []Field {
	number := []string{"客户编号", "客户号", "客户代码", "customer number", "customer no", "customer id"}
	idn := []string{"客户身份证号", "客户证件号码", "客户证件号", "客户身份证号码", "customer id number"}
	mobile := []string{"客户手机", "客户手机号", "客户手机号码", "客户电话", "customer mobile", "customer phone"}
	if e != Contacts {
		// Contacts have their own mobile; the other children name the
		// customer's identifiers plainly.
		number = append(number, "编号")
		idn = append(idn, "身份证号", "身份证号码", "身份证", "证件号码", "证件号", "统一社会信用代码", "id number")
		mobile = append(mobile, "手机", "手机号", "手机号码", "mobile")
	} else {
		idn = append(idn, "身份证号", "身份证号码", "证件号码", "统一社会信用代码")
	}
	return []Field{
		{Key: customerKeyPrefix + string(KeyNumber), Kind: KindText, Synonyms: number},
		{Key: customerKeyPrefix + string(KeyIDNumber), Kind: KindText, Synonyms: idn},
		{Key: customerKeyPrefix + string(KeyMobile), Kind: KindPhone, Synonyms: mobile},
	}
}

func customerFields(defs []customer.FieldDef) []Field {
	fs := []Field{
		{Key: "number", Kind: KindText, Synonyms: []string{"客户编号", "客户号", "编号", "客户代码", "customer number", "customer no", "number", "no"}},
		{Key: "name", Kind: KindText, Required: true, Synonyms: []string{"客户名称", "客户姓名", "姓名", "名称", "公司名称", "单位名称", "企业名称", "客户", "户名", "name", "full name", "customer", "customer name", "company"}},
		{Key: "kind", Kind: KindEnum, Synonyms: []string{"客户类型", "类型", "客户类别", "个人企业", "type", "kind", "customer type"}},
		{Key: "gender", Kind: KindEnum, Synonyms: []string{"性别", "gender", "sex"}},
		{Key: "birthday", Kind: KindDate, Synonyms: []string{"生日", "出生日期", "出生年月", "出生年月日", "birthday", "birth date", "date of birth", "dob"}},
		{Key: "lunar_birthday", Kind: KindBool, Synonyms: []string{"农历生日", "过农历生日", "是否农历", "lunar birthday", "lunar"}},
		{Key: "id_type", Kind: KindEnum, Synonyms: []string{"证件类型", "证件种类", "id type", "document type"}},
		{Key: "id_number", Kind: KindText, Synonyms: []string{"身份证号", "身份证号码", "身份证", "证件号码", "证件号", "统一社会信用代码", "信用代码", "id number", "id no", "id"}},
		{Key: "mobile", Kind: KindPhone, Synonyms: []string{"手机", "手机号", "手机号码", "移动电话", "联系手机", "mobile", "cell", "cell phone", "mobile phone"}},
		{Key: "phone", Kind: KindPhone, Synonyms: []string{"电话", "联系电话", "固定电话", "座机", "办公电话", "家庭电话", "电话号码", "phone", "tel", "telephone", "landline"}},
		{Key: "email", Kind: KindText, Synonyms: []string{"邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "mail"}},
		{Key: "wechat", Kind: KindText, Synonyms: []string{"微信", "微信号", "wechat", "weixin"}},
		{Key: "province", Kind: KindText, Synonyms: []string{"省份", "省", "所在省份", "province"}},
		{Key: "city", Kind: KindText, Synonyms: []string{"城市", "市", "所在城市", "city"}},
		{Key: "district", Kind: KindText, Synonyms: []string{"区县", "区", "县", "区/县", "district", "county"}},
		{Key: "address", Kind: KindText, Synonyms: []string{"地址", "住址", "联系地址", "家庭住址", "通讯地址", "详细地址", "单位地址", "address"}},
		{Key: "market", Kind: KindEnum, Synonyms: []string{"市场", "目标市场", "所属市场", "market"}},
		{Key: "industry", Kind: KindEnum, Synonyms: []string{"行业", "所属行业", "行业分类", "industry"}},
		{Key: "source", Kind: KindText, Synonyms: []string{"来源", "客户来源", "渠道来源", "获客渠道", "source", "lead source"}},
		{Key: "stage", Kind: KindEnum, Synonyms: []string{"阶段", "客户阶段", "客户状态", "stage", "lifecycle stage"}},
		{Key: "grade", Kind: KindText, Synonyms: []string{"等级", "客户等级", "级别", "星级", "客户级别", "grade", "level", "tier"}},
		{Key: "tags", Kind: KindTags, Synonyms: []string{"标签", "客户标签", "tags", "tag", "labels"}},
		{Key: "notes", Kind: KindText, Synonyms: []string{"备注", "说明", "备注说明", "notes", "note", "remarks", "comment"}},
		{Key: "owner", Kind: KindText, Synonyms: []string{"客户经理", "负责人", "归属人", "所属客户经理", "管户经理", "销售顾问", "owner", "account manager"}},
		{Key: "consent.sms", Kind: KindBool, Synonyms: []string{"接受短信", "短信营销", "同意短信", "短信", "sms", "sms consent"}},
		{Key: "consent.email", Kind: KindBool, Synonyms: []string{"接受邮件", "邮件营销", "同意邮件", "email consent"}},
		{Key: "consent.phone", Kind: KindBool, Synonyms: []string{"接受电话", "电话营销", "同意电话", "phone consent"}},
		{Key: "consent.wechat", Kind: KindBool, Synonyms: []string{"接受微信", "微信营销", "同意微信", "wechat consent"}},
	}
	fs = append(fs, holdingFields("holding.")...)
	for _, d := range defs {
		kind := KindText
		switch d.Type {
		case customer.FieldNumber:
			kind = KindNumber
		case customer.FieldDate:
			kind = KindDate
		case customer.FieldChoice:
			kind = KindEnum
		case customer.FieldMulti:
			kind = KindTags
		}
		fs = append(fs, Field{Key: "custom." + d.Key, Kind: kind, Required: d.Required, Synonyms: []string{d.Key, d.LabelZh, d.LabelEn}})
	}
	return fs
}

func contactFields() []Field {
	fs := []Field{
		{Key: "name", Kind: KindText, Required: true, Synonyms: []string{"联系人", "联系人姓名", "姓名", "联系人名称", "name", "contact", "contact name"}},
		{Key: "title", Kind: KindText, Synonyms: []string{"职务", "职位", "岗位", "title", "position", "job title"}},
		{Key: "mobile", Kind: KindPhone, Synonyms: []string{"手机", "手机号", "手机号码", "联系人手机", "移动电话", "mobile", "cell"}},
		{Key: "phone", Kind: KindPhone, Synonyms: []string{"电话", "联系电话", "固定电话", "座机", "办公电话", "phone", "tel"}},
		{Key: "email", Kind: KindText, Synonyms: []string{"邮箱", "电子邮箱", "email", "e-mail"}},
		{Key: "wechat", Kind: KindText, Synonyms: []string{"微信", "微信号", "wechat"}},
		{Key: "is_primary", Kind: KindBool, Synonyms: []string{"主联系人", "是否主联系人", "首要联系人", "primary", "is primary"}},
		{Key: "notes", Kind: KindText, Synonyms: []string{"备注", "说明", "notes", "remarks"}},
	}
	return append(customerKeyFields(Contacts), fs...)
}

func transactionFields() []Field {
	fs := []Field{
		{Key: "kind", Kind: KindEnum, Synonyms: []string{"交易类型", "类型", "业务类型", "kind", "type"}},
		{Key: "amount", Kind: KindMoney, Required: true, Synonyms: []string{"金额", "交易金额", "发生额", "消费金额", "amount"}},
		{Key: "currency", Kind: KindText, Synonyms: []string{"币种", "货币", "currency"}},
		{Key: "occurred_at", Kind: KindTime, Required: true, Synonyms: []string{"交易时间", "交易日期", "日期", "时间", "发生时间", "发生日期", "消费时间", "date", "time", "occurred at"}},
		{Key: "description", Kind: KindText, Synonyms: []string{"摘要", "说明", "备注", "描述", "交易摘要", "description", "memo", "notes"}},
	}
	return append(customerKeyFields(Transactions), fs...)
}

func interactionFields() []Field {
	fs := []Field{
		{Key: "channel", Kind: KindEnum, Synonyms: []string{"渠道", "方式", "联系方式", "沟通方式", "接触方式", "channel"}},
		{Key: "direction", Kind: KindEnum, Synonyms: []string{"方向", "呼叫方向", "来去电", "direction"}},
		{Key: "occurred_at", Kind: KindTime, Required: true, Synonyms: []string{"时间", "联系时间", "日期", "联系日期", "沟通时间", "拜访时间", "date", "time", "occurred at"}},
		{Key: "summary", Kind: KindText, Required: true, Synonyms: []string{"内容", "摘要", "沟通内容", "联系内容", "记录", "沟通记录", "跟进内容", "summary", "content", "notes"}},
		{Key: "outcome", Kind: KindText, Synonyms: []string{"结果", "沟通结果", "联系结果", "outcome", "result"}},
		{Key: "next_action", Kind: KindText, Synonyms: []string{"下一步", "下次跟进", "后续行动", "下一步计划", "next action", "next step"}},
		{Key: "next_action_on", Kind: KindDate, Synonyms: []string{"下次联系日期", "跟进日期", "下次跟进日期", "下次联系时间", "next action on", "follow up date"}},
		{Key: "purpose", Kind: KindEnum, Synonyms: []string{"目的", "联系目的", "purpose"}},
		{Key: "staff", Kind: KindText, Synonyms: []string{"经办人", "员工", "联系人员", "客户经理", "staff", "agent"}},
	}
	return append(customerKeyFields(Interactions), fs...)
}

// Fields lists the importable fields of e, custom fields included for customers.
func Fields(e Entity, defs []customer.FieldDef) []Field {
	switch e {
	case Customers:
		return customerFields(defs)
	case Contacts:
		return contactFields()
	case Holdings:
		fs := holdingFields("")
		return append(customerKeyFields(Holdings), fs...)
	case Transactions:
		return transactionFields()
	case Interactions:
		return interactionFields()
	}
	return nil
}

// enumName tells which enum table reads a field ("" for free text).
func enumName(e Entity, key string) string {
	switch key {
	case "holding.kind":
		return "holding"
	case "kind":
		switch e {
		case Customers:
			return "kind"
		case Holdings:
			return "holding"
		case Transactions:
			return "transaction"
		}
	case "gender", "id_type", "market", "industry", "stage", "channel", "direction", "purpose":
		return key
	}
	return ""
}

// enums maps folded labels (Chinese, English, codes) to enum codes. Read
// only after package initialisation.
var enums = map[string]map[string]string{
	"gender": foldTable(map[string][]string{
		"male":   {"男", "男性", "男士", "先生", "m", "male", "man"},
		"female": {"女", "女性", "女士", "小姐", "f", "female", "woman"},
	}),
	"kind": foldTable(map[string][]string{
		"person": {"个人", "个人客户", "自然人", "对私", "person", "individual", "personal", "p"},
		"org":    {"企业", "公司", "单位", "机构", "组织", "企业客户", "对公", "法人", "org", "organisation", "organization", "company", "corporate", "business"},
	}),
	"stage": foldTable(map[string][]string{
		"prospect": {"潜在", "潜在客户", "潜在客户a卡", "意向", "意向客户", "a卡", "a", "线索", "prospect", "lead"},
		"customer": {"成交", "成交客户", "成交客户c卡", "c卡", "c", "客户", "已成交", "正式客户", "customer", "won", "active"},
		"dormant":  {"休眠", "休眠客户", "沉睡", "沉默", "dormant", "inactive"},
		"lost":     {"流失", "流失客户", "已流失", "lost", "churned"},
	}),
	"market": foldTable(map[string][]string{
		"agri":      {"三农", "三农市场", "农户", "农业", "agri", "agriculture", "rural"},
		"corporate": {"公司", "公司市场", "对公", "企业", "corporate", "company"},
		"personal":  {"个人", "个人市场", "零售", "对私", "personal", "retail"},
	}),
	"id_type": foldTable(map[string][]string{
		"resident_id": {"身份证", "居民身份证", "二代身份证", "身份证件", "resident id", "resident_id", "id card"},
		"uscc":        {"统一社会信用代码", "社会信用代码", "营业执照", "信用代码", "uscc"},
		"passport":    {"护照", "passport"},
		"other":       {"其他", "其它", "其他证件", "军官证", "港澳通行证", "台胞证", "回乡证", "other"},
	}),
	"industry": foldTable(map[string][]string{
		"agriculture":              {"农林牧渔业", "农林牧渔", "农业", "agriculture", "agriculture, forestry, fishing"},
		"mining":                   {"采矿业", "采矿", "mining"},
		"utilities":                {"电力燃气水生产供应", "电力、热力、燃气及水生产和供应业", "电力", "utilities"},
		"manufacturing":            {"制造业", "制造", "manufacturing"},
		"construction":             {"建筑业", "建筑", "construction"},
		"finance":                  {"金融业", "金融", "finance"},
		"real_estate":              {"房地产业", "房地产", "real estate", "real_estate"},
		"wholesale_retail":         {"批发和零售业", "批发零售", "批发和零售", "零售", "wholesale and retail", "wholesale_retail", "retail"},
		"transport":                {"交通运输仓储邮政", "交通运输、仓储和邮政业", "交通运输", "物流", "transport", "transport and logistics"},
		"hospitality":              {"住宿和餐饮业", "住宿餐饮", "餐饮", "hotels and catering", "hospitality"},
		"it_services":              {"信息技术服务业", "信息传输、软件和信息技术服务业", "信息技术", "软件", "it services", "it_services", "it"},
		"public_facilities":        {"水利环境公共设施", "水利、环境和公共设施管理业", "water, environment, public facilities", "public_facilities"},
		"resident_services":        {"居民服务业", "居民服务、修理和其他服务业", "居民服务", "resident services", "resident_services"},
		"education_health_culture": {"教育卫生文化", "教育", "卫生", "文化", "education, health, culture", "education_health_culture"},
		"public_administration":    {"公共管理和社会组织", "公共管理、社会保障和社会组织", "公共管理", "public administration", "public_administration"},
	}),
	"holding": foldTable(map[string][]string{
		"vehicle":      {"车辆", "汽车", "车", "vehicle", "car"},
		"loan":         {"贷款", "借款", "loan"},
		"deposit":      {"存款", "储蓄", "deposit"},
		"subscription": {"订阅", "合同", "订阅/合同", "会员", "subscription", "contract"},
		"property":     {"房产", "房屋", "物业", "property"},
		"policy":       {"保单", "保险", "policy", "insurance"},
		"other":        {"其他", "其它", "other"},
	}),
	"transaction": foldTable(map[string][]string{
		"purchase":   {"购买", "消费", "购车", "purchase", "buy"},
		"service":    {"服务", "维修", "保养", "service"},
		"payment":    {"付款", "支付", "缴费", "payment"},
		"deposit":    {"存入", "存款", "deposit"},
		"withdrawal": {"支取", "取款", "withdrawal"},
		"repayment":  {"还款", "repayment"},
		"return":     {"退赔", "退货", "退款", "return", "refund"},
		"discount":   {"折价", "折扣", "优惠", "discount"},
		"other":      {"其他", "其它", "other"},
	}),
	"channel": foldTable(map[string][]string{
		"phone":       {"电话", "来电", "去电", "phone", "call"},
		"sms":         {"短信", "sms", "text"},
		"email":       {"邮件", "电子邮件", "email", "e-mail"},
		"wechat":      {"微信", "wechat"},
		"visit":       {"拜访", "上门", "走访", "visit"},
		"store_visit": {"到店", "来店", "进店", "store visit", "store_visit"},
		"letter":      {"信函", "信件", "letter"},
		"other":       {"其他", "其它", "other"},
	}),
	"direction": foldTable(map[string][]string{
		"in":  {"呼入", "来电", "来访", "客户来访来电", "客户来访/来电", "in", "inbound", "incoming"},
		"out": {"呼出", "去电", "主动联系", "回访", "out", "outbound", "outgoing"},
	}),
	"purpose": foldTable(map[string][]string{
		"follow_up":  {"跟进", "回访", "follow up", "follow_up"},
		"care":       {"关怀", "客户关怀", "care"},
		"sales":      {"营销", "销售", "sales"},
		"service":    {"服务", "service"},
		"collection": {"催收", "催缴", "collection"},
	}),
}

func foldTable(t map[string][]string) map[string]string {
	m := map[string]string{}
	for code, labels := range t {
		for _, l := range labels {
			m[Fold(l)] = code
		}
		m[Fold(code)] = code
	}
	return m
}

// ParseEnum reads a label or code of the named enum (gender, kind, stage,
// market, id_type, industry, holding, transaction, channel, direction,
// purpose) and returns its code.
func ParseEnum(name, s string) (string, bool) {
	code, ok := enums[name][Fold(s)]
	return code, ok
}
