package customer

import (
	"strings"
	"time"
)

// residentWeights are the GB 11643 weights for the first 17 digits.
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentCheck = "10X98765432"

// ResidentCheckDigit returns the check character for the first 17 digits.
func ResidentCheckDigit(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * residentWeights[i]
	}
	return residentCheck[sum%11]
}

// ValidResidentID reports whether s is an 18-character 居民身份证 number with
// a valid birth date and check digit.
func ValidResidentID(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	if _, err := time.Parse("20060102", s[6:14]); err != nil {
		return false
	}
	return ResidentCheckDigit(s[:17]) == s[17]
}

// usccChars is the GB 32100 alphabet (no I, O, Z, S, V).
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCCheckChar returns the check character for the first 17 characters, or
// 0 if one of them is not in the alphabet.
func USCCCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccChars, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * usccWeights[i]
	}
	c := (31 - sum%31) % 31
	return usccChars[c]
}

// ValidUSCC reports whether s is an 18-character 统一社会信用代码 with a valid
// check character.
func ValidUSCC(s string) bool {
	if len(s) != 18 {
		return false
	}
	c := USCCCheckChar(s[:17])
	return c != 0 && c == s[17]
}

// BirthdayFromResidentID returns the YYYY-MM-DD birth date in a valid ID.
func BirthdayFromResidentID(s string) string {
	if !ValidResidentID(s) {
		return ""
	}
	return s[6:10] + "-" + s[10:12] + "-" + s[12:14]
}

// GenderFromResidentID returns "male" or "female" from the 17th digit.
func GenderFromResidentID(s string) string {
	if !ValidResidentID(s) {
		return ""
	}
	if (s[16]-'0')%2 == 1 {
		return "male"
	}
	return "female"
}
