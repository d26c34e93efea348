package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Term is one token to look up: equal to Token, or (Prefix) any token
// starting with it.
type Term struct {
	Token  string
	Prefix bool
}

// Group is a set of alternative terms (ORed). A query's groups are ANDed.
type Group []Term

// maxQueryGroups bounds the work one search box entry can cause.
const maxQueryGroups = 8

// ParseQuery turns search box text into token groups. Words separated by
// spaces must all match. Per word:
//   - Han text: its bigrams (each a group), or the unigram for one character;
//   - letters: pinyin prefix OR initials prefix;
//   - 4 digits: last four digits of a phone OR number prefix;
//   - an 11-digit mobile (1…): the whole phone;
//   - other digits: phone prefix OR number prefix;
//   - letters and digits (KH00000123, an id number ending in X): number prefix;
//   - Han mixed with letters or digits: each run on its own.
//
// Empty input gives no groups (match everything).
func ParseQuery(q string) []Group {
	var out []Group
	seen := map[string]bool{}
	add := func(g Group) {
		key := ""
		for _, t := range g {
			key += t.Token + "\x00"
			if t.Prefix {
				key += "*"
			}
		}
		if !seen[key] && len(out) < maxQueryGroups {
			seen[key] = true
			out = append(out, g)
		}
	}
	for _, w := range queryWords(q) {
		for _, g := range wordGroups(w) {
			add(g)
		}
	}
	return out
}

// NameSubstrings returns the Han words of q with 3 or more characters: their
// bigram tokens do not prove the name contains the whole word, so the
// storage layer confirms them with a substring match on the name.
func NameSubstrings(q string) []string {
	var out []string
	for _, w := range queryWords(q) {
		for _, run := range runs(w) {
			if run.class == classHan && utf8.RuneCountInString(run.text) >= 3 {
				out = append(out, run.text)
			}
		}
	}
	return out
}

// queryWords normalises q and splits it at whitespace and at punctuation
// that cannot be part of a token (apostrophes of xi'an are dropped; the
// dashes and parentheses of phone numbers are kept inside digit words).
func queryWords(q string) []string {
	q = normalize(q)
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	for _, r := range q {
		switch {
		case r == '\'' || r == '’':
		case isHan(r) || (r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))):
			b.WriteRune(r)
		case (r == '-' || r == '(' || r == ')' || r == '+') && b.Len() > 0 && isDigits(strings.Trim(b.String(), "+-()")):
			// inside a phone number such as 010-1234 5678 or (010)12345678
		case r == '+' || r == '(':
			// may start a phone number; nothing to keep
		default:
			flush()
		}
	}
	flush()
	return words
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

type runClass int

const (
	classHan runClass = iota
	classLetters
	classDigits
)

type run struct {
	class runClass
	text  string
}

// runs splits a word into Han, letter and digit runs.
func runs(w string) []run {
	var out []run
	for _, r := range w {
		c := classLetters
		switch {
		case isHan(r):
			c = classHan
		case r >= '0' && r <= '9':
			c = classDigits
		}
		if n := len(out); n > 0 && out[n-1].class == c {
			out[n-1].text += string(r)
		} else {
			out = append(out, run{class: c, text: string(r)})
		}
	}
	return out
}

func wordGroups(w string) []Group {
	rs := runs(w)
	hasHan := false
	for _, r := range rs {
		hasHan = hasHan || r.class == classHan
	}
	if !hasHan && len(rs) > 1 {
		// Letters and digits together: a customer or id number.
		return []Group{{{Token: KindNumber + strings.ToUpper(w), Prefix: true}, {Token: KindIDNumber + NumberToken(w)}}}
	}
	var out []Group
	for _, r := range rs {
		switch r.class {
		case classHan:
			cs := []rune(r.text)
			if len(cs) == 1 {
				out = append(out, Group{{Token: KindName + r.text}})
				continue
			}
			for i := 0; i+1 < len(cs); i++ {
				out = append(out, Group{{Token: KindName + string(cs[i:i+2])}})
			}
		case classLetters:
			l := strings.ToLower(r.text)
			out = append(out, Group{{Token: KindPinyin + l, Prefix: true}, {Token: KindInitials + l, Prefix: true}})
		case classDigits:
			out = append(out, digitGroup(r.text))
		}
	}
	return out
}

func digitGroup(d string) Group {
	switch {
	case len(d) == 4:
		return Group{{Token: KindLast4 + d}, {Token: KindNumber + d, Prefix: true}}
	case len(d) == 11 && d[0] == '1':
		return Group{{Token: KindMobile + d}}
	case len(d) >= 8:
		return Group{{Token: KindMobile + d, Prefix: true}, {Token: KindNumber + d, Prefix: true}, {Token: KindIDNumber + d}}
	default:
		return Group{{Token: KindMobile + d, Prefix: true}, {Token: KindNumber + d, Prefix: true}}
	}
}

// PrefixEnd returns the smallest string greater than every string that
// starts with s, for the scan `token >= s AND token < PrefixEnd(s)` in byte
// (code point) order. It returns "" when no such bound exists (then scan
// without an upper bound). The result stays valid UTF-8 when s is.
func PrefixEnd(s string) string {
	if !utf8.ValidString(s) {
		b := []byte(s)
		for i := len(b) - 1; i >= 0; i-- {
			if b[i] < 0xFF {
				b[i]++
				return string(b[:i+1])
			}
		}
		return ""
	}
	rs := []rune(s)
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] < unicode.MaxRune {
			r := rs[i] + 1
			if r == 0xD800 {
				r = 0xE000 // skip the surrogates, which UTF-8 cannot encode
			}
			rs[i] = r
			return string(rs[:i+1])
		}
	}
	return ""
}
