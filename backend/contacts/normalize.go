// Package contacts holds what makes a customer one contact: the single place the backend reaches
// email and phone normalization, identity lookup, and (as that work lands) merges and timelines.
// The email rule itself is textrules.NormalizeEmail, shared with the clients.
package contacts

import "vouchdesk/backend/textrules"

// NormalizeEmail returns the identity form of an email address and the form to display
// (textrules.NormalizeEmail).
func NormalizeEmail(raw string) (norm, display string, err error) {
	return textrules.NormalizeEmail(raw)
}
