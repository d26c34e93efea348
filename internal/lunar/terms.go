package lunar

import "time"

// Solar term indexes in Gregorian order: term k falls in month k/2+1.
const (
	TermXiaohan     = iota // 小寒
	TermDahan              // 大寒
	TermLichun             // 立春
	TermYushui             // 雨水
	TermJingzhe            // 惊蛰
	TermChunfen            // 春分
	TermQingming           // 清明
	TermGuyu               // 谷雨
	TermLixia              // 立夏
	TermXiaoman            // 小满
	TermMangzhong          // 芒种
	TermXiazhi             // 夏至
	TermXiaoshu            // 小暑
	TermDashu              // 大暑
	TermLiqiu              // 立秋
	TermChushu             // 处暑
	TermBailu              // 白露
	TermQiufen             // 秋分
	TermHanlu              // 寒露
	TermShuangjiang        // 霜降
	TermLidong             // 立冬
	TermXiaoxue            // 小雪
	TermDaxue              // 大雪
	TermDongzhi            // 冬至
)

// termKeys are the message keys of the terms (enum.solar_term.<key>).
var termKeys = [24]string{
	"xiaohan", "dahan", "lichun", "yushui", "jingzhe", "chunfen",
	"qingming", "guyu", "lixia", "xiaoman", "mangzhong", "xiazhi",
	"xiaoshu", "dashu", "liqiu", "chushu", "bailu", "qiufen",
	"hanlu", "shuangjiang", "lidong", "xiaoxue", "daxue", "dongzhi",
}

// termNames are the Chinese names, used in both UIs.
var termNames = [24]string{
	"小寒", "大寒", "立春", "雨水", "惊蛰", "春分",
	"清明", "谷雨", "立夏", "小满", "芒种", "夏至",
	"小暑", "大暑", "立秋", "处暑", "白露", "秋分",
	"寒露", "霜降", "立冬", "小雪", "大雪", "冬至",
}

// TermKey returns the message key of term index k (enum.solar_term.<key>).
func TermKey(k int) string {
	if k < 0 || k >= len(termKeys) {
		return ""
	}
	return termKeys[k]
}

// TermName returns the Chinese name of term index k (清明).
func TermName(k int) string {
	if k < 0 || k >= len(termNames) {
		return ""
	}
	return termNames[k]
}

// SolarTerm returns the Gregorian date (Beijing time) of term k in year;
// ok is false outside 1900–2100 or for a bad index.
func SolarTerm(year, k int) (m time.Month, d int, ok bool) {
	if year < MinYear || year > MaxYear || k < 0 || k >= 24 {
		return 0, 0, false
	}
	base := 3
	if k%2 == 1 {
		base = 18
	}
	return time.Month(k/2 + 1), base + int(termDays[year-MinYear][k]-'0'), true
}

// TermOn returns the index of the solar term falling on a Gregorian date.
func TermOn(y int, m time.Month, d int) (k int, ok bool) {
	for k := 2 * (int(m) - 1); k < 2*int(m); k++ {
		if tm, td, ok := SolarTerm(y, k); ok && tm == m && td == d {
			return k, true
		}
	}
	return -1, false
}
