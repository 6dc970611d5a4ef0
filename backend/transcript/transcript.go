// Package transcript renders the transcript of a conversation: a complete, print-ready HTML
// document and a plain-text version, for the email a customer receives when a chat ends and for
// viewing and exporting from the desktop with the network off. Its Mailer queues that email
// through the outbox, in the transaction that ends the chat, to the verified address only.
//
// Everything a customer typed (names, messages) is shown as inert text: the HTML goes through
// html/template, and both renderers drop control characters. Agents appear by display name only;
// their emails are never read. Times are shown in the customer's time zone when the widget told
// us one, and in UTC otherwise.
package transcript

import (
	"context"
	"errors"
	"fmt"
	"time"
	// The customer's time zone must resolve on every desktop: Windows and minimal containers have
	// no zoneinfo database, so the standard library's copy (about 450 KB) is compiled in. The
	// system database is still preferred where it exists.
	_ "time/tzdata"
	"unicode/utf8"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/textrules"
)

// Kind says who wrote a message.
type Kind string

// Kinds of author; the same words as the store's sender kinds.
const (
	Customer Kind = store.SenderCustomer
	Agent    Kind = store.SenderAgent
	System   Kind = store.SenderSystem
)

// Message is one message of a transcript.
type Message struct {
	Kind Kind `json:"kind"`
	// Author is the display name: the agent's name for an agent, the customer's name for the
	// customer, '' for a system note. Never an email address.
	Author string    `json:"author"`
	Body   string    `json:"body"`
	At     time.Time `json:"at"`
}

// Transcript is everything a rendered transcript shows.
type Transcript struct {
	Organization   string    `json:"organization"`
	Inbox          string    `json:"inbox"`
	ConversationID string    `json:"conversationId"`
	StartedAt      time.Time `json:"startedAt"`
	EndedAt        time.Time `json:"endedAt"` // zero while the chat is open
	// Customer is the customer's display name; '' when the customer gave none.
	Customer string `json:"customer"`
	// TimeZone is the IANA name the customer's browser reported ("Europe/Berlin"); '' or a name
	// this build does not know shows times in UTC.
	TimeZone string    `json:"timeZone"`
	Messages []Message `json:"messages"`
}

// Load reads the transcript of a conversation of the organization from the store: one query for
// the conversation with its organization, inbox and contact, one for the messages with the
// agents' display names. A conversation of another organization is store.ErrNotFound.
//
// The customer's name is the linked contact's name once the link is verified, and otherwise the
// name typed in the chat: a preliminary link rests on an address nobody has proven yet, so the
// contact's name is not the chat's to show.
func Load(ctx context.Context, st *store.Store, orgID, conversationID string) (Transcript, error) {
	head, lines, err := st.Transcript(ctx, orgID, conversationID)
	if err != nil {
		return Transcript{}, fmt.Errorf("transcript: load: %w", err)
	}
	return fromStore(head, lines), nil
}

// LoadTx is Load inside the caller's transaction (the one that ends the chat, when the email is
// queued with the end).
func LoadTx(tx *store.Tx, orgID, conversationID string) (Transcript, error) {
	head, lines, err := tx.Transcript(orgID, conversationID)
	if err != nil {
		return Transcript{}, fmt.Errorf("transcript: load: %w", err)
	}
	return fromStore(head, lines), nil
}

func fromStore(head store.TranscriptHead, lines []store.TranscriptLine) Transcript {
	t := Transcript{
		Organization:   head.OrgName,
		Inbox:          head.InboxName,
		ConversationID: head.ID,
		StartedAt:      head.StartedAt,
		EndedAt:        head.EndedAt,
		Customer:       head.VisitorName,
		TimeZone:       head.CustomerTZ,
		Messages:       make([]Message, len(lines)),
	}
	if head.LinkState == store.LinkVerified && head.ContactName != "" {
		t.Customer = head.ContactName
	}
	for i, l := range lines {
		m := Message{Kind: Kind(l.SenderKind), Body: l.Body, At: l.CreatedAt}
		switch m.Kind {
		case Agent:
			m.Author = l.AuthorName
		case Customer:
			m.Author = t.Customer
		}
		t.Messages[i] = m
	}
	return t
}

// Location returns the time zone the transcript is shown in: the customer's, or UTC when it is
// unknown or not a valid IANA name. It never fails.
func (t Transcript) Location() *time.Location {
	loc, _ := location(t.TimeZone)
	return loc
}

// location resolves an IANA zone name; ok is false when it fell back to UTC.
func location(name string) (loc *time.Location, ok bool) {
	// "Local" would be this machine's zone, not the customer's; the length and character checks
	// keep anything that is not a zone name (paths, long strings) away from the zone loader.
	if name == "" || name == "Local" || len(name) > 64 {
		return time.UTC, false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+') {
			return time.UTC, false
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC, false
	}
	return loc, true
}

// ErrUnsafeHeader is returned by Subject when the text would carry a line break or another
// control character into a mail header.
var ErrUnsafeHeader = errors.New("transcript: a line break or control character would reach a mail header")

// maxOrgInSubject bounds the organization's name in a subject (characters), as verify's emails do.
const maxOrgInSubject = 100

// Subject is the transcript email's subject: "Your chat with <organization> on <date>", the date
// being the day the chat started in the customer's time zone. It refuses (ErrUnsafeHeader) an
// organization name with CR, LF or any other control character instead of cleaning it: such a
// name never passes the organization's own checks, so it can only be an injection attempt.
func Subject(t Transcript) (string, error) {
	org := t.Organization
	if !utf8.ValidString(org) {
		return "", ErrUnsafeHeader
	}
	for _, r := range org {
		if textrules.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", ErrUnsafeHeader
		}
	}
	org = clip(collapseSpaces(org), maxOrgInSubject)
	s := "Your chat transcript"
	if org != "" {
		s = "Your chat with " + org
	}
	if !t.StartedAt.IsZero() {
		s += " on " + t.StartedAt.In(t.Location()).Format(dayLayout)
	}
	if utf8.RuneCountInString(s) > outbox.MaxSubjectLength { // cannot happen with the clip above
		return "", fmt.Errorf("transcript: subject longer than %d characters", outbox.MaxSubjectLength)
	}
	return s, nil
}
