// Package textrules is the one definition of the rules for text people type into Vouch Desk: how
// long names, messages and emails may be, which characters each may hold, the shape of an email
// address, and the paths of the links emailed to customers. It is pure (no store, no clock), so
// chat, contacts, org, verify and the widget server all call the same functions, and the same
// rules reach the desktop UI and the widget as generated TypeScript
// (frontend/src/lib/textrules.gen.ts, written by `go generate ./backend/textrules`; a test fails
// when the committed file is stale).
//
// Characters (docs/decisions.md, "Text rules"): emails refuse anything invisible; names refuse
// control characters and direction overrides and drop other invisible characters; message bodies
// keep line breaks and tabs and drop control and invisible format characters, keeping only the
// joiners and direction marks that scripts and emoji need.
package textrules

//go:generate go run ./gen

import (
	"strings"
	"unicode/utf8"
)

// Limits, in characters (Unicode code points, as the clients count them too).
const (
	MaxMessageChars = 4000
	MaxNameChars    = 200
	// MaxClientMsgID is in bytes: the widget's ids are ASCII.
	MaxClientMsgID = 64
	// MaxEmailLength is the longest address accepted, in bytes (RFC 5321's forward-path limit).
	MaxEmailLength = 254
)

// Paths of the links emailed to customers, served by the widget server (the token follows).
const (
	PathVerifyEmail = "/verify/email/"
	PathConfirm     = "/confirm/"
)

// Problem is why a text was refused, worded for the person who typed it. Callers wrap it in
// their own error code (apperr) and pass the sentence on.
type Problem struct{ msg string }

func (p *Problem) Error() string { return p.msg }

// The problems the rules report.
var (
	ErrNameNotText    = &Problem{"A name must be ordinary text."}
	ErrNameControl    = &Problem{"A name cannot contain control characters or text-direction overrides."}
	ErrNameTooLong    = &Problem{"A name can be at most 200 characters."}
	ErrEmptyMessage   = &Problem{"Type a message first."}
	ErrMessageTooLong = &Problem{"A message can be at most 4,000 characters."}
)

// CleanName returns the name to store: whitespace of any kind (tabs, line breaks, no-break
// spaces) folded into single spaces and trimmed, invisible characters (NameStrips) removed. It
// refuses invalid UTF-8, control characters other than whitespace and direction overrides
// (NameRefuses), and names longer than MaxNameChars after cleaning. An empty result is not an
// error: whether a name is required is the caller's rule.
func CleanName(raw string) (string, error) {
	if !utf8.ValidString(raw) {
		return "", ErrNameNotText
	}
	var b strings.Builder
	b.Grow(len(raw))
	space := false // a space is pending: written before the next character, so none trails
	for _, r := range raw {
		switch {
		case NameRefuses(r):
			return "", ErrNameControl
		case isSpace(r):
			space = b.Len() > 0
		case NameStrips(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	name := b.String()
	if utf8.RuneCountInString(name) > MaxNameChars {
		return "", ErrNameTooLong
	}
	return name, nil
}

// CleanBody returns the message body to store: invalid UTF-8 replaced by U+FFFD, CR LF and lone
// CR made LF, the characters BodyDrops names removed, surrounding space trimmed. It refuses an
// empty body and one longer than MaxMessageChars after cleaning.
func CleanBody(raw string) (string, error) {
	body := strings.TrimSpace(ShowBody(raw))
	if body == "" {
		return "", ErrEmptyMessage
	}
	if utf8.RuneCountInString(body) > MaxMessageChars {
		return "", ErrMessageTooLong
	}
	return body, nil
}

// ShowBody makes a body safe to show, for rows stored before these rules (and is the cleaning
// CleanBody does): invalid UTF-8 becomes U+FFFD, CR LF and lone CR become LF, BodyDrops
// characters go. Text that needs nothing comes back as is, without allocating.
func ShowBody(s string) string {
	if bodyIsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			b.WriteByte('\n')
		case !BodyDrops(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bodyIsClean reports text ShowBody would return unchanged.
func bodyIsClean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x80 {
			if c == '\r' || BodyDrops(rune(c)) {
				return false
			}
			continue
		}
		for _, r := range s[i:] {
			if r == utf8.RuneError || r == '\r' || BodyDrops(r) {
				return false
			}
		}
		return true
	}
	return true
}
