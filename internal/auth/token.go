package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
)

// TokenPrefix starts every API token, so leaked tokens are easy to scan for.
const TokenPrefix = "gx_"

// Token is an API token's metadata; the plaintext is shown once and only its
// SHA-256 is stored.
type Token struct {
	ID         guanxi.ID  `db:"id" json:"id"`
	UserID     guanxi.ID  `db:"user_id" json:"user_id"`
	Name       string     `db:"name" json:"name"`
	Prefix     string     `db:"prefix" json:"prefix"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
	Version    int64      `db:"version" json:"version"`
}

var tokenEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewAPIToken returns a new token: plain is "gx_" + 32 random bytes in
// lower-case base32, prefix is what lists show to recognise it, hash is
// what is stored.
func NewAPIToken() (plain, prefix, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	plain = TokenPrefix + strings.ToLower(tokenEnc.EncodeToString(b))
	return plain, plain[:len(TokenPrefix)+8], HashAPIToken(plain)
}

// HashAPIToken returns the stored form of a token: SHA-256 in hex. Tokens are
// 256-bit random, so a fast hash is enough.
func HashAPIToken(plain string) string {
	h := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(h[:])
}
