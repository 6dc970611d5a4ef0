// Package outbox is the durable email queue: a message is queued in the same database transaction
// as the change that causes it, and a worker delivers it through a Transport, retrying temporary
// failures with backoff until it is delivered or permanently refused. Domain code queues mail
// only through Enqueue, and nothing here imports a mail library: the SMTP transport (go-mail) is
// package outbox/smtprelay, which the engine hands to the worker.
package outbox

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
)

// Kinds of email (the outbox.kind CHECK in the schema lists the same).
const (
	KindSenderVerify = "sender_verify"
	KindChatCode     = "chat_code"
	KindChatLink     = "chat_link"
	KindSigninCode   = "signin_code"
	KindDoubleOptIn  = "double_opt_in"
	KindTranscript   = "transcript"
	// Agents' accounts on a team server: a desktop's sign-in code and an invitation's link. Both
	// carry a secret (Email.Secrets, sealed like a signin_code's).
	KindAgentCode   = "agent_code"
	KindAgentInvite = "agent_invite"
)

// MaxSubjectLength bounds subjects (characters); longer ones are refused, not cut.
const MaxSubjectLength = 250

// Email is what a domain package asks to send.
type Email struct {
	OrgID string
	Kind  string
	// IdempotencyKey makes queuing the same email twice a no-op (e.g. "transcript:<conversation>:1").
	IdempotencyKey string
	FromName       string // display name, e.g. the organization's name
	FromAddr       string // the verified sender address
	To             string
	Subject        string
	Text           string
	HTML           string // optional
	ConversationID string
	ContactID      string
	// Secrets are the one-time codes and link tokens the bodies carry. They never reach the
	// database in plain text: the stored bodies have each replaced by Hidden, the real ones are
	// sealed (see seal.go), and a subject that contains one is refused. They need ChallengeID.
	Secrets []string
	// ChallengeID is the challenge the secrets prove; the email is not sent once it has ended, and
	// its sealed copy is wiped then.
	ChallengeID string
}

// ErrInvalid wraps every reason Enqueue refuses an email.
var ErrInvalid = errors.New("outbox: invalid email")

// Enqueue checks the email and queues it in tx, the transaction of the change that causes it.
// It returns the queued message's id; an email with an idempotency key already queued in the
// organization returns the existing id and queues nothing.
func Enqueue(tx *store.Tx, e Email, now time.Time) (string, error) {
	from, to, err := checkHeaders(e)
	if err != nil {
		return "", err
	}
	if e.IdempotencyKey == "" || strings.ContainsAny(e.IdempotencyKey, "\r\n") {
		return "", fmt.Errorf("%w: an idempotency key is required", ErrInvalid)
	}
	id := store.NewID()
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	m := store.OutboxMessage{
		ID: id, OrgID: e.OrgID, Kind: e.Kind, IdempotencyKey: e.IdempotencyKey,
		FromAddr: from.String(), ToAddr: to, Subject: e.Subject, BodyText: e.Text, BodyHTML: e.HTML,
		// Fixed at queue time: a resend after a crash carries the same Message-ID, so receiving
		// systems can recognise the duplicate.
		MessageID:      "<" + id + "@" + domain + ">",
		ConversationID: e.ConversationID, ContactID: e.ContactID, CreatedAt: now,
	}
	if err := seal(tx.Sealer(), &m, e); err != nil {
		return "", err
	}
	id, _, err = tx.EnqueueOutbox(m)
	return id, err
}

// checkHeaders refuses anything that could add a header or a recipient: CR, LF and other control
// characters in names and subjects, and any address that is not one plain address.
func checkHeaders(e Email) (*mail.Address, string, error) {
	fromNorm, _, err := contacts.NormalizeEmail(e.FromAddr)
	if err != nil {
		return nil, "", fmt.Errorf("%w: the sender address %q is not an email address", ErrInvalid, e.FromAddr)
	}
	// The recipient is mailed as the customer gave it (trimmed): the identity form is case-folded,
	// but the receiving server, not us, decides whether its local parts are case-sensitive. The
	// transport puts the domain in A-labels (textrules.MailingForm).
	_, to, err := contacts.NormalizeEmail(e.To)
	if err != nil {
		return nil, "", fmt.Errorf("%w: the recipient address is not an email address", ErrInvalid)
	}
	if err := plainText("sender name", e.FromName, 200); err != nil {
		return nil, "", err
	}
	if err := plainText("subject", e.Subject, MaxSubjectLength); err != nil {
		return nil, "", err
	}
	if strings.TrimSpace(e.Subject) == "" {
		return nil, "", fmt.Errorf("%w: the subject is empty", ErrInvalid)
	}
	if e.Text == "" {
		return nil, "", fmt.Errorf("%w: the plain-text body is empty", ErrInvalid)
	}
	return &mail.Address{Name: e.FromName, Address: fromNorm}, to, nil
}

func plainText(what, s string, maxLen int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: the %s is not valid text", ErrInvalid, what)
	}
	if utf8.RuneCountInString(s) > maxLen {
		return fmt.Errorf("%w: the %s is longer than %d characters", ErrInvalid, what, maxLen)
	}
	for _, r := range s {
		// C0 and C1 controls (CR and LF among them), and Unicode line/paragraph separators.
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("%w: the %s contains a line break or control character", ErrInvalid, what)
		}
	}
	return nil
}
