package verify

import (
	"strings"
	"time"
	"unicode"
)

// maxShownName is how much of a visitor's name an email or link page shows.
const maxShownName = 60

// InertName makes the name a visitor typed safe to show, in quotes, to the owner of the address
// they gave: a stranger chose it, so it must not read as a link, an address or an instruction of
// ours. Control and format characters (CR, LF, bidi overrides, zero-width marks) go, whitespace
// runs become one space, the text is clipped to maxShownName characters, double quotes become
// single ones (the callers quote the name), and what mail clients turn into links is broken
// visibly: a colon before a non-space becomes "[:]" (so "://" is "[:]//" and "javascript:"
// "javascript[:]"), angle brackets become ‹ ›, a dot before a letter or digit "[.]", "@" "[at]". So
// "Click https://evil.example" shows as "Click https[:]//evil[.]example". HTML escaping is still
// the template's job.
func InertName(name string) string {
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\uFFFD':
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	s := clip(b.String(), maxShownName)
	r := []rune(s)
	var out strings.Builder
	for i := 0; i < len(r); i++ {
		switch {
		case r[i] == '"':
			out.WriteRune('\'')
		case r[i] == '@':
			out.WriteString("[at]")
		case r[i] == ':' && i+1 < len(r) && !unicode.IsSpace(r[i+1]):
			out.WriteString("[:]") // "https://", "javascript:", "mailto:": no scheme survives
		case r[i] == '<':
			out.WriteRune('‹') // no tag, even in a plain-text part a client might render
		case r[i] == '>':
			out.WriteRune('›')
		case r[i] == '.' && i+1 < len(r) && (unicode.IsLetter(r[i+1]) || unicode.IsDigit(r[i+1])):
			out.WriteString("[.]")
		default:
			out.WriteRune(r[i])
		}
	}
	return out.String()
}

// UTCTime is how emails and link pages write a time: in UTC, with the zone named, since the
// reader may be anywhere ("Thu 3 Dec 2026, 13:29 UTC").
func UTCTime(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04 UTC") }
