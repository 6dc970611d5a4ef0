package transcript

import (
	"strings"
	"unicode/utf8"

	"vouchdesk/backend/textrules"
)

// Layouts of the times a transcript shows: 24-hour clock with the zone's abbreviation (which
// changes across a daylight-saving switch: EST, EDT), and the day spelled out, so no reader has to
// guess whether 03/04 is March or April.
const (
	timeLayout = "15:04 MST"
	dayLayout  = "Monday, 2 January 2006"
	fullLayout = dayLayout + ", " + timeLayout
)

// cleanLines makes a text safe to show and splits it into lines: invalid UTF-8 becomes U+FFFD,
// CR LF, CR and the Unicode line and paragraph separators end a line, tabs stay, and what
// textrules.BodyDrops names is dropped (NUL, ESC and C1 controls, direction overrides, invisible
// format characters), so rows stored before those rules are shown safely too.
func cleanLines(s string) []string {
	if isPlain(s) {
		return []string{s}
	}
	return strings.Split(textrules.ShowBody(lineSeparators.Replace(s)), "\n")
}

// lineSeparators turns the Unicode line and paragraph separators into line feeds, which
// textrules.ShowBody keeps (it already makes CR LF and CR one).
var lineSeparators = strings.NewReplacer("\u2028", "\n", "\u2029", "\n")

// isPlain reports a one-line string that needs no cleaning: the common case, checked without
// allocating.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			// Decode the rest rune by rune (C1 controls, separators, format characters, invalid
			// bytes are multi-byte).
			for _, r := range s[i:] {
				if r == utf8.RuneError || r == '\n' || textrules.BodyDrops(r) || r == '\u2028' || r == '\u2029' {
					return false
				}
			}
			return true
		}
	}
	return true
}

// cleanLine is cleanLines for a one-line value (a name): line breaks become spaces.
func cleanLine(s string) string {
	if isPlain(s) {
		return s
	}
	return strings.Join(cleanLines(s), " ")
}

// collapseSpaces trims and folds runs of spaces into one.
func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip shortens s to at most n characters, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// breakRun is how many characters without a space may run before the HTML offers a line break
// (<wbr>): a pasted URL or a key-mash then wraps in mail clients that ignore CSS word breaking.
const breakRun = 30

// pieces cuts a line into chunks at every breakRun-th character of a run without spaces; most
// lines come back whole.
func pieces(line string) []string {
	if len(line) <= breakRun {
		return []string{line}
	}
	var out []string
	start, run := 0, 0
	for i, r := range line {
		if r == ' ' || r == '\t' {
			run = 0
			continue
		}
		if run == breakRun {
			out = append(out, line[start:i])
			start, run = i, 0
		}
		run++
	}
	return append(out, line[start:])
}
