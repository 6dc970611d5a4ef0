package textrules

import "unicode"

// The character classes behind the rules. Each is a predicate here and, generated from the same
// predicate, a regular expression in the TypeScript module, so the clients cannot drift.

// IsControl reports C0 and C1 control characters and DEL (Unicode category Cc).
func IsControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// IsDirectionOverride reports the bidirectional embeddings, overrides and isolates (U+202A..U+202E,
// U+2066..U+2069): invisible characters that reorder the text after them, up to the end of the
// paragraph, which lets "gnp.exe" pass for "exe.png" or a name flip the line it sits in.
func IsDirectionOverride(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// IsInvisible reports characters that show nothing: format characters (Cf, such as zero-width
// space U+200B, the joiners, direction marks and overrides, word joiner U+2060, byte order mark
// U+FEFF, soft hyphen), the other default-ignorable code points (Hangul fillers, U+034F) and
// variation selectors.
func IsInvisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// EmailRefuses reports characters no email address may hold: controls, any space, anything
// invisible. An address is compared and shown character by character; an invisible one makes
// two addresses that look the same but are not.
func EmailRefuses(r rune) bool { return IsControl(r) || unicode.IsSpace(r) || IsInvisible(r) }

// NameRefuses reports characters that make CleanName refuse a name: control characters other
// than whitespace (NUL, ESC, ...) and direction overrides. Neither is typed by accident, and both
// can disguise a name or the text around it.
func NameRefuses(r rune) bool { return IsControl(r) && !isSpace(r) || IsDirectionOverride(r) }

// NameStrips reports invisible characters CleanName removes quietly (zero-width space, BOM,
// direction marks, soft hyphen, Hangul fillers, ...): they arrive with pasted text, and a name
// shows the same without them. Kept: the zero-width joiner and non-joiner (Persian and Indic
// names, emoji sequences), tag characters (subdivision flags), prepended concatenation marks
// (visible) and variation selectors (emoji presentation).
func NameStrips(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point) && !IsDirectionOverride(r) && !keptFormat(r)
}

// BodyDrops reports characters removed from message bodies, whether stored now or shown from
// older rows: control characters other than tab and line feed (NUL, ESC and with it terminal
// escape sequences, C1), direction overrides, and invisible format characters except those
// scripts and emoji need. Kept besides the joiners, tags and marks NameStrips keeps: the left-to-
// right, right-to-left and Arabic letter marks (U+200E, U+200F, U+061C), with which people who
// write Hebrew or Arabic place punctuation; a mark acts like one letter of its direction and
// cannot reorder anything an ordinary letter could not. Overrides are removed rather than
// balanced: no one types them in a chat, and removing them leaves the letters in the order typed.
func BodyDrops(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case IsControl(r):
		return true
	case isDirectionMark(r):
		return false
	}
	return unicode.Is(unicode.Cf, r) && !keptFormat(r)
}

// keptFormat reports format characters with a job in ordinary text: ZWNJ and ZWJ, tag characters
// (U+E0020..U+E007F, flag sequences) and prepended concatenation marks (Arabic number signs).
func keptFormat(r rune) bool {
	return r == 0x200c || r == 0x200d || r >= 0xe0020 && r <= 0xe007f || unicode.Is(unicode.Prepended_Concatenation_Mark, r)
}

// isDirectionMark reports LRM, RLM and ALM.
func isDirectionMark(r rune) bool { return r == 0x200e || r == 0x200f || r == 0x061c }

// isSpace is whitespace in names (unicode.IsSpace: tab, line breaks, NEL, no-break and other
// spaces, the line and paragraph separators).
func isSpace(r rune) bool { return unicode.IsSpace(r) }
