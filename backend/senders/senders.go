// Package senders manages the organization's sender email: the address every customer email comes
// from. An owner or admin sets it; a verification email with a one-click link is queued to it; the
// address becomes verified when the link is confirmed in a browser or when the desktop app finds
// that very message in the address's mailbox (IMAP). A verified sender keeps sending while a
// replacement waits for its own verification. Features that send mail are gated on it.
package senders

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

// LinkLife is how long a verification link works.
const LinkLife = 24 * time.Hour

// Resend limits per address: at most one link a minute and five an hour.
const (
	resendGap     = time.Minute
	resendPerHour = 5
)

// Verification methods recorded on a verified sender.
const (
	MethodLink = "link"
	MethodIMAP = "imap"
)

// Service runs the sender email lifecycle.
type Service struct {
	st        *store.Store
	now       func() time.Time
	publicURL func() string // where link pages are served, e.g. http://127.0.0.1:8470
	queued    func()        // called after an email was queued (wakes the outbox worker)
}

// New returns the service. publicURL gives the widget server's public URL at the time of sending.
func New(st *store.Store, now func() time.Time, publicURL func() string, queued func()) *Service {
	if now == nil {
		now = time.Now
	}
	if queued == nil {
		queued = func() {}
	}
	return &Service{st: st, now: now, publicURL: publicURL, queued: queued}
}

// Email is a sender email with its status (store.SenderEmail).
type Email = store.SenderEmail

// State is the organization's sender email situation.
type State struct {
	Verified *store.SenderEmail // in use; nil when none
	Pending  *store.SenderEmail // waiting for verification; nil when none
}

// Current returns the organization's sender state.
func (s *Service) Current(ctx context.Context, orgID string) (State, error) {
	list, err := s.st.SenderEmails(ctx, orgID)
	if err != nil {
		return State{}, err
	}
	var st State
	for i := range list {
		switch list[i].Status {
		case store.SenderVerified:
			st.Verified = &list[i]
		case store.SenderUnverified:
			st.Pending = &list[i]
		}
	}
	return st, nil
}

// VerifiedAddress returns the address mail is sent from; ok is false while none is verified.
func (s *Service) VerifiedAddress(ctx context.Context, orgID string) (string, bool, error) {
	st, err := s.Current(ctx, orgID)
	if err != nil || st.Verified == nil {
		return "", false, err
	}
	return st.Verified.Address, true, nil
}

func mayManage(actor store.User) error { return org.RequireAdmin(actor, "change the sender email") }

// Set adds a sender email, or changes to another one: a pending address is replaced (its links
// stop working); a verified one stays in use until the new one is verified. A verification email
// is queued to the new address in the same transaction.
func (s *Service) Set(ctx context.Context, actor store.User, org store.Organization, address string) (State, error) {
	if err := mayManage(actor); err != nil {
		return State{}, err
	}
	norm, _, err := contacts.NormalizeEmail(address)
	if err != nil {
		return State{}, apperr.Invalid("address", "Enter one email address, like support@example.com (at most 254 characters).")
	}
	now := s.now()
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		if pending, err := tx.PendingSenderEmail(org.ID); err == nil {
			if err := tx.SetSenderStatus(pending.ID, store.SenderRemoved, "", now); err != nil {
				return err
			}
			if err := tx.RevokeChallengesForSender(pending.ID, now); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		list, err := s.st.SenderEmails(ctx, org.ID)
		if err != nil {
			return err
		}
		for _, se := range list {
			if se.Status == store.SenderVerified && se.Address == norm {
				return apperr.Conflict(norm + " is already the verified sender email.")
			}
		}
		se := store.SenderEmail{ID: store.NewID(), OrgID: org.ID, Address: norm, Status: store.SenderUnverified,
			CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now}
		if err := tx.InsertSenderEmail(se); err != nil {
			return err
		}
		if err := s.sendLink(tx, actor, org, se, now); err != nil {
			return err
		}
		return tx.Audit(org.ID, store.AgentActor(actor.ID), "sender_email.set", "sender_emails", se.ID,
			map[string]string{"address": norm})
	})
	if err != nil {
		return State{}, err
	}
	s.queued()
	return s.Current(ctx, org.ID)
}

// Resend queues a fresh verification link for the pending address (earlier links keep working
// until they expire). Rate-limited per address.
func (s *Service) Resend(ctx context.Context, actor store.User, org store.Organization) (State, error) {
	if err := mayManage(actor); err != nil {
		return State{}, err
	}
	now := s.now()
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		se, err := pending(tx, org.ID)
		if err != nil {
			return err
		}
		lastMinute, err := tx.CountChallengesSince(org.ID, store.PurposeSenderLink, store.FieldEmail, se.Address, now.Add(-resendGap))
		if err != nil {
			return err
		}
		lastHour, err := tx.CountChallengesSince(org.ID, store.PurposeSenderLink, store.FieldEmail, se.Address, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if lastMinute > 0 || lastHour >= resendPerHour {
			return &apperr.Error{Code: "rate_limited", Message: "A link was sent to this address moments ago. Wait a minute (at most five links an hour) and check the spam folder meanwhile."}
		}
		return s.sendLink(tx, actor, org, se, now)
	})
	if err != nil {
		return State{}, err
	}
	s.queued()
	return s.Current(ctx, org.ID)
}

// RemovePending removes the address waiting for verification; its links stop working.
func (s *Service) RemovePending(ctx context.Context, actor store.User, org store.Organization) (State, error) {
	if err := mayManage(actor); err != nil {
		return State{}, err
	}
	now := s.now()
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		se, err := pending(tx, org.ID)
		if err != nil {
			return err
		}
		if err := tx.SetSenderStatus(se.ID, store.SenderRemoved, "", now); err != nil {
			return err
		}
		if err := tx.RevokeChallengesForSender(se.ID, now); err != nil {
			return err
		}
		return tx.Audit(org.ID, store.AgentActor(actor.ID), "sender_email.remove", "sender_emails", se.ID,
			map[string]string{"address": se.Address})
	})
	if err != nil {
		return State{}, err
	}
	return s.Current(ctx, org.ID)
}

// pending returns the address waiting for verification, or a NotFound a person can read.
func pending(tx *store.Tx, orgID string) (store.SenderEmail, error) {
	se, err := tx.PendingSenderEmail(orgID)
	if errors.Is(err, store.ErrNotFound) {
		return store.SenderEmail{}, apperr.NotFound("There is no sender email waiting for verification.")
	}
	return se, err
}

// sendLink makes a link challenge and queues the verification email, inside tx.
func (s *Service) sendLink(tx *store.Tx, actor store.User, org store.Organization, se store.SenderEmail, now time.Time) error {
	plain, hash := token.NewLink()
	ch := store.Challenge{ID: store.NewID(), OrgID: org.ID, Purpose: store.PurposeSenderLink, SecretHash: hash,
		TargetKind: store.FieldEmail, TargetValue: se.Address, SenderEmailID: se.ID, RequestedBy: actor.ID,
		CreatedAt: now, ExpiresAt: now.Add(LinkLife)}
	if err := tx.InsertChallenge(ch); err != nil {
		return err
	}
	if err := tx.TouchSenderLinkSent(se.ID, now); err != nil {
		return err
	}
	msg := verificationEmail(org.Name, actor.Name, se.Address, LinkURL(s.publicURL(), plain))
	_, err := outbox.Enqueue(tx, outbox.Email{OrgID: org.ID, Kind: outbox.KindSenderVerify,
		IdempotencyKey: "sender_verify:" + ch.ID, FromName: org.Name, FromAddr: se.Address, To: se.Address,
		Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML, Secrets: []string{plain}, ChallengeID: ch.ID}, now)
	return err
}

// LinkPath is where the confirmation page of a sender link is served.
const LinkPath = "/verify/sender/"

// LinkURL is the link put in the verification email.
func LinkURL(publicURL, plain string) string {
	return strings.TrimRight(publicURL, "/") + LinkPath + plain
}

// ErrLinkUnusable is returned for a link that is unknown, used, expired, or whose address was
// removed or replaced. The page says only that the link no longer works.
var ErrLinkUnusable = errors.New("senders: the link no longer works")

// Preview tells what a link would verify, without using it (the confirmation page).
func (s *Service) Preview(ctx context.Context, plain string) (address, orgName string, err error) {
	if !token.IsLinkShaped(plain) {
		return "", "", ErrLinkUnusable
	}
	ch, err := s.st.LinkChallenge(ctx, store.PurposeSenderLink, token.Hash(plain), s.now())
	if errors.Is(err, store.ErrChallengeUnusable) {
		return "", "", ErrLinkUnusable
	} else if err != nil {
		return "", "", err
	}
	orgs, err := s.st.Organizations(ctx)
	if err != nil {
		return "", "", err
	}
	for _, o := range orgs {
		if o.ID == ch.OrgID {
			orgName = o.Name
		}
	}
	return ch.TargetValue, orgName, nil
}

// Verify uses a link token: the pending address it was sent to becomes the verified sender (the
// previous verified one, if any, is replaced). method says how the token came back: MethodLink
// (a person confirmed the page) or MethodIMAP (the app found the email in the mailbox).
func (s *Service) Verify(ctx context.Context, plain, method string) (store.SenderEmail, error) {
	return s.verify(ctx, plain, method, nil)
}

// verify is Verify with a last check on the challenge before anything changes: when accept
// returns false the transaction is rolled back (the link stays usable) and ErrLinkUnusable is
// returned.
func (s *Service) verify(ctx context.Context, plain, method string, accept func(*store.Tx, store.Challenge) (bool, error)) (store.SenderEmail, error) {
	if !token.IsLinkShaped(plain) {
		return store.SenderEmail{}, ErrLinkUnusable
	}
	now := s.now()
	var verified store.SenderEmail
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		ch, err := tx.ConsumeLinkChallenge(store.PurposeSenderLink, token.Hash(plain), now)
		if errors.Is(err, store.ErrChallengeUnusable) {
			return ErrLinkUnusable
		} else if err != nil {
			return err
		}
		if accept != nil {
			if ok, err := accept(tx, ch); err != nil {
				return err
			} else if !ok {
				return ErrLinkUnusable
			}
		}
		se, err := tx.SenderEmailByID(ch.OrgID, ch.SenderEmailID)
		if err != nil {
			return err
		}
		if se.Status != store.SenderUnverified {
			return ErrLinkUnusable // removed or replaced since the link was sent
		}
		list, err := s.st.SenderEmails(ctx, ch.OrgID)
		if err != nil {
			return err
		}
		for _, old := range list {
			if old.Status == store.SenderVerified {
				if err := tx.SetSenderStatus(old.ID, store.SenderReplaced, "", now); err != nil {
					return err
				}
			}
		}
		if err := tx.SetSenderStatus(se.ID, store.SenderVerified, method, now); err != nil {
			return err
		}
		if err := tx.RevokeChallengesForSender(se.ID, now); err != nil {
			return err
		}
		se.Status, se.VerifiedAt, se.VerifiedMethod = store.SenderVerified, now, method
		verified = se
		return tx.Audit(ch.OrgID, store.SystemActor, "sender_email.verify", "sender_emails", se.ID,
			map[string]string{"address": se.Address, "method": method})
	})
	return verified, err
}

// linkInText finds sender link tokens in a message's text: only the exact link path followed by
// a whole token counts.
var linkInText = regexp.MustCompile(regexp.QuoteMeta(LinkPath) + `([A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)`)

// Arrived is a message that arrived in the watched mailbox, as sender verification reads it.
type Arrived struct {
	MessageID string // the Message-ID header, with or without its angle brackets
	From      string // the first From address (addr-spec only)
	Subject   string // decoded
	Text      string // the decoded text body
}

// VerifyFromMailbox looks for verification links in a message that arrived in the watched mailbox
// and uses them, only when the message is the verification email we sent (ourMessage): a reply
// or forward from someone else that quotes the link verifies nothing, and leaves the link usable.
// A message without a live token changes nothing. It returns the address verified, or "" when
// the message verified nothing.
func (s *Service) VerifyFromMailbox(ctx context.Context, m Arrived) (string, error) {
	accept := func(tx *store.Tx, ch store.Challenge) (bool, error) {
		sent, err := tx.OutboxByChallenge(ch.ID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		} else if err != nil {
			return false, err
		}
		return ourMessage(m, sent), nil
	}
	for _, l := range linkInText.FindAllStringSubmatch(m.Subject+"\n"+m.Text, 8) {
		se, err := s.verify(ctx, l[1], MethodIMAP, accept)
		if errors.Is(err, ErrLinkUnusable) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("senders: verify from mailbox: %w", err)
		}
		return se.Address, nil
	}
	return "", nil
}

// ourMessage tells whether m is the email sent: it carries the Message-ID we gave it, or (for a
// relay that replaces Message-IDs) it comes From the address we sent it from with the subject we
// wrote. A reply has its own Message-ID and, from anyone else, another From; a reply or forward
// from the address itself has another subject ("Re: ...").
func ourMessage(m Arrived, sent store.OutboxMessage) bool {
	trim := func(id string) string { return strings.Trim(strings.TrimSpace(id), "<>") }
	if id := trim(m.MessageID); id != "" && id == trim(sent.MessageID) {
		return true
	}
	from, err := mail.ParseAddress(sent.FromAddr)
	if err != nil || m.From == "" {
		return false
	}
	return strings.EqualFold(strings.TrimSpace(m.From), from.Address) && m.Subject == sent.Subject
}
