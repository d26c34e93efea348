// Package search makes the tokens that index customers for the search box:
// Chinese unigrams and bigrams, pinyin and initials over every heteronym
// reading, phone numbers and their last four digits, and id/customer numbers.
// The same tokens are produced for a stored customer (CustomerTokens) and
// for the text typed into the box (ParseQuery), so the storage layer only
// compares strings: `token = ?` or a byte-order range. It does no I/O.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/width"
)

// Token prefixes. Each kind lives in its own byte range so prefix scans of
// one kind never touch another.
const (
	KindName     = "n:"  // Han unigram/bigram, lowercase Latin word
	KindPinyin   = "p:"  // full pinyin from some character to the end
	KindInitials = "i:"  // initials from some character to the end
	KindMobile   = "m:"  // every digit of a phone
	KindLast4    = "m4:" // last four digits of a phone
	KindNumber   = "x:"  // upper-case customer number
	// KindIDNumber carries an ID number. The storage layer replaces the
	// number by its blind index before a token is stored or looked up
	// (TESTPLAN D10), so only a whole number is found, never a prefix.
	KindIDNumber = "d:"
)

// Limits that keep one customer's token count bounded for long
// organisation names full of heteronyms.
const (
	// MaxReadings caps the heteronym combinations spelled per start position.
	MaxReadings = 32
	// suffixWindow is how many characters a pinyin/initials token spans
	// when it starts after the first character.
	suffixWindow = 8
	// maxUnits is how many characters/words of a name are spelled at all.
	maxUnits = 40
)

// surnameReadings are the readings a character has as a surname, tried
// first (so the combination cap never drops them) and added when the
// dictionary lacks them. Keys are the first one or two characters of a name.
var surnameReadings = map[string][]string{
	"曾": {"zeng", "ceng"}, "单": {"shan"}, "解": {"xie"}, "仇": {"qiu"}, "区": {"ou"},
	"朴": {"piao"}, "查": {"zha"}, "盖": {"ge"}, "乐": {"yue", "le"}, "尉": {"yu", "wei"},
	"覃": {"qin", "tan"}, "缪": {"miao"}, "翟": {"zhai", "di"}, "召": {"shao"}, "种": {"chong"},
	"繁": {"po"}, "秘": {"bi"}, "员": {"yun"}, "能": {"nai"}, "句": {"gou"}, "阚": {"kan"},
	"宓": {"fu", "mi"}, "隗": {"wei"}, "冼": {"xian"}, "洗": {"xian"}, "沈": {"shen"},
	"贾": {"jia"}, "薄": {"bo"}, "褚": {"chu"}, "葛": {"ge"}, "那": {"na"}, "藏": {"zang"},
	"牟": {"mou", "mu"}, "黑": {"he"}, "重": {"chong"}, "相": {"xiang"}, "过": {"guo"},
	"华": {"hua"}, "任": {"ren"}, "纪": {"ji"}, "曲": {"qu"}, "柏": {"bai"}, "郇": {"huan"},
	"莘": {"shen"}, "眭": {"sui"}, "燕": {"yan"}, "殷": {"yin"}, "蔚": {"yu", "wei"},
	"费": {"fei", "bi"}, "谌": {"chen", "shen"}, "长": {"chang"}, "石": {"shi"}, "万": {"wan"},
	"都": {"du"}, "传": {"chuan"},
	"尉迟": {"yu", "chi"}, "万俟": {"mo", "qi"}, "长孙": {"zhang", "sun"}, "澹台": {"tan", "tai"},
	"令狐": {"ling", "hu"}, "单于": {"chan", "yu"}, "东方": {"dong", "fang"}, "欧阳": {"ou", "yang"},
	"上官": {"shang", "guan"}, "皇甫": {"huang", "fu"}, "司马": {"si", "ma"}, "诸葛": {"zhu", "ge"},
	"公孙": {"gong", "sun"}, "慕容": {"mu", "rong"}, "宇文": {"yu", "wen"}, "夏侯": {"xia", "hou"},
}

// unit is one spelled piece of a name: a Han character or a Latin/digit word.
type unit struct {
	text     string
	han      bool
	readings []string // full pinyin readings, most likely first
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// normalize folds full-width letters and digits (as typed with a Chinese
// input method) to ASCII.
func normalize(s string) string { return width.Fold.String(s) }

// units splits a name into Han characters and lowercase Latin/digit words;
// anything else (spaces, ·, punctuation) separates words.
func units(name string) []unit {
	var out []unit
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			w := strings.ToLower(word.String())
			out = append(out, unit{text: w, readings: []string{w}})
			word.Reset()
		}
	}
	args := pinyin.NewArgs()
	args.Heteronym = true
	for _, r := range normalize(name) {
		switch {
		case isHan(r):
			flush()
			out = append(out, unit{text: string(r), han: true, readings: hanReadings(r, args)})
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			word.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	if len(out) > maxUnits {
		out = out[:maxUnits]
	}
	applySurname(out)
	return out
}

// hanReadings are the toneless readings of r; ü is spelled both v (the IME
// convention) and u, because people type either.
func hanReadings(r rune, args pinyin.Args) []string {
	var out []string
	for _, p := range pinyin.SinglePinyin(r, args) {
		out = appendUnique(out, p)
		if strings.Contains(p, "v") {
			out = appendUnique(out, strings.ReplaceAll(p, "v", "u"))
		}
	}
	return out
}

// applySurname moves the surname readings of the first one or two
// characters to the front of their reading lists.
func applySurname(us []unit) {
	if len(us) >= 2 && us[0].han && us[1].han {
		if rs, ok := surnameReadings[us[0].text+us[1].text]; ok && len(rs) == 2 {
			us[0].readings = preferFirst(us[0].readings, rs[0])
			us[1].readings = preferFirst(us[1].readings, rs[1])
			return
		}
	}
	if len(us) >= 1 && us[0].han {
		rs := surnameReadings[us[0].text]
		for i := len(rs) - 1; i >= 0; i-- {
			us[0].readings = preferFirst(us[0].readings, rs[i])
		}
	}
}

func preferFirst(list []string, r string) []string {
	out := []string{r}
	for _, x := range list {
		if x != r {
			out = append(out, x)
		}
	}
	return out
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// spellings returns up to MaxReadings (pinyin, initials) spellings of us,
// most likely combinations first: combinations are visited in order of the
// sum of the reading ranks, so the all-default reading comes first and a
// surname's alternative reading comes before deep variations of the tail.
func spellings(us []unit) (full, initials []string) {
	if len(us) == 0 {
		return nil, nil
	}
	maxSum := 0
	for _, u := range us {
		maxSum += len(u.readings) - 1
	}
	idx := make([]int, len(us))
	seen := map[string]bool{}
	var rec func(pos, left int) bool
	rec = func(pos, left int) bool {
		if pos == len(us) {
			if left != 0 {
				return true
			}
			var f, in strings.Builder
			for i, u := range us {
				r := u.readings[idx[i]]
				f.WriteString(r)
				in.WriteByte(r[0])
			}
			if !seen[f.String()] {
				seen[f.String()] = true
				full = append(full, f.String())
				initials = appendUnique(initials, in.String())
			}
			return len(full) < MaxReadings
		}
		for k := 0; k < len(us[pos].readings) && k <= left; k++ {
			idx[pos] = k
			if !rec(pos+1, left-k) {
				return false
			}
		}
		return true
	}
	for sum := 0; sum <= maxSum; sum++ {
		if !rec(0, sum) {
			break
		}
	}
	return full, initials
}

// CustomerTokens returns the distinct search tokens for one customer.
func CustomerTokens(name, number, idNumber string, phones ...string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	us := units(name)
	// Characters the dictionary cannot spell drop out of pinyin/initials.
	spelled := make([]unit, 0, len(us))
	for _, u := range us {
		if len(u.readings) > 0 {
			spelled = append(spelled, u)
		}
	}
	// n: Han unigrams and bigrams of consecutive characters; Latin words.
	for i, u := range us {
		add(KindName + u.text)
		if u.han && i+1 < len(us) && us[i+1].han {
			add(KindName + u.text + us[i+1].text)
		}
	}
	// p:, i: from each start position to the end (windowed after the first),
	// so "sanfeng" and "sf" find 张三丰.
	for start := range spelled {
		end := len(spelled)
		if start > 0 && end-start > suffixWindow {
			end = start + suffixWindow
		}
		full, ini := spellings(spelled[start:end])
		for _, f := range full {
			add(KindPinyin + f)
		}
		for _, s := range ini {
			add(KindInitials + s)
		}
	}
	for _, p := range phones {
		for _, d := range phoneDigits(p) {
			add(KindMobile + d)
			if len(d) >= 4 {
				add(KindLast4 + d[len(d)-4:])
			}
		}
	}
	if x := NumberToken(number); x != "" {
		add(KindNumber + x)
	}
	if x := NumberToken(idNumber); x != "" {
		add(KindIDNumber + x)
	}
	return out
}

// phoneDigits returns the digits of a phone and, for a number written with
// an area code ("010-12345678"), also the local number, so both find it.
// A +86/0086 country code is dropped.
func phoneDigits(p string) []string {
	p = normalize(strings.TrimSpace(p))
	var groups []string
	var cur strings.Builder
	for _, r := range p {
		if r >= '0' && r <= '9' {
			cur.WriteRune(r)
		} else if cur.Len() > 0 {
			groups = append(groups, cur.String())
			cur.Reset()
		}
	}
	if cur.Len() > 0 {
		groups = append(groups, cur.String())
	}
	if len(groups) == 0 {
		return nil
	}
	if strings.HasPrefix(p, "+") || groups[0] == "0086" {
		if len(groups) > 1 {
			groups = groups[1:]
		} else {
			groups[0] = strings.TrimPrefix(strings.TrimPrefix(groups[0], "0086"), "86")
		}
	}
	all := strings.Join(groups, "")
	out := []string{all}
	if len(groups) >= 2 && strings.HasPrefix(groups[0], "0") && len(groups[0]) <= 4 {
		out = append(out, strings.Join(groups[1:], ""))
	}
	return out
}

// NumberToken is an id or customer number in upper case without spaces:
// the form blind indexes of ID numbers are made of.
func NumberToken(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(normalize(s)), ""))
}

// Spell returns the most likely full pinyin of name (surname readings
// applied), syllables separated by spaces, e.g. "zeng guo fan" for 曾国藩.
// Suitable for customer.Service.Pinyin.
func Spell(name string) string {
	us := units(name)
	parts := make([]string, 0, len(us))
	for _, u := range us {
		if len(u.readings) > 0 {
			parts = append(parts, u.readings[0])
		}
	}
	return strings.Join(parts, " ")
}
