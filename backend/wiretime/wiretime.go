// Package wiretime is the one form in which the read models handed to the desktop's UI carry a
// time: RFC 3339 in UTC to the second ("2026-12-03T07:08:09Z"), and "" for no time at all, so the
// frontend formats every time the same way and tells "never" apart without a zero date.
package wiretime

import "time"

// Format writes t for a read model ("" when t is zero).
func Format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
