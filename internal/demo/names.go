package demo

// surname is a family name with its surname reading and its share of the
// population in units of 0.01 % (approximate 2020 household-register data).
type surname struct {
	name, pinyin string
	weight       int
}

// surnames are the common surnames in their real proportions; 曾 单 解 查
// are heteronyms whose surname reading differs from the everyday one.
var surnames = []surname{
	{"王", "wang", 712}, {"李", "li", 700}, {"张", "zhang", 674}, {"刘", "liu", 510},
	{"陈", "chen", 461}, {"杨", "yang", 322}, {"黄", "huang", 245}, {"赵", "zhao", 200},
	{"吴", "wu", 195}, {"周", "zhou", 187}, {"徐", "xu", 145}, {"孙", "sun", 138},
	{"马", "ma", 129}, {"朱", "zhu", 128}, {"胡", "hu", 116}, {"郭", "guo", 112},
	{"何", "he", 106}, {"林", "lin", 102}, {"高", "gao", 100}, {"罗", "luo", 94},
	{"郑", "zheng", 93}, {"梁", "liang", 88}, {"谢", "xie", 78}, {"宋", "song", 71},
	{"唐", "tang", 70}, {"许", "xu", 67}, {"韩", "han", 66}, {"冯", "feng", 65},
	{"邓", "deng", 64}, {"曹", "cao", 63}, {"彭", "peng", 61}, {"曾", "zeng", 59},
	{"肖", "xiao", 58}, {"田", "tian", 53}, {"董", "dong", 52}, {"袁", "yuan", 50},
	{"潘", "pan", 50}, {"于", "yu", 49}, {"蒋", "jiang", 49}, {"蔡", "cai", 48},
	{"余", "yu", 48}, {"杜", "du", 47}, {"叶", "ye", 46}, {"程", "cheng", 44},
	{"苏", "su", 43}, {"魏", "wei", 42}, {"吕", "lv", 41}, {"丁", "ding", 41},
	{"任", "ren", 40}, {"沈", "shen", 39}, {"姚", "yao", 38}, {"卢", "lu", 38},
	{"姜", "jiang", 37}, {"崔", "cui", 36}, {"钟", "zhong", 35}, {"谭", "tan", 35},
	{"陆", "lu", 34}, {"汪", "wang", 33}, {"范", "fan", 32}, {"金", "jin", 32},
	{"石", "shi", 31}, {"廖", "liao", 31}, {"贾", "jia", 30}, {"夏", "xia", 29},
	{"韦", "wei", 29}, {"付", "fu", 28}, {"方", "fang", 28}, {"白", "bai", 27},
	{"邹", "zou", 27}, {"孟", "meng", 26}, {"熊", "xiong", 26}, {"秦", "qin", 25},
	{"邱", "qiu", 25}, {"江", "jiang", 25}, {"尹", "yin", 24}, {"薛", "xue", 24},
	{"闫", "yan", 23}, {"段", "duan", 23}, {"雷", "lei", 22}, {"侯", "hou", 22},
	{"龙", "long", 22}, {"史", "shi", 21}, {"陶", "tao", 20}, {"黎", "li", 20},
	{"贺", "he", 19}, {"顾", "gu", 19}, {"毛", "mao", 18}, {"郝", "hao", 18},
	{"龚", "gong", 17}, {"邵", "shao", 17}, {"万", "wan", 16}, {"钱", "qian", 16},
	{"严", "yan", 15}, {"覃", "qin", 15}, {"武", "wu", 15}, {"戴", "dai", 15},
	{"莫", "mo", 14}, {"孔", "kong", 14}, {"向", "xiang", 13}, {"汤", "tang", 13},
	{"单", "shan", 4}, {"解", "xie", 4}, {"查", "zha", 3}, {"欧阳", "ou yang", 3},
	{"司马", "si ma", 1}, {"诸葛", "zhu ge", 1}, {"上官", "shang guan", 1},
}

// char is one character of a given name with its reading in names.
type char struct{ c, py string }

var maleChars = []char{
	{"伟", "wei"}, {"强", "qiang"}, {"磊", "lei"}, {"军", "jun"}, {"勇", "yong"}, {"杰", "jie"},
	{"涛", "tao"}, {"斌", "bin"}, {"超", "chao"}, {"明", "ming"}, {"刚", "gang"}, {"平", "ping"},
	{"辉", "hui"}, {"鹏", "peng"}, {"华", "hua"}, {"飞", "fei"}, {"鑫", "xin"}, {"波", "bo"},
	{"宇", "yu"}, {"浩", "hao"}, {"凯", "kai"}, {"健", "jian"}, {"俊", "jun"}, {"帆", "fan"},
	{"建", "jian"}, {"国", "guo"}, {"志", "zhi"}, {"文", "wen"}, {"博", "bo"}, {"子", "zi"},
	{"轩", "xuan"}, {"晨", "chen"}, {"睿", "rui"}, {"泽", "ze"}, {"豪", "hao"}, {"东", "dong"},
	{"林", "lin"}, {"海", "hai"}, {"峰", "feng"}, {"成", "cheng"}, {"龙", "long"}, {"永", "yong"},
	{"德", "de"}, {"庆", "qing"}, {"家", "jia"}, {"振", "zhen"}, {"兴", "xing"}, {"天", "tian"},
	{"一", "yi"}, {"嘉", "jia"}, {"毅", "yi"}, {"宏", "hong"}, {"亮", "liang"}, {"晓", "xiao"},
	{"航", "hang"}, {"昊", "hao"}, {"然", "ran"}, {"铭", "ming"}, {"哲", "zhe"}, {"远", "yuan"},
}

var femaleChars = []char{
	{"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"}, {"艳", "yan"},
	{"娟", "juan"}, {"霞", "xia"}, {"秀", "xiu"}, {"玲", "ling"}, {"桂", "gui"}, {"英", "ying"},
	{"兰", "lan"}, {"梅", "mei"}, {"燕", "yan"}, {"红", "hong"}, {"婷", "ting"}, {"雪", "xue"},
	{"琳", "lin"}, {"颖", "ying"}, {"慧", "hui"}, {"倩", "qian"}, {"洁", "jie"}, {"佳", "jia"},
	{"欣", "xin"}, {"怡", "yi"}, {"萱", "xuan"}, {"雨", "yu"}, {"涵", "han"}, {"悦", "yue"},
	{"思", "si"}, {"梦", "meng"}, {"露", "lu"}, {"晶", "jing"}, {"琪", "qi"}, {"瑶", "yao"},
	{"婧", "jing"}, {"丹", "dan"}, {"萍", "ping"}, {"月", "yue"}, {"玉", "yu"}, {"淑", "shu"},
	{"文", "wen"}, {"晓", "xiao"}, {"春", "chun"}, {"凤", "feng"}, {"云", "yun"}, {"莉", "li"},
	{"蓉", "rong"}, {"薇", "wei"}, {"璐", "lu"}, {"诗", "shi"}, {"可", "ke"}, {"心", "xin"},
}

// classicNames are whole given names typical of people born before 1975.
var classicMale = []char{{"建国", "jian guo"}, {"国强", "guo qiang"}, {"建华", "jian hua"}, {"志强", "zhi qiang"},
	{"海涛", "hai tao"}, {"卫东", "wei dong"}, {"建军", "jian jun"}, {"永庆", "yong qing"}, {"德明", "de ming"}}
var classicFemale = []char{{"秀英", "xiu ying"}, {"桂英", "gui ying"}, {"秀兰", "xiu lan"}, {"玉兰", "yu lan"},
	{"桂兰", "gui lan"}, {"淑珍", "shu zhen"}, {"凤英", "feng ying"}, {"丽华", "li hua"}, {"春梅", "chun mei"}}
