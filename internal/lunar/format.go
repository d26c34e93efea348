package lunar

import (
	"strconv"
	"strings"
)

// Lunar month and day names are Chinese in both UIs (an English rendering
// such as "12th month, 8th day" helps nobody who celebrates 腊八), so the
// formatter is pure Chinese and needs no message keys.

var monthNames = [13]string{"", "正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊"}

var dayTens = [4]string{"初", "十", "廿", "三"}

var digits = [11]string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// MonthName returns the traditional name of month m: 正月, 二月 … 冬月, 腊月,
// prefixed 闰 for a leap month.
func MonthName(m int, leap bool) string {
	if m < 1 || m > 12 {
		return ""
	}
	s := monthNames[m] + "月"
	if leap {
		s = "闰" + s
	}
	return s
}

// DayName returns the traditional name of day d: 初一 … 初十, 十一 … 二十,
// 廿一 … 廿九, 三十.
func DayName(d int) string {
	switch {
	case d < 1 || d > 30:
		return ""
	case d == 10:
		return "初十"
	case d == 20:
		return "二十"
	case d == 30:
		return "三十"
	}
	return dayTens[d/10] + digits[d%10]
}

// String renders the month and day, e.g. 腊月初八 or 闰四月十五.
func (ld Date) String() string {
	return MonthName(ld.Month, ld.Leap) + DayName(ld.Day)
}

var (
	stems    = [10]string{"甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"}
	branches = [12]string{"子", "丑", "寅", "卯", "辰", "巳", "午", "未", "申", "酉", "戌", "亥"}
	zodiac   = [12]string{"鼠", "牛", "虎", "兔", "龙", "蛇", "马", "羊", "猴", "鸡", "狗", "猪"}
)

// YearName returns the sexagenary (干支) name of lunar year y, e.g. 甲辰年
// for 2024. 1984 was 甲子.
func YearName(y int) string {
	i := ((y-1984)%60 + 60) % 60
	return stems[i%10] + branches[i%12] + "年"
}

// Zodiac returns the zodiac animal (生肖) of lunar year y, e.g. 龙 for 2024.
func Zodiac(y int) string { return zodiac[((y-1984)%12+12)%12] }

// ParseMonthDay reads a lunar month and day without a year, as typed in a
// form or an import: 腊月初八, 闰四月十五, 正月十五, 十一月廿三, or numerically
// 12-08, 12/8, 闰4-15, L4-15. Year is 0 in the result.
func ParseMonthDay(s string) (Date, error) {
	s = strings.TrimSpace(s)
	var d Date
	for _, p := range []string{"闰", "L", "l"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			d.Leap, s = true, strings.TrimSpace(rest)
			break
		}
	}
	if m, day, ok := strings.Cut(strings.ReplaceAll(s, "/", "-"), "-"); ok {
		mm, err1 := strconv.Atoi(strings.TrimSpace(m))
		dd, err2 := strconv.Atoi(strings.TrimSpace(day))
		if err1 != nil || err2 != nil || mm < 1 || mm > 12 || dd < 1 || dd > 30 {
			return Date{}, ErrInvalidDate
		}
		d.Month, d.Day = mm, dd
		return d, nil
	}
	s = strings.TrimPrefix(s, "农历")
	for m := 12; m >= 1; m-- { // 十一月/十二月 before 一月/二月
		for _, name := range monthAliases(m) {
			if rest, ok := strings.CutPrefix(s, name); ok {
				for day := 1; day <= 30; day++ {
					if rest == DayName(day) {
						d.Month, d.Day = m, day
						return d, nil
					}
				}
				return Date{}, ErrInvalidDate
			}
		}
	}
	return Date{}, ErrInvalidDate
}

// monthAliases are the ways month m is written: 正月/一月, 冬月/十一月, 腊月/十二月.
func monthAliases(m int) []string {
	var plain string
	if m > 10 {
		plain = "十" + digits[m-10] + "月"
	} else {
		plain = digits[m] + "月"
	}
	if n := monthNames[m] + "月"; n != plain {
		return []string{n, plain}
	}
	return []string{plain}
}
