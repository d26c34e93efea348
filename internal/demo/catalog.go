package demo

// carModel is a car sold in China with the VIN world manufacturer code of
// its maker and a typical price in units of 10 000 yuan.
type carModel struct {
	brand, model, wmi string
	price             int
}

var carModels = []carModel{
	{"一汽-大众", "速腾", "LFV", 15}, {"一汽-大众", "迈腾", "LFV", 22}, {"上汽大众", "朗逸", "LSV", 12},
	{"上汽大众", "帕萨特", "LSV", 22}, {"东风日产", "轩逸", "LGB", 11}, {"东风日产", "天籁", "LGB", 20},
	{"广汽本田", "雅阁", "LHG", 20}, {"东风本田", "思域", "LVH", 14}, {"一汽丰田", "卡罗拉", "LFM", 13},
	{"广汽丰田", "凯美瑞", "LVG", 20}, {"比亚迪", "秦PLUS", "LGX", 12}, {"比亚迪", "宋PLUS", "LGX", 16},
	{"比亚迪", "汉", "LGX", 22}, {"吉利", "星越L", "LB3", 16}, {"吉利", "帝豪", "LB3", 8},
	{"长城", "哈弗H6", "LGW", 12}, {"长安", "CS75 PLUS", "LS5", 13}, {"上汽通用五菱", "宏光MINIEV", "LZW", 4},
	{"特斯拉", "Model Y", "LRW", 27}, {"华晨宝马", "3系", "LBV", 32}, {"北京奔驰", "C级", "LE4", 35},
	{"一汽奥迪", "A6L", "LFV", 42}, {"上汽通用别克", "英朗", "LSG", 11}, {"奇瑞", "瑞虎8", "LVV", 12},
}

var carColors = []string{"白色", "黑色", "银色", "灰色", "蓝色", "红色"}

// plateChars are the licence-plate abbreviations by province short name.
var plateChars = map[string]string{
	"北京": "京", "天津": "津", "上海": "沪", "重庆": "渝", "河北": "冀", "山西": "晋", "内蒙古": "蒙",
	"辽宁": "辽", "吉林": "吉", "黑龙江": "黑", "江苏": "苏", "浙江": "浙", "安徽": "皖", "福建": "闽",
	"江西": "赣", "山东": "鲁", "河南": "豫", "湖北": "鄂", "湖南": "湘", "广东": "粤", "广西": "桂",
	"海南": "琼", "四川": "川", "贵州": "贵", "云南": "云", "陕西": "陕", "甘肃": "甘", "新疆": "新",
}

// mobilePrefixes are number blocks of China Mobile, China Unicom and China Telecom.
var mobilePrefixes = []string{
	"134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159",
	"178", "182", "183", "184", "187", "188", "195", "198",
	"130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186", "196",
	"133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199",
}

type loanProduct struct {
	name             string
	minWan, maxWan   int
	minTerm, maxTerm int // months
	rate             float64
	market           string // "" any person, "agri", "corporate"
}

var loanProducts = []loanProduct{
	{"个人住房贷款", 50, 300, 120, 360, 3.95, ""},
	{"个人汽车贷款", 5, 30, 24, 60, 4.35, ""},
	{"个人消费贷款", 1, 30, 12, 36, 4.8, ""},
	{"个人经营贷款", 10, 200, 12, 36, 4.5, ""},
	{"农户小额信用贷款", 1, 30, 12, 36, 4.6, "agri"},
	{"农业产业链贷款", 20, 300, 12, 36, 4.2, "agri"},
	{"流动资金贷款", 50, 1000, 12, 24, 3.85, "corporate"},
	{"固定资产贷款", 200, 5000, 36, 120, 4.05, "corporate"},
}

var depositProducts = []struct {
	name  string
	term  int // months, 0 = demand
	rate  float64
	ratio int // share among deposits
}{
	{"活期储蓄", 0, 0.2, 30}, {"整存整取三个月", 3, 1.05, 8}, {"整存整取一年", 12, 1.35, 15},
	{"整存整取三年", 36, 1.75, 15}, {"整存整取五年", 60, 1.8, 6}, {"大额存单三年", 36, 1.9, 10},
	{"定活两便", 0, 0.6, 4}, {"七天通知存款", 0, 0.45, 4},
}

var contractNames = []struct{ name, model string }{
	{"代发工资协议", "代发"}, {"代缴水电燃气协议", "代缴"}, {"手机银行签约", "电子银行"},
	{"短信通知服务", "短信"}, {"POS收单协议", "收单"}, {"理财产品签约", "理财"}, {"网上银行签约", "电子银行"},
}

var estates = []string{"阳光花园", "绿城桂花苑", "万科城", "碧桂园", "金色家园", "滨江花园", "保利天悦", "龙湖春江郦城", "时代广场", "锦绣江南"}

var policyProducts = []struct {
	name, model string
	minYuan     int
	maxYuan     int
}{
	{"机动车交通事故责任强制保险", "交强险", 950, 1100}, {"机动车商业保险", "商业车险", 2500, 9000},
	{"意外伤害保险", "意外险", 100, 600}, {"重大疾病保险", "重疾险", 3000, 15000},
	{"终身寿险", "寿险", 5000, 30000}, {"家庭财产保险", "家财险", 200, 800}, {"政策性种植保险", "农业险", 150, 3000},
}

var insurers = []string{"中国人保", "中国平安", "中国太保", "中国人寿", "新华保险", "太平保险"}

var otherProducts = []struct{ name, model string }{
	{"保管箱租用", "保管箱"}, {"积存金", "贵金属"}, {"基金定投", "基金"}, {"信用卡", "信用卡"},
}

var streets = []string{"人民路", "解放路", "中山路", "建设路", "文化路", "新华路", "和平路", "长江路", "延安路", "胜利街", "学院路", "工业园路", "环城北路", "府前街"}

// Organisation names: trade names and industry words, with pinyin.
var tradeNames = []char{
	{"鑫达", "xin da"}, {"华盛", "hua sheng"}, {"恒通", "heng tong"}, {"宏远", "hong yuan"}, {"永泰", "yong tai"},
	{"金源", "jin yuan"}, {"瑞丰", "rui feng"}, {"天成", "tian cheng"}, {"新禾", "xin he"}, {"绿源", "lv yuan"},
	{"东方", "dong fang"}, {"利民", "li min"}, {"广汇", "guang hui"}, {"众诚", "zhong cheng"}, {"博远", "bo yuan"},
	{"嘉禾", "jia he"}, {"润泽", "run ze"}, {"安泰", "an tai"}, {"富强", "fu qiang"}, {"丰收", "feng shou"},
}

// industryWords name an organisation's business, per industry code.
var industryWords = map[string][]char{
	"agriculture":              {{"农业", "nong ye"}, {"生态农场", "sheng tai nong chang"}, {"茶叶", "cha ye"}},
	"mining":                   {{"矿业", "kuang ye"}, {"石材", "shi cai"}},
	"utilities":                {{"水务", "shui wu"}, {"能源", "neng yuan"}},
	"manufacturing":            {{"机械制造", "ji xie zhi zao"}, {"纺织", "fang zhi"}, {"电子科技", "dian zi ke ji"}, {"五金", "wu jin"}},
	"construction":             {{"建筑工程", "jian zhu gong cheng"}, {"装饰工程", "zhuang shi gong cheng"}},
	"finance":                  {{"投资管理", "tou zi guan li"}, {"融资担保", "rong zi dan bao"}},
	"real_estate":              {{"房地产开发", "fang di chan kai fa"}, {"物业管理", "wu ye guan li"}},
	"wholesale_retail":         {{"商贸", "shang mao"}, {"超市", "chao shi"}, {"汽车销售服务", "qi che xiao shou fu wu"}},
	"transport":                {{"物流", "wu liu"}, {"运输", "yun shu"}},
	"hospitality":              {{"餐饮管理", "can yin guan li"}, {"酒店管理", "jiu dian guan li"}},
	"it_services":              {{"信息技术", "xin xi ji shu"}, {"软件", "ruan jian"}, {"网络科技", "wang luo ke ji"}},
	"public_facilities":        {{"环境工程", "huan jing gong cheng"}, {"园林绿化", "yuan lin lv hua"}},
	"resident_services":        {{"家政服务", "jia zheng fu wu"}, {"汽车维修", "qi che wei xiu"}},
	"education_health_culture": {{"教育咨询", "jiao yu zi xun"}, {"医疗器械", "yi liao qi xie"}, {"文化传媒", "wen hua chuan mei"}},
	"public_administration":    {{"城市建设投资", "cheng shi jian she tou zi"}, {"公共服务", "gong gong fu wu"}},
}

// industryWeights are relative shares of customers per industry (MSEG-03).
var industryWeights = []int{14, 1, 2, 16, 8, 3, 5, 18, 6, 6, 5, 2, 7, 5, 2}

var sources = []string{"来店", "电话", "转介绍", "网络", "活动", "代发工资", "外拓营销", "老客户推荐"}

var tagPool = []string{"VIP", "代发工资", "高净值", "新客户", "车主", "有房贷", "小微企业主", "退休",
	"公务员", "教师", "医生", "个体户", "种植大户", "养殖户", "理财偏好", "风险厌恶", "潜在贷款需求", "生日关怀"}

var contactTitles = []string{"法定代表人", "总经理", "财务总监", "财务经理", "出纳", "办公室主任", "社长"}

var interactionTexts = map[string][]string{
	"phone":       {"电话回访，客户对服务满意", "电话告知贷款即将到期", "推荐大额存单产品，客户表示考虑", "生日电话问候", "电话核实客户联系信息"},
	"sms":         {"发送节日祝福短信", "发送贷款到期提醒短信", "发送理财产品到期提醒"},
	"email":       {"邮件发送月度对账单", "邮件发送企业网银操作指引"},
	"wechat":      {"微信发送理财产品介绍", "微信沟通还款安排", "微信邀请参加客户沙龙"},
	"visit":       {"上门走访，了解经营情况", "实地调查种植规模", "走访企业，了解资金需求", "贷后检查"},
	"store_visit": {"客户来网点办理定期存款", "来店咨询房贷利率", "来店办理手机银行", "来店更新身份证信息"},
	"letter":      {"寄送年度对账单", "寄送逾期催收函"},
	"other":       {"客户经理在社区活动中接触客户", "客户参加理财讲座"},
}

var outcomes = []string{"满意", "有意向", "考虑中", "无意向", "已办理", "未接通", ""}
var nextActions = []string{"一周后再次联系", "预约来店面签", "发送产品资料", "安排上门拜访", "跟进贷款申请"}

// Org tree of the demo bank: branches in Zhejiang with their sub-branches.
var branchNames = []struct {
	name string
	subs []string
}{
	{"杭州分行", []string{"西湖支行", "滨江支行", "余杭支行"}},
	{"宁波分行", []string{"海曙支行", "鄞州支行", "北仑支行"}},
	{"温州分行", []string{"鹿城支行", "龙湾支行", "瓯海支行"}},
	{"绍兴分行", []string{"越城支行", "柯桥支行", "上虞支行"}},
}

var headDepartments = []string{"个人金融部", "公司金融部", "三农金融部", "风险管理部", "审计部", "信息科技部"}
var teamNames = []string{"零售一组", "零售二组", "普惠三农组"}
