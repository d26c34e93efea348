package survey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"unicode/utf8"
)

// NewToken returns a link token (32 random bytes, base64url without
// padding: 43 characters that cannot be guessed) and the hash that is the
// only thing stored.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics instead)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token: hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WellFormed reports whether s could be a token, so junk is refused before
// any lookup.
func WellFormed(s string) bool {
	if len(s) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// MaskName keeps the first character of a name for the greeting on the
// public page: 张三丰 → 张**. The page shows nothing else about the customer.
func MaskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return ""
	}
	r := []rune(name)
	out := []rune{r[0]}
	for i := 1; i < n && i < 4; i++ {
		out = append(out, '*')
	}
	if n == 1 {
		out = append(out, '*')
	}
	return string(out)
}
