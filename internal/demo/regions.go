package demo

// province is a provincial-level division with its share of the population
// (per mille, 2020 census, approximate) and some of its cities.
type province struct {
	name, short, pinyin string
	weight              int
	cities              []city
}

// city carries its telephone area code and some districts with their real
// GB/T 2260 administrative division codes (the first six digits of a 身份证).
type city struct {
	name, area string
	districts  []district
}

type district struct{ name, code string }

func d(name, code string) district { return district{name, code} }

var provinces = []province{
	{"北京市", "北京", "bei jing", 16, []city{{"北京市", "010", []district{d("东城区", "110101"), d("西城区", "110102"), d("朝阳区", "110105"), d("丰台区", "110106"), d("海淀区", "110108"), d("昌平区", "110114")}}}},
	{"天津市", "天津", "tian jin", 10, []city{{"天津市", "022", []district{d("和平区", "120101"), d("河东区", "120102"), d("河西区", "120103"), d("南开区", "120104"), d("滨海新区", "120116")}}}},
	{"上海市", "上海", "shang hai", 18, []city{{"上海市", "021", []district{d("黄浦区", "310101"), d("徐汇区", "310104"), d("长宁区", "310105"), d("静安区", "310106"), d("闵行区", "310112"), d("浦东新区", "310115")}}}},
	{"重庆市", "重庆", "chong qing", 23, []city{{"重庆市", "023", []district{d("万州区", "500101"), d("渝中区", "500103"), d("沙坪坝区", "500106"), d("渝北区", "500112")}}}},
	{"河北省", "河北", "he bei", 53, []city{
		{"石家庄市", "0311", []district{d("长安区", "130102"), d("桥西区", "130104"), d("新华区", "130105")}},
		{"唐山市", "0315", []district{d("路南区", "130202"), d("路北区", "130203")}},
		{"邯郸市", "0310", []district{d("邯山区", "130402"), d("丛台区", "130403")}},
		{"保定市", "0312", []district{d("竞秀区", "130602"), d("莲池区", "130606")}}}},
	{"山西省", "山西", "shan xi", 25, []city{
		{"太原市", "0351", []district{d("小店区", "140105"), d("迎泽区", "140106")}},
		{"大同市", "0352", []district{d("平城区", "140213")}},
		{"运城市", "0359", []district{d("盐湖区", "140802")}}}},
	{"内蒙古自治区", "内蒙古", "nei meng gu", 17, []city{
		{"呼和浩特市", "0471", []district{d("新城区", "150102")}},
		{"包头市", "0472", []district{d("昆都仑区", "150203")}}}},
	{"辽宁省", "辽宁", "liao ning", 30, []city{
		{"沈阳市", "024", []district{d("和平区", "210102"), d("沈河区", "210103"), d("铁西区", "210106")}},
		{"大连市", "0411", []district{d("中山区", "210202"), d("西岗区", "210203"), d("沙河口区", "210204")}},
		{"鞍山市", "0412", []district{d("铁东区", "210302")}}}},
	{"吉林省", "吉林", "ji lin", 17, []city{
		{"长春市", "0431", []district{d("南关区", "220102"), d("朝阳区", "220104")}},
		{"吉林市", "0432", []district{d("昌邑区", "220202")}}}},
	{"黑龙江省", "黑龙江", "hei long jiang", 22, []city{
		{"哈尔滨市", "0451", []district{d("道里区", "230102"), d("南岗区", "230103")}},
		{"齐齐哈尔市", "0452", []district{d("龙沙区", "230202")}},
		{"大庆市", "0459", []district{d("萨尔图区", "230602")}}}},
	{"江苏省", "江苏", "jiang su", 60, []city{
		{"南京市", "025", []district{d("玄武区", "320102"), d("秦淮区", "320104"), d("鼓楼区", "320106")}},
		{"无锡市", "0510", []district{d("梁溪区", "320213"), d("新吴区", "320214")}},
		{"徐州市", "0516", []district{d("鼓楼区", "320302"), d("泉山区", "320311")}},
		{"苏州市", "0512", []district{d("虎丘区", "320505"), d("吴中区", "320506"), d("姑苏区", "320508")}},
		{"南通市", "0513", []district{d("通州区", "320612")}}}},
	// The demo bank is in Zhejiang, so its customers are weighted there.
	{"浙江省", "浙江", "zhe jiang", 260, []city{
		{"杭州市", "0571", []district{d("上城区", "330102"), d("拱墅区", "330105"), d("西湖区", "330106"), d("滨江区", "330108"), d("余杭区", "330110")}},
		{"宁波市", "0574", []district{d("海曙区", "330203"), d("鄞州区", "330212")}},
		{"温州市", "0577", []district{d("鹿城区", "330302"), d("龙湾区", "330303")}},
		{"嘉兴市", "0573", []district{d("南湖区", "330402")}},
		{"绍兴市", "0575", []district{d("越城区", "330602"), d("柯桥区", "330603")}},
		{"金华市", "0579", []district{d("婺城区", "330702"), d("义乌市", "330782")}},
		{"台州市", "0576", []district{d("椒江区", "331002")}}}},
	{"安徽省", "安徽", "an hui", 43, []city{
		{"合肥市", "0551", []district{d("瑶海区", "340102"), d("庐阳区", "340103"), d("蜀山区", "340104")}},
		{"芜湖市", "0553", []district{d("镜湖区", "340202")}},
		{"阜阳市", "0558", []district{d("颍州区", "341202")}}}},
	{"福建省", "福建", "fu jian", 29, []city{
		{"福州市", "0591", []district{d("鼓楼区", "350102"), d("台江区", "350103")}},
		{"厦门市", "0592", []district{d("思明区", "350203"), d("湖里区", "350206")}},
		{"泉州市", "0595", []district{d("丰泽区", "350503"), d("晋江市", "350582")}}}},
	{"江西省", "江西", "jiang xi", 32, []city{
		{"南昌市", "0791", []district{d("东湖区", "360102"), d("西湖区", "360103")}},
		{"九江市", "0792", []district{d("濂溪区", "360402")}},
		{"赣州市", "0797", []district{d("章贡区", "360702")}}}},
	{"山东省", "山东", "shan dong", 72, []city{
		{"济南市", "0531", []district{d("历下区", "370102"), d("市中区", "370103")}},
		{"青岛市", "0532", []district{d("市南区", "370202"), d("市北区", "370203"), d("崂山区", "370212")}},
		{"烟台市", "0535", []district{d("芝罘区", "370602")}},
		{"潍坊市", "0536", []district{d("潍城区", "370702")}},
		{"临沂市", "0539", []district{d("兰山区", "371302")}}}},
	{"河南省", "河南", "he nan", 70, []city{
		{"郑州市", "0371", []district{d("中原区", "410102"), d("金水区", "410105")}},
		{"洛阳市", "0379", []district{d("老城区", "410302"), d("洛龙区", "410311")}},
		{"南阳市", "0377", []district{d("宛城区", "411302")}},
		{"周口市", "0394", []district{d("川汇区", "411602")}}}},
	{"湖北省", "湖北", "hu bei", 41, []city{
		{"武汉市", "027", []district{d("江岸区", "420102"), d("武昌区", "420106"), d("洪山区", "420111")}},
		{"宜昌市", "0717", []district{d("西陵区", "420502")}},
		{"襄阳市", "0710", []district{d("襄城区", "420602")}}}},
	{"湖南省", "湖南", "hu nan", 47, []city{
		{"长沙市", "0731", []district{d("芙蓉区", "430102"), d("天心区", "430103"), d("岳麓区", "430104")}},
		{"株洲市", "0731", []district{d("荷塘区", "430202")}},
		{"衡阳市", "0734", []district{d("珠晖区", "430405")}}}},
	{"广东省", "广东", "guang dong", 89, []city{
		{"广州市", "020", []district{d("荔湾区", "440103"), d("越秀区", "440104"), d("海珠区", "440105"), d("天河区", "440106")}},
		{"深圳市", "0755", []district{d("罗湖区", "440303"), d("福田区", "440304"), d("南山区", "440305"), d("宝安区", "440306")}},
		{"汕头市", "0754", []district{d("龙湖区", "440507")}},
		{"佛山市", "0757", []district{d("禅城区", "440604"), d("顺德区", "440606")}},
		{"湛江市", "0759", []district{d("赤坎区", "440802")}}}},
	{"广西壮族自治区", "广西", "guang xi", 35, []city{
		{"南宁市", "0771", []district{d("兴宁区", "450102"), d("青秀区", "450103")}},
		{"柳州市", "0772", []district{d("城中区", "450202")}},
		{"桂林市", "0773", []district{d("秀峰区", "450302")}}}},
	{"海南省", "海南", "hai nan", 7, []city{
		{"海口市", "0898", []district{d("秀英区", "460105"), d("龙华区", "460106")}},
		{"三亚市", "0898", []district{d("海棠区", "460202")}}}},
	{"四川省", "四川", "si chuan", 59, []city{
		{"成都市", "028", []district{d("锦江区", "510104"), d("青羊区", "510105"), d("武侯区", "510107")}},
		{"绵阳市", "0816", []district{d("涪城区", "510703")}},
		{"南充市", "0817", []district{d("顺庆区", "511302")}}}},
	{"贵州省", "贵州", "gui zhou", 27, []city{
		{"贵阳市", "0851", []district{d("南明区", "520102"), d("云岩区", "520103")}},
		{"遵义市", "0851", []district{d("红花岗区", "520302")}}}},
	{"云南省", "云南", "yun nan", 33, []city{
		{"昆明市", "0871", []district{d("五华区", "530102"), d("盘龙区", "530103")}},
		{"曲靖市", "0874", []district{d("麒麟区", "530302")}},
		{"大理白族自治州", "0872", []district{d("大理市", "532901")}}}},
	{"陕西省", "陕西", "shaan xi", 28, []city{
		{"西安市", "029", []district{d("新城区", "610102"), d("碑林区", "610103"), d("莲湖区", "610104"), d("雁塔区", "610113")}},
		{"宝鸡市", "0917", []district{d("渭滨区", "610302")}},
		{"咸阳市", "029", []district{d("秦都区", "610402")}}}},
	{"甘肃省", "甘肃", "gan su", 18, []city{
		{"兰州市", "0931", []district{d("城关区", "620102"), d("七里河区", "620103")}},
		{"天水市", "0938", []district{d("秦州区", "620502")}}}},
	{"新疆维吾尔自治区", "新疆", "xin jiang", 18, []city{
		{"乌鲁木齐市", "0991", []district{d("天山区", "650102"), d("沙依巴克区", "650103")}}}},
}

// place is one district with everything needed to address it.
type place struct {
	prov *province
	city *city
	dist district
	rep  int // replica index inside the weighted table (see idTable)
}

// buildPlaces lays out every district with a multiplicity proportional to
// its weight (1..10), so a uniform index into the table picks districts by
// population while (table index, birth date, sequence) stays unique.
func buildPlaces() []place {
	var out []place
	maxW := 0.0
	type wd struct {
		p *province
		c *city
		d district
		w float64
	}
	var all []wd
	for i := range provinces {
		p := &provinces[i]
		nd := 0
		for _, c := range p.cities {
			nd += len(c.districts)
		}
		for j := range p.cities {
			c := &p.cities[j]
			for _, dd := range c.districts {
				w := float64(p.weight) / float64(nd)
				all = append(all, wd{p, c, dd, w})
				maxW = max(maxW, w)
			}
		}
	}
	for _, x := range all {
		m := int(x.w/maxW*10 + 0.5)
		m = min(max(m, 1), 10)
		for r := 0; r < m; r++ {
			out = append(out, place{x.p, x.c, x.d, r})
		}
	}
	return out
}
