package verify

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

func rateLimited(msg string) error {
	return &apperr.Error{Code: CodeRateLimited, Message: msg}
}

var errNoSender = &apperr.Error{Code: CodeNoSender, Message: NoSenderMessage}

// addressPurposes are the emails that count against an address's sendsPerAddress. Double
// opt-in confirmations have a budget of their own (optInBudget): they go only to addresses that
// belong to no active contact, so if they counted here, typing an address in a few chats and
// then asking for a sign-in code would tell a known address from an unknown one (enumeration.go).
var addressPurposes = []string{store.PurposeChatCode, store.PurposeChatLink, store.PurposeSigninCode}

// optInBudget is addressBudget for double opt-in confirmations: at most optInsPerAddress per
// addressWindow. Nobody is told when it is spent (the confirmation is just not sent again).
func optInBudget(tx *store.Tx, orgID, norm string, now time.Time) (time.Duration, error) {
	sent, err := tx.TargetSends(orgID, store.FieldEmail, norm, []string{store.PurposeDoubleOptIn}, now.Add(-addressWindow))
	if err != nil {
		return 0, err
	}
	return windowWait(sent, optInsPerAddress, addressWindow, now), nil
}

// addressBudget says how long until the address may get another code, link or confirmation (0:
// now). At most sendsPerAddress go to one address per addressWindow, across conversations,
// sign-ins and agents.
func addressBudget(tx *store.Tx, orgID, norm string, now time.Time) (time.Duration, error) {
	sent, err := tx.TargetSends(orgID, store.FieldEmail, norm, addressPurposes, now.Add(-addressWindow))
	if err != nil {
		return 0, err
	}
	return windowWait(sent, sendsPerAddress, addressWindow, now), nil
}

// windowWait is how long until a limit of n sends per window has room again, given the send
// times within the window (oldest first); 0 when it has room now.
func windowWait(sent store.SendTimes, n int, window time.Duration, now time.Time) time.Duration {
	if len(sent) < n {
		return 0
	}
	return max(time.Second, sent[len(sent)-n].Add(window).Sub(now))
}

// sendOptIn queues the double opt-in confirmation for a pending contact, bound to the
// conversation. Without a verified sender, or over the address's optInBudget, nothing is sent (the
// agent's panel says so); sent reports whether an email was queued.
func (s *Service) sendOptIn(tx *store.Tx, org store.Organization, cur store.Conversation, c store.Contact, norm, display string, now time.Time) (bool, error) {
	sender, err := tx.VerifiedSenderEmail(org.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if wait, err := optInBudget(tx, org.ID, norm, now); err != nil || wait > 0 {
		return false, err
	}
	plain, hash := token.NewLink()
	ch := store.Challenge{ID: store.NewID(), OrgID: org.ID, Purpose: store.PurposeDoubleOptIn, SecretHash: hash,
		TargetKind: store.FieldEmail, TargetValue: norm, TargetDisplay: display, ConversationID: cur.ID, ContactID: c.ID,
		CreatedAt: now, ExpiresAt: now.Add(OptInLife)}
	if err := tx.InsertChallenge(ch); err != nil {
		return false, err
	}
	msg := optInEmail(askingIn(org.Name, cur, display), org.ConsentText, s.link(verifyPathOptIn, plain))
	_, err = outbox.Enqueue(tx, outbox.Email{OrgID: org.ID, Kind: outbox.KindDoubleOptIn, IdempotencyKey: "double_opt_in:" + ch.ID,
		FromName: org.Name, FromAddr: sender.Address, To: display, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML,
		ConversationID: cur.ID, ContactID: c.ID, Secrets: []string{plain}, ChallengeID: ch.ID}, now)
	return err == nil, err
}

func (s *Service) link(path, plain string) string {
	return strings.TrimRight(s.publicURL(), "/") + path + plain
}

// SendCode emails a one-time code to the email given in the conversation; the customer types it
// into the widget. A new code replaces the conversation's previous one.
func (s *Service) SendCode(ctx context.Context, agent store.User, conversationID string) error {
	return s.send(ctx, agent, conversationID, store.PurposeChatCode)
}

// SendLink emails a verification link to the email given in the conversation.
func (s *Service) SendLink(ctx context.Context, agent store.User, conversationID string) error {
	return s.send(ctx, agent, conversationID, store.PurposeChatLink)
}

func (s *Service) send(ctx context.Context, agent store.User, conversationID, purpose string) error {
	now := s.now()
	var note chat.Message
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		cur, err := s.openConversation(tx, agent.OrgID, conversationID)
		if err != nil {
			return err
		}
		norm, display, err := conversationEmail(cur)
		if err != nil {
			return err
		}
		org, err := tx.Organization(agent.OrgID)
		if err != nil {
			return err
		}
		sender, err := tx.VerifiedSenderEmail(org.ID)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSender
		}
		if err != nil {
			return err
		}
		n, err := tx.CountConversationChallengesSince(org.ID, cur.ID, purpose, now.Add(-codeWindow))
		if err != nil {
			return err
		}
		if n >= codesPerChat {
			return rateLimited("Three were sent in the last 10 minutes. Wait a few minutes before sending another.")
		}
		if wait, err := addressBudget(tx, org.ID, norm, now); err != nil {
			return err
		} else if wait > 0 {
			return rateLimited("This address got several emails from us in the last hour. Try again later, or mark the customer verified.")
		}
		if err := tx.RevokeConversationChallenges(org.ID, cur.ID, purpose, now); err != nil {
			return err
		}
		ch := store.Challenge{ID: store.NewID(), OrgID: org.ID, Purpose: purpose, TargetKind: store.FieldEmail,
			TargetValue: norm, TargetDisplay: display, ConversationID: cur.ID, ContactID: cur.ContactID, RequestedBy: agent.ID, CreatedAt: now}
		var plain string
		var msg email
		kind := outbox.KindChatCode
		if purpose == store.PurposeChatCode {
			plain, _ = token.NewCode(CodeDigits)
			ch.SecretHash = codeHash(ch.ID, plain)
			ch.ExpiresAt, ch.MaxAttempts = now.Add(CodeLife), CodeAttempts
			msg = codeEmail(askingIn(org.Name, cur, display), plain)
		} else {
			kind = outbox.KindChatLink
			plain, ch.SecretHash = token.NewLink()
			ch.ExpiresAt = now.Add(LinkLife)
			msg = linkEmail(askingIn(org.Name, cur, display), s.link(verifyPathEmailLink, plain))
		}
		if err := tx.InsertChallenge(ch); err != nil {
			return err
		}
		if _, err := outbox.Enqueue(tx, outbox.Email{OrgID: org.ID, Kind: kind, IdempotencyKey: purpose + ":" + ch.ID,
			FromName: org.Name, FromAddr: sender.Address, To: display, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML,
			ConversationID: cur.ID, ContactID: cur.ContactID, Secrets: []string{plain}, ChallengeID: ch.ID}, now); err != nil {
			return err
		}
		what := "A verification code was emailed to %s. Type it below."
		if purpose == store.PurposeChatLink {
			what = "A verification link was emailed to %s. Open it in this browser to confirm."
		}
		note, err = chat.SystemSays(tx, org.ID, cur.ID, fmt.Sprintf(what, display), now)
		if err != nil {
			return err
		}
		return tx.Audit(org.ID, store.AgentActor(agent.ID), "verify."+purpose, "conversations", cur.ID, nil)
	})
	if err != nil {
		return err
	}
	s.queued()
	s.chat.Published(agent.OrgID, note)
	s.chat.Notify(agent.OrgID, conversationID)
	return nil
}

// CodeError is a wrong code: how many attempts remain.
type CodeError struct {
	Err          *apperr.Error
	AttemptsLeft int
}

func (e *CodeError) Error() string { return e.Err.Error() }
func (e *CodeError) Unwrap() error { return e.Err }

// RetryError is a refusal that lifts at a known time: After from now.
type RetryError struct {
	Err   *apperr.Error
	After time.Duration
}

func (e *RetryError) Error() string { return e.Err.Error() }
func (e *RetryError) Unwrap() error { return e.Err }

// RetryAfterSeconds is a 429's Retry-After for err: the time a RetryError names (at least 1 s),
// or 60 for any other refusal (a bound for the token buckets, which usually have room sooner).
func RetryAfterSeconds(err error) int {
	var re *RetryError
	if errors.As(err, &re) {
		return max(1, int(math.Ceil(re.After.Seconds())))
	}
	return 60
}

// wrongCodeBudget says how many more wrong codes the address may have now (WrongCodesPerAddress
// per WrongCodeWindow, across every code and conversation), and when it is spent, how long until
// one is free again.
//
// A code's wrong attempts are counted, not their times: each counts until WrongCodeWindow after
// the code stopped working (used, replaced, out of attempts, or expired), the latest moment they
// can have been made. So no hour ever holds more than the limit, and a lock lasts at most one code
// lifetime longer than an hour after the attempt.
func wrongCodeBudget(tx *store.Tx, orgID, norm string, now time.Time) (left int, wait time.Duration, err error) {
	since := now.Add(-WrongCodeWindow)
	codes, err := tx.WrongAttempts(orgID, store.FieldEmail, norm, since.Add(-CodeLife), since)
	if err != nil {
		return 0, 0, err
	}
	used := 0
	for _, c := range codes {
		used += c.Attempts
	}
	left = WrongCodesPerAddress - used
	// Spent: wait until enough of the oldest codes leave the window to free one attempt.
	for _, c := range codes {
		if used < WrongCodesPerAddress {
			break
		}
		used -= c.Attempts
		wait = c.LastPossible.Add(WrongCodeWindow).Sub(now)
	}
	return left, wait, nil
}

func tooManyWrong(wait time.Duration) error {
	in := "1 minute"
	if mins := int((wait + time.Minute - 1) / time.Minute); mins > 1 {
		in = fmt.Sprintf("%d minutes", mins)
	}
	return &RetryError{After: wait, Err: &apperr.Error{Code: CodeTooManyWrong, Field: "code",
		Message: "Too many wrong codes were typed for this email address. Try again in " + in + ", or ask the agent to verify you another way."}}
}

// CheckCode checks a code the customer typed. A right code verifies the conversation's email on
// this device; a wrong one uses up one of the code's attempts, and one of the address's
// WrongCodesPerAddress per WrongCodeWindow. When the address has none left, no code is compared
// at all (RetryError, CodeTooManyWrong) until the window lets one go: asking for new codes buys
// no more guesses.
func (s *Service) CheckCode(ctx context.Context, conv store.Conversation, code string) error {
	code = cleanCode(code)
	now := s.now()
	var wrong error
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		cur, err := s.openConversation(tx, conv.OrgID, conv.ID)
		if err != nil {
			return err
		}
		ch, err := tx.LiveChallenge(cur.OrgID, cur.ID, store.PurposeChatCode, now)
		live := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		// The address guessed at: the live code's, else the one given in the chat. A locked
		// address is told so first, code or not, so it hears the same until the lock lifts.
		target, budget := ch.TargetValue, WrongCodesPerAddress
		if !live && cur.VisitorEmail != "" {
			target, _, _ = CheckEmail(cur.VisitorEmail)
		}
		if target != "" {
			var wait time.Duration
			if budget, wait, err = wrongCodeBudget(tx, cur.OrgID, target, now); err != nil {
				return err
			}
			if budget <= 0 {
				return tooManyWrong(wait)
			}
		}
		if !live {
			n, err := tx.CountConversationChallengesSince(cur.OrgID, cur.ID, store.PurposeChatCode, time.Time{})
			if err != nil {
				return err
			}
			if n == 0 {
				return &apperr.Error{Code: CodeNoCodePending, Message: "No code was sent in this chat."}
			}
			return &apperr.Error{Code: CodeExpired, Message: "This code no longer works. Ask the agent for a new one."}
		}
		if !codeMatches(ch, code) {
			left, err := tx.FailChallengeAttempt(ch.ID, now)
			if err != nil {
				return err
			}
			switch {
			case budget == 1: // that was the address's last: say so now, not at the next try
				_, wait, err := wrongCodeBudget(tx, cur.OrgID, ch.TargetValue, now)
				if err != nil {
					return err
				}
				wrong = tooManyWrong(wait)
				if err := tx.Audit(cur.OrgID, store.Actor{Kind: "customer"}, "verify.code_locked", "conversations", cur.ID,
					map[string]any{"challenge": ch.ID, "wrongCodes": WrongCodesPerAddress, "window": WrongCodeWindow.String()}); err != nil {
					return err
				}
			case left <= 0:
				wrong = &apperr.Error{Code: CodeExpired, Message: "That code was wrong too many times. Ask the agent for a new one."}
			default:
				left = min(left, budget-1)
				wrong = &CodeError{Err: &apperr.Error{Code: CodeWrong, Field: "code",
					Message: fmt.Sprintf("That code is not right. %d tries left.", left)}, AttemptsLeft: left}
			}
			return nil // the attempt is counted: commit it
		}
		if ok, err := tx.ConsumeChallenge(ch.ID, now); err != nil {
			return err
		} else if !ok {
			return &apperr.Error{Code: CodeExpired, Message: "This code no longer works. Ask the agent for a new one."}
		}
		_, err = s.prove(tx, cur, proof{norm: ch.TargetValue, display: ch.TargetDisplay, method: store.MethodEmailOTP,
			evidence: "challenge:" + ch.ID}, now)
		return err
	})
	if err != nil {
		return err
	}
	if wrong != nil {
		return wrong
	}
	s.chat.Notify(conv.OrgID, conv.ID)
	return nil
}

// ErrLinkUnusable is a link that is unknown, used or expired; the page says only that.
var ErrLinkUnusable = errors.New("verify: the link no longer works")

// LinkKind says what a link page confirms.
type LinkKind int

// The two kinds of chat link.
const (
	EmailLink LinkKind = iota // an agent's verification link
	OptInLink                 // a double opt-in confirmation
)

func (k LinkKind) purpose() string {
	if k == OptInLink {
		return store.PurposeDoubleOptIn
	}
	return store.PurposeChatLink
}

// LinkPreview is what a link page shows before the click. StartedAt and VisitorName (the
// name typed in the chat, InertName'd) are set by PreviewLink, so the owner of the address can
// tell whether the chat is theirs.
type LinkPreview struct {
	Email, OrgName string
	StartedAt      time.Time
	VisitorName    string
}

// PreviewLink tells what a link would confirm, without using it.
func (s *Service) PreviewLink(ctx context.Context, kind LinkKind, plain string) (LinkPreview, error) {
	if !token.IsLinkShaped(plain) {
		return LinkPreview{}, ErrLinkUnusable
	}
	ch, err := s.st.LinkChallenge(ctx, kind.purpose(), token.Hash(plain), s.now())
	if errors.Is(err, store.ErrChallengeUnusable) {
		return LinkPreview{}, ErrLinkUnusable
	}
	if err != nil {
		return LinkPreview{}, err
	}
	orgs, err := s.st.Organizations(ctx)
	if err != nil {
		return LinkPreview{}, err
	}
	p := LinkPreview{Email: ch.TargetValue}
	for _, o := range orgs {
		if o.ID == ch.OrgID {
			p.OrgName = o.Name
		}
	}
	return previewChat(ctx, s.st, ch, p)
}

// ConfirmLink uses a link (the page's button): the email is verified in its conversation, on the
// device that chats there.
func (s *Service) ConfirmLink(ctx context.Context, kind LinkKind, plain string) (LinkPreview, error) {
	if !token.IsLinkShaped(plain) {
		return LinkPreview{}, ErrLinkUnusable
	}
	now := s.now()
	var ch store.Challenge
	var p LinkPreview
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		ch, err = tx.ConsumeLinkChallenge(kind.purpose(), token.Hash(plain), now)
		if err != nil {
			return err
		}
		org, err := tx.Organization(ch.OrgID)
		if err != nil {
			return err
		}
		p = LinkPreview{Email: ch.TargetValue, OrgName: org.Name}
		cur, err := tx.Conversation(ch.OrgID, ch.ConversationID)
		if err != nil {
			return err
		}
		method := store.MethodEmailLink
		if kind == OptInLink {
			method = store.MethodDoubleOptIn
		}
		// The address the link was sent to, as it was written then: whatever the conversation
		// says now, the link proves only that one.
		_, err = s.prove(tx, cur, proof{norm: ch.TargetValue, display: ch.TargetDisplay, method: method, evidence: "challenge:" + ch.ID}, now)
		return err
	})
	if errors.Is(err, store.ErrChallengeUnusable) {
		return LinkPreview{}, ErrLinkUnusable
	}
	if err != nil {
		return LinkPreview{}, err
	}
	s.chat.Notify(ch.OrgID, ch.ConversationID)
	return p, nil
}
