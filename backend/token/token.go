// Package token makes the secrets that prove something by possession: link tokens and one-time
// codes. They come from crypto/rand; only their SHA-256 is ever stored, so a copy of the database
// cannot be used to verify anything.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
)

// linkBytes is the entropy of a link token: 256 bits.
const linkBytes = 32

// NewLink returns a URL-safe link token (43 characters) and its hash.
func NewLink() (plain string, hash []byte) {
	b := make([]byte, linkBytes)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("token: crypto/rand failed: %v", err)) // the OS has no entropy: nothing is safe
	}
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, Hash(plain)
}

// IsLinkShaped reports whether s looks like a link token, so that garbage is refused before any
// database lookup.
func IsLinkShaped(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(linkBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// NewCode returns a one-time code of n decimal digits (leading zeros kept) and its hash.
func NewCode(n int) (plain string, hash []byte) {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, limit)
	if err != nil {
		panic(fmt.Sprintf("token: crypto/rand failed: %v", err))
	}
	plain = fmt.Sprintf("%0*d", n, v)
	return plain, Hash(plain)
}

// Hash is the stored form of a token or code.
func Hash(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}
