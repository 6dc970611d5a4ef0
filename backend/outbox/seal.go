package outbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"vouchdesk/backend/store"
)

// Hidden replaces a code or link token in the copy of an email kept in the database (what the
// Delivery log shows).
const Hidden = "[hidden]"

// Reasons recorded in the Delivery log when an email with a code or link cannot go out.
const (
	// ReasonUnreadable: the sealed copy does not open with the key this process has (the keyring
	// entry was reset, vouchd started without its VOUCHD_OUTBOX_KEY, or the row was altered).
	ReasonUnreadable = "The code or link in this email can no longer be read (the key that protects it has changed); send a new one."
	// ReasonEnded: the challenge ended (used, replaced, expired) and its sealed copy was wiped.
	ReasonEnded = "Not sent: the code or link in it is no longer valid (used, replaced or expired)."
)

// ErrNoSealer is returned when an email with secrets is queued on a store that has no sealer
// (store.Store.SetSealer): the engine always sets one.
var ErrNoSealer = errors.New("outbox: no key to protect codes and links is set up")

// bodies is the sealed plaintext.
type bodies struct {
	Text string `json:"text"`
	HTML string `json:"html,omitempty"`
}

// additional binds a sealed copy to its row and recipient: moved to another row, or with the
// recipient changed in the file, it no longer opens.
func additional(m store.OutboxMessage) []byte {
	return []byte("vouchdesk outbox v1\x00" + m.ID + "\x00" + m.ToAddr)
}

// seal fills m's sealed copy from e and replaces the secrets in m's stored bodies by Hidden.
func seal(sl store.Sealer, m *store.OutboxMessage, e Email) error {
	if len(e.Secrets) == 0 && e.ChallengeID == "" {
		return nil
	}
	if len(e.Secrets) == 0 || e.ChallengeID == "" {
		return fmt.Errorf("%w: an email with a code or link names both the secrets and their challenge", ErrInvalid)
	}
	text, html := e.Text, e.HTML
	for _, s := range e.Secrets {
		if len(s) < 4 {
			// Replacing a short string would blank unrelated text and hide nothing worth hiding.
			return fmt.Errorf("%w: a secret is shorter than 4 characters", ErrInvalid)
		}
		if strings.Contains(e.Subject, s) {
			return fmt.Errorf("%w: the subject contains the code or link", ErrInvalid)
		}
		if !strings.Contains(text, s) {
			return fmt.Errorf("%w: the plain-text body does not carry the code or link", ErrInvalid)
		}
		text, html = strings.ReplaceAll(text, s, Hidden), strings.ReplaceAll(html, s, Hidden)
	}
	if sl == nil {
		return ErrNoSealer
	}
	plain, err := json.Marshal(bodies{Text: e.Text, HTML: e.HTML})
	if err != nil {
		return fmt.Errorf("outbox: seal: %w", err)
	}
	sealed, err := sl.Seal(plain, additional(*m))
	if err != nil {
		return fmt.Errorf("outbox: seal: %w", err)
	}
	m.BodyText, m.BodyHTML, m.ChallengeID, m.Sealed = text, html, e.ChallengeID, sealed
	return nil
}

// Reveal returns m with its real bodies, as it is sent. Mail without a code or link is returned
// as it is. The reason is ReasonEnded or ReasonUnreadable when the email must not (or cannot) go
// out; it is recorded as a permanent failure.
func Reveal(sl store.Sealer, m store.OutboxMessage) (store.OutboxMessage, string) {
	if m.ChallengeID == "" {
		return m, ""
	}
	if m.Sealed == nil {
		return m, ReasonEnded
	}
	if sl == nil {
		return m, ReasonUnreadable
	}
	plain, err := sl.Open(m.Sealed, additional(m))
	if err != nil {
		return m, ReasonUnreadable
	}
	var b bodies
	if err := json.Unmarshal(plain, &b); err != nil || b.Text == "" {
		return m, ReasonUnreadable
	}
	m.BodyText, m.BodyHTML, m.Sealed = b.Text, b.HTML, nil
	return m, ""
}
