package textrules

import (
	"errors"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrBadEmail is returned for a value that is not a single plain email address.
var ErrBadEmail = errors.New("not an email address")

// EmailHint is the loose shape the clients check before sending an address: one @, something on
// both sides, a dot inside the domain, no spaces. It only catches typos such as a missing @;
// NormalizeEmail decides. It must never refuse an address NormalizeEmail accepts (tested).
const EmailHint = `^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$`

// NormalizeEmail returns the identity form of an email address and the form to display.
//
// Rule (docs/decisions.md): surrounding space is trimmed; the whole address is case-folded.
// RFC 5321 lets a server treat the local part as case-sensitive, but no mainstream provider does,
// and a customer who types "Ada@" once and "ada@" later is one person. Dots and "+tags" are kept:
// they are meaningful on many providers. The domain is converted from Unicode to its ASCII (IDNA)
// form, so both spellings of an internationalized domain are one identity. Display names,
// comments, several addresses, control characters (CR/LF included), spaces and invisible
// characters (EmailRefuses: zero-width spaces and joiners, direction marks and overrides, BOM)
// are refused.
func NormalizeEmail(raw string) (norm, display string, err error) {
	display = strings.TrimSpace(raw)
	if display == "" || len(display) > MaxEmailLength || !utf8.ValidString(display) {
		return "", "", ErrBadEmail
	}
	for _, r := range display {
		if EmailRefuses(r) {
			return "", "", ErrBadEmail
		}
	}
	addr, err := mail.ParseAddress(display)
	if err != nil || addr.Name != "" || addr.Address != display {
		return "", "", ErrBadEmail
	}
	at := strings.LastIndexByte(display, '@')
	local, domain := display[:at], display[at+1:]
	if local == "" || domain == "" || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", "", ErrBadEmail
	}
	asciiDomain, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", "", ErrBadEmail
	}
	return strings.ToLower(local) + "@" + strings.ToLower(asciiDomain), display, nil
}

// MailingForm returns an address as it goes on the wire (SMTP envelope and To header): the local
// part exactly as given, its case kept (RFC 5321 leaves the local part to the receiving server),
// and the domain in its ASCII form (IDNA A-labels), which every relay can carry. utf8Local reports
// a local part with non-ASCII letters: only a relay that offers SMTPUTF8 (RFC 6531) can carry it,
// and no encoding (RFC 2047 encoded-words are not allowed inside an address) makes it ASCII.
// raw must be an address NormalizeEmail accepts.
func MailingForm(raw string) (addr string, utf8Local bool, err error) {
	_, display, err := NormalizeEmail(raw)
	if err != nil {
		return "", false, err
	}
	at := strings.LastIndexByte(display, '@')
	local := display[:at]
	asciiDomain, err := idna.Lookup.ToASCII(display[at+1:])
	if err != nil {
		return "", false, ErrBadEmail
	}
	return local + "@" + asciiDomain, !isASCII(local), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
