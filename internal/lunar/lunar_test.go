package lunar

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func ymd(y int, m time.Month, d int) string { return fmt.Sprintf("%04d-%02d-%02d", y, m, d) }

// Published dates of 春节 (Hong Kong Observatory / Purple Mountain tables).
func TestNewYearPublished(t *testing.T) {
	for _, want := range []string{
		"1900-01-31", "1949-01-29", "2000-02-05", "2020-01-25", "2023-01-22",
		"2024-02-10", "2025-01-29", "2026-02-17", "2033-01-31", "2050-01-23", "2100-02-09",
	} {
		var y int
		fmt.Sscanf(want, "%d", &y)
		m, d, err := NewYear(y)
		if err != nil || ymd(y, m, d) != want {
			t.Errorf("NewYear(%d) = %s, %v; want %s", y, ymd(y, m, d), err, want)
		}
	}
}

// cnyAll lists 春节 for every lunar year 1900–2100, computed from astronomical
// new moons and solar terms in Beijing time (寿星天文历); it catches any
// table entry whose month lengths or leap month is wrong, since an error
// shifts the next year's start.
const cnyAll = `
	1900-01-31 1901-02-19 1902-02-08 1903-01-29 1904-02-16 1905-02-04 1906-01-25 1907-02-13
	1908-02-02 1909-01-22 1910-02-10 1911-01-30 1912-02-18 1913-02-06 1914-01-26 1915-02-14
	1916-02-03 1917-01-23 1918-02-11 1919-02-01 1920-02-20 1921-02-08 1922-01-28 1923-02-16
	1924-02-05 1925-01-24 1926-02-13 1927-02-02 1928-01-23 1929-02-10 1930-01-30 1931-02-17
	1932-02-06 1933-01-26 1934-02-14 1935-02-04 1936-01-24 1937-02-11 1938-01-31 1939-02-19
	1940-02-08 1941-01-27 1942-02-15 1943-02-05 1944-01-25 1945-02-13 1946-02-02 1947-01-22
	1948-02-10 1949-01-29 1950-02-17 1951-02-06 1952-01-27 1953-02-14 1954-02-03 1955-01-24
	1956-02-12 1957-01-31 1958-02-18 1959-02-08 1960-01-28 1961-02-15 1962-02-05 1963-01-25
	1964-02-13 1965-02-02 1966-01-21 1967-02-09 1968-01-30 1969-02-17 1970-02-06 1971-01-27
	1972-02-15 1973-02-03 1974-01-23 1975-02-11 1976-01-31 1977-02-18 1978-02-07 1979-01-28
	1980-02-16 1981-02-05 1982-01-25 1983-02-13 1984-02-02 1985-02-20 1986-02-09 1987-01-29
	1988-02-17 1989-02-06 1990-01-27 1991-02-15 1992-02-04 1993-01-23 1994-02-10 1995-01-31
	1996-02-19 1997-02-07 1998-01-28 1999-02-16 2000-02-05 2001-01-24 2002-02-12 2003-02-01
	2004-01-22 2005-02-09 2006-01-29 2007-02-18 2008-02-07 2009-01-26 2010-02-14 2011-02-03
	2012-01-23 2013-02-10 2014-01-31 2015-02-19 2016-02-08 2017-01-28 2018-02-16 2019-02-05
	2020-01-25 2021-02-12 2022-02-01 2023-01-22 2024-02-10 2025-01-29 2026-02-17 2027-02-06
	2028-01-26 2029-02-13 2030-02-03 2031-01-23 2032-02-11 2033-01-31 2034-02-19 2035-02-08
	2036-01-28 2037-02-15 2038-02-04 2039-01-24 2040-02-12 2041-02-01 2042-01-22 2043-02-10
	2044-01-30 2045-02-17 2046-02-06 2047-01-26 2048-02-14 2049-02-02 2050-01-23 2051-02-11
	2052-02-01 2053-02-19 2054-02-08 2055-01-28 2056-02-15 2057-02-04 2058-01-24 2059-02-12
	2060-02-02 2061-01-21 2062-02-09 2063-01-29 2064-02-17 2065-02-05 2066-01-26 2067-02-14
	2068-02-03 2069-01-23 2070-02-11 2071-01-31 2072-02-19 2073-02-07 2074-01-27 2075-02-15
	2076-02-05 2077-01-24 2078-02-12 2079-02-02 2080-01-22 2081-02-09 2082-01-29 2083-02-17
	2084-02-06 2085-01-26 2086-02-14 2087-02-03 2088-01-24 2089-02-10 2090-01-30 2091-02-18
	2092-02-07 2093-01-27 2094-02-15 2095-02-05 2096-01-25 2097-02-12 2098-02-01 2099-01-21
	2100-02-09
`

func TestNewYearEveryYear(t *testing.T) {
	want := strings.Fields(cnyAll)
	if len(want) != MaxYear-MinYear+1 {
		t.Fatalf("fixture has %d years", len(want))
	}
	for i, w := range want {
		y := MinYear + i
		m, d, err := NewYear(y)
		if err != nil || ymd(y, m, d) != w {
			t.Errorf("NewYear(%d) = %s, %v; want %s", y, ymd(y, m, d), err, w)
		}
	}
}

func TestLeapMonthsPublished(t *testing.T) {
	cases := []struct {
		year, month int
		first       string // 初一 of the leap month
	}{
		{2017, 6, "2017-07-23"},
		{2020, 4, "2020-05-23"},
		{2023, 2, "2023-03-22"},
		{2025, 6, "2025-07-25"},
		{2033, 11, "2033-12-22"}, // the "2033 problem": 闰十一月, not 闰七月
		{2012, 4, "2012-05-21"},
		{1995, 8, "1995-09-25"},
	}
	for _, c := range cases {
		if got := LeapMonth(c.year); got != c.month {
			t.Errorf("LeapMonth(%d) = %d, want %d", c.year, got, c.month)
		}
		y, m, d, err := ToSolar(Date{Year: c.year, Month: c.month, Day: 1, Leap: true})
		if err != nil || ymd(y, m, d) != c.first {
			t.Errorf("闰%d月初一 %d = %s, %v; want %s", c.month, c.year, ymd(y, m, d), err, c.first)
		}
		ld, err := FromSolar(y, m, d)
		if err != nil || ld != (Date{Year: c.year, Month: c.month, Day: 1, Leap: true}) {
			t.Errorf("FromSolar(%s) = %+v, %v", c.first, ld, err)
		}
	}
	for _, y := range []int{2021, 2022, 2024, 2026, 2027} {
		if got := LeapMonth(y); got != 0 {
			t.Errorf("LeapMonth(%d) = %d, want none", y, got)
		}
	}
}

func TestRoundTripEveryDay(t *testing.T) {
	start := time.Date(1900, 1, 31, 0, 0, 0, 0, time.UTC)
	end := time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
	prev := Date{}
	days := 0
	for day := start; !day.After(end); day = day.AddDate(0, 0, 1) {
		ld, err := FromSolar(day.Year(), day.Month(), day.Day())
		if err != nil {
			t.Fatalf("FromSolar(%s): %v", day.Format("2006-01-02"), err)
		}
		y, m, d, err := ToSolar(ld)
		if err != nil || y != day.Year() || m != day.Month() || d != day.Day() {
			t.Fatalf("round trip %s → %+v → %s, %v", day.Format("2006-01-02"), ld, ymd(y, m, d), err)
		}
		// Consecutive days advance the lunar date by one, or start a month.
		if days > 0 && ld.Day != prev.Day+1 && !(ld.Day == 1 && prev.Day >= 29) {
			t.Fatalf("%s: %+v follows %+v", day.Format("2006-01-02"), ld, prev)
		}
		prev = ld
		days++
	}
	if want := int(end.Sub(start).Hours()/24) + 1; days != want {
		t.Errorf("walked %d days", days)
	}
}

func TestConversionErrors(t *testing.T) {
	if _, err := FromSolar(1900, time.January, 30); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("1900-01-30: %v", err)
	}
	if _, err := FromSolar(2101, time.January, 29); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("2101-01-29: %v", err)
	}
	if ld, err := FromSolar(2101, time.January, 28); err != nil || ld != (Date{Year: 2100, Month: 12, Day: 29}) {
		t.Errorf("2101-01-28 = %+v, %v", ld, err)
	}
	if _, err := FromSolar(2025, time.February, 29); !errors.Is(err, ErrInvalidDate) {
		t.Errorf("2025-02-29: %v", err)
	}
	for _, ld := range []Date{
		{Year: 2025, Month: 5, Day: 1, Leap: true}, // 2025 leaps the 6th month
		{Year: 2025, Month: 12, Day: 30},           // 2025 腊月 has 29 days
		{Year: 2025, Month: 13, Day: 1},
		{Year: 2025, Month: 1, Day: 0},
	} {
		if _, _, _, err := ToSolar(ld); !errors.Is(err, ErrInvalidDate) {
			t.Errorf("ToSolar(%+v): %v", ld, err)
		}
	}
	if _, _, _, err := ToSolar(Date{Year: 1899, Month: 1, Day: 1}); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("1899: %v", err)
	}
}

func TestFestivalDates(t *testing.T) {
	cases := []struct {
		key  string
		year int
		want string
	}{
		{"mid_autumn", 2024, "2024-09-17"},
		{"mid_autumn", 2025, "2025-10-06"},
		{"mid_autumn", 2026, "2026-09-25"},
		{"spring_festival", 2025, "2025-01-29"},
		{"lantern", 2025, "2025-02-12"},
		{"dragon_boat", 2025, "2025-05-31"},
		{"dragon_boat", 2024, "2024-06-10"},
		{"qixi", 2025, "2025-08-29"},
		{"double_ninth", 2025, "2025-10-29"},
		{"laba", 2025, "2025-01-07"},
		{"laba", 2003, "2003-01-10"},          // 2003 also has 腊八 on 12-30; the first is returned
		{"new_years_eve", 2024, "2024-02-09"}, // 腊月三十
		{"new_years_eve", 2025, "2025-01-28"}, // 腊月廿九: no 三十 that year
		{"new_years_eve", 2026, "2026-02-16"},
		{"new_year", 2025, "2025-01-01"},
		{"womens_day", 2025, "2025-03-08"},
		{"labour_day", 2025, "2025-05-01"},
		{"mothers_day", 2025, "2025-05-11"},
		{"mothers_day", 2024, "2024-05-12"},
		{"fathers_day", 2025, "2025-06-15"},
		{"fathers_day", 2024, "2024-06-16"},
		{"national_day", 2025, "2025-10-01"},
		{"christmas", 2025, "2025-12-25"},
		{"qingming", 2025, "2025-04-04"},
		{"qingming", 2026, "2026-04-05"},
	}
	for _, c := range cases {
		m, d, ok := FestivalDate(c.key, c.year)
		if !ok || ymd(c.year, m, d) != c.want {
			t.Errorf("FestivalDate(%s, %d) = %s, %v; want %s", c.key, c.year, ymd(c.year, m, d), ok, c.want)
		}
	}
	// 2004 has no 腊八: lunar 2003's fell on 2003-12-30, lunar 2004's on 2005-01-17.
	if m, d, ok := FestivalDate("laba", 2004); ok {
		t.Errorf("laba 2004 = %d-%d, want none", m, d)
	}
	if _, _, ok := FestivalDate("no_such_day", 2025); ok {
		t.Error("unknown key found")
	}
	if _, _, ok := FestivalDate("mid_autumn", 2101); ok {
		t.Error("mid_autumn 2101 outside the table")
	}
}

func TestFestivalsListAndLookup(t *testing.T) {
	keys := Festivals()
	want := []string{"new_year", "laba", "new_years_eve", "spring_festival", "lantern", "womens_day", "qingming",
		"labour_day", "mothers_day", "dragon_boat", "fathers_day", "qixi", "mid_autumn", "national_day", "double_ninth", "christmas"}
	if strings.Join(keys, ",") != strings.Join(want, ",") {
		t.Errorf("Festivals() = %v", keys)
	}
	// Every festival has a date in every year of the range but 腊八's gaps.
	for y := MinYear + 1; y <= MaxYear; y++ {
		for _, k := range keys {
			if _, _, ok := FestivalDate(k, y); !ok && k != "laba" {
				t.Errorf("%s missing in %d", k, y)
			}
		}
	}
	if got := FestivalsOn(2025, time.October, 6); strings.Join(got, ",") != "mid_autumn" {
		t.Errorf("FestivalsOn(2025-10-06) = %v", got)
	}
	if !IsLunarFestival("qixi") || IsLunarFestival("christmas") || IsLunarFestival("qingming") {
		t.Error("IsLunarFestival")
	}
}

func TestSolarTermsPublished(t *testing.T) {
	cases := []struct {
		year, term int
		want       string
	}{
		{2025, TermQingming, "2025-04-04"},
		{2024, TermDongzhi, "2024-12-21"},
		{2025, TermDongzhi, "2025-12-21"},
		{2025, TermLichun, "2025-02-03"},
		{2024, TermLichun, "2024-02-04"},
		{2025, TermXiazhi, "2025-06-21"},
		{2024, TermXiazhi, "2024-06-21"},
		{2025, TermChunfen, "2025-03-20"},
		{2025, TermQiufen, "2025-09-23"},
		{2025, TermXiaohan, "2025-01-05"},
		{2026, TermQingming, "2026-04-05"},
	}
	for _, c := range cases {
		m, d, ok := SolarTerm(c.year, c.term)
		if !ok || ymd(c.year, m, d) != c.want {
			t.Errorf("%s %d = %s; want %s", TermName(c.term), c.year, ymd(c.year, m, d), c.want)
		}
	}
	if k, ok := TermOn(2024, time.December, 21); !ok || TermKey(k) != "dongzhi" || TermName(k) != "冬至" {
		t.Errorf("TermOn(2024-12-21) = %d %v", k, ok)
	}
	if _, ok := TermOn(2024, time.December, 20); ok {
		t.Error("no term on 2024-12-20")
	}
	// Sanity over the range: two terms a month, ~15 days apart, in order.
	for y := MinYear; y <= MaxYear; y++ {
		for k := 0; k < 24; k += 2 {
			m1, d1, _ := SolarTerm(y, k)
			m2, d2, _ := SolarTerm(y, k+1)
			if m1 != m2 || d2-d1 < 13 || d2-d1 > 17 {
				t.Errorf("%d terms %d/%d: %d-%d, %d-%d", y, k, k+1, m1, d1, m2, d2)
			}
		}
	}
}

func TestBirthdayIn(t *testing.T) {
	cases := []struct {
		name  string
		birth Date
		year  int
		want  string
	}{
		{"plain", Date{Year: 1980, Month: 4, Day: 15}, 2025, "2025-05-12"},
		{"leap-month birth celebrates in the regular month", Date{Year: 2020, Month: 4, Day: 15, Leap: true}, 2025, "2025-05-12"},
		{"leap month of that year is ignored", Date{Year: 1990, Month: 6, Day: 1}, 2025, "2025-06-25"},
		{"day 30 in a 29-day month", Date{Year: 1990, Month: 12, Day: 30}, 2025, "2025-01-28"},
		{"12th month falls in January: lunar year-1", Date{Year: 1990, Month: 12, Day: 5}, 2005, "2005-01-14"},
		{"two in one year: the first", Date{Year: 1990, Month: 12, Day: 5}, 2003, "2003-01-07"},
	}
	for _, c := range cases {
		m, d, err := BirthdayIn(c.birth, c.year)
		if err != nil || ymd(c.year, m, d) != c.want {
			t.Errorf("%s: BirthdayIn(%+v, %d) = %s, %v; want %s", c.name, c.birth, c.year, ymd(c.year, m, d), err, c.want)
		}
	}
	all, err := BirthdaysIn(Date{Month: 12, Day: 5}, 2003)
	if err != nil || len(all) != 2 || all[0].Format("2006-01-02") != "2003-01-07" || all[1].Format("2006-01-02") != "2003-12-27" {
		t.Errorf("BirthdaysIn 2003 = %v, %v", all, err)
	}
	if _, _, err := BirthdayIn(Date{Month: 12, Day: 5}, 2004); !errors.Is(err, ErrNoOccurrence) {
		t.Errorf("2004 has no 腊月初五: %v", err)
	}
	if _, _, err := BirthdayIn(Date{Month: 13, Day: 1}, 2025); !errors.Is(err, ErrInvalidDate) {
		t.Errorf("month 13: %v", err)
	}
	if _, _, err := BirthdayIn(Date{Month: 1, Day: 1}, 2200); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("2200: %v", err)
	}
}

func TestString(t *testing.T) {
	cases := map[Date]string{
		{Month: 12, Day: 8}:             "腊月初八",
		{Month: 1, Day: 1}:              "正月初一",
		{Month: 4, Day: 15, Leap: true}: "闰四月十五",
		{Month: 11, Day: 20}:            "冬月二十",
		{Month: 8, Day: 10}:             "八月初十",
		{Month: 9, Day: 29}:             "九月廿九",
		{Month: 12, Day: 30}:            "腊月三十",
		{Month: 6, Day: 21}:             "六月廿一",
	}
	for ld, want := range cases {
		if got := ld.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", ld, got, want)
		}
	}
}

func TestYearNameAndZodiac(t *testing.T) {
	for y, want := range map[int]string{1984: "甲子年鼠", 2024: "甲辰年龙", 2025: "乙巳年蛇", 1900: "庚子年鼠", 2026: "丙午年马", 1949: "己丑年牛"} {
		if got := YearName(y) + Zodiac(y); got != want {
			t.Errorf("%d: %s, want %s", y, got, want)
		}
	}
}

func TestParseMonthDay(t *testing.T) {
	ok := map[string]Date{
		"腊月初八":   {Month: 12, Day: 8},
		"十二月初八":  {Month: 12, Day: 8},
		"闰四月十五":  {Month: 4, Day: 15, Leap: true},
		"正月十五":   {Month: 1, Day: 15},
		"一月十五":   {Month: 1, Day: 15},
		"十一月廿三":  {Month: 11, Day: 23},
		"冬月廿三":   {Month: 11, Day: 23},
		"十月初十":   {Month: 10, Day: 10},
		"农历八月十五": {Month: 8, Day: 15},
		"12-08":  {Month: 12, Day: 8},
		"12/8":   {Month: 12, Day: 8},
		"闰4-15":  {Month: 4, Day: 15, Leap: true},
		"L4-15":  {Month: 4, Day: 15, Leap: true},
	}
	for s, want := range ok {
		got, err := ParseMonthDay(s)
		if err != nil || got != want {
			t.Errorf("ParseMonthDay(%q) = %+v, %v; want %+v", s, got, err, want)
		}
		if err == nil && !strings.ContainsAny(s, "-/农一十") && got.String() != s {
			t.Errorf("%q round trip: %s", s, got.String())
		}
	}
	for _, bad := range []string{"", "13-01", "12-31", "腊月三十一", "春节", "四月", "0-5"} {
		if _, err := ParseMonthDay(bad); err == nil {
			t.Errorf("ParseMonthDay(%q) accepted", bad)
		}
	}
}
