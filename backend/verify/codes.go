package verify

import (
	"crypto/subtle"
	"strings"

	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

// codeHash is the stored form of a one-time code: the SHA-256 of the code bound to its
// challenge's id. Bound, so a code only ever matches the challenge it was made for (a chat code
// typed at sign-in, or a sign-in code typed in a chat, is a wrong code), and so two live codes
// with the same six digits never share a hash: challenges_secret is unique per purpose, and a
// plain hash of one of a million codes would collide within a few thousand sends.
func codeHash(challengeID, code string) []byte {
	return token.Hash(challengeID + "\x00" + code)
}

// codeMatches compares a typed code with a challenge's in constant time.
func codeMatches(ch store.Challenge, code string) bool {
	return len(code) == CodeDigits && subtle.ConstantTimeCompare(codeHash(ch.ID, code), ch.SecretHash) == 1
}

// cleanCode drops the spaces and dashes people type or paste into a code.
func cleanCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
}
