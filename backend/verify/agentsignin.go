package verify

import (
	"context"
	"errors"
	"html/template"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/signin/google"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

// Agents' sign-in on a desktop (docs/api/agent.md, "Signing in"): a one-time code by email, made,
// limited and checked by the same machinery as a customer's sign-in at chat start, under its own
// purpose (store.PurposeAgentSignin). The code's hash is bound to its challenge and purpose, so a
// customer's code never signs an agent in and an agent's code never verifies a customer.
//
// Nothing in the answers tells an outsider whether an address belongs to an agent: an unknown
// address gets a handle too, and a challenge of its own that no email carries (so the rate limits
// and the wrong-code answers are the same); no code can ever sign it in.

// Error codes of the agents' sign-in, stable for the agents' API.
const (
	CodeAgentCodeWrong  = "code_wrong" // wrong, expired, used, or for an address that is not an agent
	CodeChooseOrg       = "choose_organization"
	CodeNoOrganization  = "no_organization"
	CodeNoSenderForCode = "mail_unavailable" // the organization cannot send email yet
)

// AgentCodesPerHour bounds the sign-in codes sent to one agent's address in an hour.
const AgentCodesPerHour = 6

// AgentCodeRequest asks for a desktop sign-in code.
type AgentCodeRequest struct {
	Email string
	// OrgID picks the organization when the address is an agent in several on this server; ""
	// otherwise.
	OrgID string
	// Handle is an earlier request's handle, to send a new code for the same sign-in.
	Handle string
	// Client is the client's address (its IP), for the per-client limit.
	Client string
}

// errAgentCode is the one answer to every code that does not sign in: nothing in it says whether
// the code was wrong, the address unknown or the code used up, beyond what the agent can act on.
var errAgentCode = &apperr.Error{Code: CodeAgentCodeWrong, Field: "code",
	Message: "That code does not work. Check the latest email from us, or ask for a new code."}

// SendAgentCode emails a sign-in code to an agent's address and returns the handle the desktop
// sends back with the code. A new code for the same handle replaces the previous one.
func (s *Service) SendAgentCode(ctx context.Context, r AgentCodeRequest) (handle string, err error) {
	norm, display, err := CheckEmail(r.Email)
	if err != nil {
		return "", err
	}
	now := s.now()
	sent := false
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		agents, err := tx.UsersByEmail(norm)
		if err != nil {
			return err
		}
		var agent store.User
		switch {
		case r.OrgID != "":
			for _, a := range agents {
				if a.OrgID == r.OrgID {
					agent = a
				}
			}
		case len(agents) == 1:
			agent = agents[0]
		case len(agents) > 1:
			return &apperr.Error{Code: CodeChooseOrg, Field: "organizationId",
				Message: "This address is an agent in several organizations on this server: say which one."}
		}
		orgID := agent.OrgID
		if orgID == "" {
			// An unknown address: its challenge needs an organization; any will do, nobody can
			// use it.
			if orgID, err = decoyOrg(tx, r.OrgID); err != nil {
				return err
			}
		}
		org, err := tx.Organization(orgID)
		if err != nil {
			return err
		}
		handle = r.Handle
		key := ""
		if token.IsLinkShaped(handle) {
			key = handleKey(handle)
			if prev, err := tx.AgentSigninChallenge(key); errors.Is(err, store.ErrNotFound) || (err == nil && prev.TargetValue != norm) {
				key = "" // unknown, or another address: a new sign-in
			} else if err != nil {
				return err
			}
		}
		if key == "" {
			handle, _ = token.NewLink()
			key = handleKey(handle)
		}
		client := clientKey(r.Client)
		if err := signinLimits(tx, org.ID, store.PurposeAgentSignin, key, client, norm, now); err != nil {
			return err
		}
		// Per address too, whatever the handle: a new sign-in per request must not flood an
		// agent's mailbox.
		toAddress, err := tx.TargetSends(org.ID, store.FieldEmail, norm, []string{store.PurposeAgentSignin}, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if wait := windowWait(toAddress, AgentCodesPerHour, time.Hour, now); wait > 0 {
			return retryIn(wait, "Several codes were sent to this address in the last hour. Try again in %s.")
		}
		var sender store.SenderEmail
		if agent.ID != "" {
			if sender, err = tx.VerifiedSenderEmail(org.ID); errors.Is(err, store.ErrNotFound) {
				return &apperr.Error{Code: CodeNoSenderForCode, Message: "This organization cannot send email yet, so no code can be sent. " +
					"An admin signs in on the server's own desktop (or with Google, when set up) and verifies the sender email first."}
			} else if err != nil {
				return err
			}
		}
		if err := tx.RevokeSigninChallenges(org.ID, key, store.PurposeAgentSignin, now); err != nil {
			return err
		}
		ch := store.SigninChallenge{Challenge: store.Challenge{ID: store.NewID(), OrgID: org.ID, Purpose: store.PurposeAgentSignin,
			TargetKind: store.FieldEmail, TargetValue: norm, WidgetSession: key, ClientKey: client, MaxAttempts: CodeAttempts,
			CreatedAt: now, ExpiresAt: now.Add(CodeLife), TargetDisplay: display, RequestedBy: agent.ID}}
		plain, _ := token.NewCode(CodeDigits)
		ch.SecretHash = codeHash(ch.ID, plain)
		if err := tx.InsertSigninChallenge(ch); err != nil {
			return err
		}
		if agent.ID == "" {
			return nil // no email: see above
		}
		msg := agentCodeEmail(org.Name, display, plain, now)
		if _, err := outbox.Enqueue(tx, outbox.Email{OrgID: org.ID, Kind: outbox.KindAgentCode, IdempotencyKey: "agent_code:" + ch.ID,
			FromName: org.Name, FromAddr: sender.Address, To: display, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML,
			Secrets: []string{plain}, ChallengeID: ch.ID}, now); err != nil {
			return err
		}
		sent = true
		return tx.Audit(org.ID, store.AgentActor(agent.ID), "agent.code_sent", "challenges", ch.ID, map[string]any{})
	})
	if err != nil {
		return "", err
	}
	if sent {
		s.queued()
	}
	return handle, nil
}

// decoyOrg is the organization an unknown address's challenge is filed under: the one asked
// for, or the oldest.
func decoyOrg(tx *store.Tx, asked string) (string, error) {
	if asked != "" {
		if _, err := tx.Organization(asked); err == nil {
			return asked, nil
		}
	}
	id, err := tx.OldestOrganization()
	if errors.Is(err, store.ErrNotFound) {
		return "", &apperr.Error{Code: CodeNoOrganization, Message: "This server has no organization yet."}
	}
	return id, err
}

// CheckAgentCode checks a desktop sign-in code and, when it is right, runs then with the agent
// in the same transaction (the device session is made there: a code is used up only together
// with the session it opens). Every refusal is the same error; a wrong code uses up an attempt
// of the code and of the address, as customers' codes do, and a locked address says so.
func (s *Service) CheckAgentCode(ctx context.Context, handle, code string, then func(tx *store.Tx, agent store.User, now time.Time) error) error {
	code = cleanCode(code)
	now := s.now()
	var refused error
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		if !token.IsLinkShaped(handle) {
			refused = errAgentCode
			return nil
		}
		ch, err := tx.AgentSigninChallenge(handleKey(handle))
		if errors.Is(err, store.ErrNotFound) {
			refused = errAgentCode
			return nil
		} else if err != nil {
			return err
		}
		refuse := func(e error, detail map[string]any) error {
			refused = e
			detail["reason"] = codeOf(e)
			return tx.Audit(ch.OrgID, store.Actor{Kind: "system"}, "agent.signin_refused", "challenges", ch.ID, detail)
		}
		budget, wait, err := wrongCodeBudget(tx, ch.OrgID, ch.TargetValue, now)
		if err != nil {
			return err
		}
		if budget <= 0 {
			return refuse(tooManyWrong(wait), map[string]any{})
		}
		if !ch.ConsumedAt.IsZero() || !now.Before(ch.ExpiresAt) {
			return refuse(errAgentCode, map[string]any{"used": !ch.ConsumedAt.IsZero()})
		}
		if !codeMatches(ch.Challenge, code) {
			if _, err := tx.FailChallengeAttempt(ch.ID, now); err != nil {
				return err
			}
			if budget == 1 {
				_, wait, err := wrongCodeBudget(tx, ch.OrgID, ch.TargetValue, now)
				if err != nil {
					return err
				}
				return refuse(tooManyWrong(wait), map[string]any{"attempt": ch.Attempts + 1, "locked": true})
			}
			return refuse(errAgentCode, map[string]any{"attempt": ch.Attempts + 1})
		}
		agent, err := tx.UserByEmail(ch.OrgID, ch.TargetValue)
		if errors.Is(err, store.ErrNotFound) || (err == nil && ch.RequestedBy != agent.ID) {
			// A decoy guessed right, or the agent was deactivated (and perhaps invited again)
			// since the code was sent.
			return refuse(errAgentCode, map[string]any{"agent": "none"})
		} else if err != nil {
			return err
		}
		if ok, err := tx.ConsumeChallenge(ch.ID, now); err != nil {
			return err
		} else if !ok {
			return refuse(errAgentCode, map[string]any{"used": true})
		}
		return then(tx, agent, now)
	})
	if err != nil {
		return err
	}
	return refused
}

// agentCodeEmail is the email with a desktop sign-in code.
func agentCodeEmail(org, address, code string, asked time.Time) email {
	return email{
		Subject: "Your Vouch Desk sign-in code for " + clip(org, 100),
		Text: "Someone is signing in to Vouch Desk as " + address + ", an agent of " + org + ".\n\n    Asked at: " + UTCTime(asked) + "\n\n" +
			"If that is you, type this code into the app. It works for 10 minutes.\n\n    " + code + "\n\n" +
			"If it is not you, do not give this code to anyone, and tell your admin. Nobody can sign in without this code.\n",
		HTML: render(agentCodeHTML, map[string]string{"Org": org, "Email": address, "Started": UTCTime(asked), "Code": code}),
	}
}

var agentCodeHTML = template.Must(template.New("agentcode").Parse(htmlHead + `
<p>Someone is signing in to Vouch Desk as <strong>{{.Email}}</strong>, an agent of <strong>{{.Org}}</strong>.</p>
<table style="border-collapse: collapse; margin: 8px 0"><tr><td style="color:#4b5866; padding: 2px 16px 2px 0">Asked at</td><td>{{.Started}}</td></tr></table>
<p>If that is you, type this code into the app. It works for 10 minutes.</p>
<p style="font-size: 28px; font-weight: 700; letter-spacing: 4px">{{.Code}}</p>
<p><strong>If it is not you, do not give this code to anyone, and tell your admin.</strong> Nobody can sign in without this code.</p>
</body></html>`))

// ErrAgentGoogleUsed answers a Google ID token that already opened a session.
var ErrAgentGoogleUsed = errGoogleUsed

// CheckAgentGoogle checks a Google ID token for a desktop sign-in to an organization whose Google
// client ID is set, and runs then with the agent whose address the token proves (Google must have
// verified it), in one transaction. An address that is no active agent's is refused like a bad
// token: the answer does not tell whether the address works here. then receives the token's hash
// so the session can record it (a token signs in once).
func (s *Service) CheckAgentGoogle(ctx context.Context, orgID, credential string, then func(tx *store.Tx, agent store.User, tokenHash []byte, now time.Time) error) error {
	var org store.Organization
	if err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		if orgID == "" {
			if orgID, err = tx.OldestOrganization(); errors.Is(err, store.ErrNotFound) {
				return &apperr.Error{Code: CodeNoOrganization, Message: "This server has no organization yet."}
			} else if err != nil {
				return err
			}
		}
		org, err = tx.Organization(orgID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.Invalid("organizationId", "There is no such organization on this server.")
		}
		return err
	}); err != nil {
		return err
	}
	if org.GoogleClientID == "" {
		return &apperr.Error{Code: CodeSigninOff, Message: "This organization has not set up Google Sign-In: sign in with a code by email."}
	}
	if s.Google == nil {
		return googleRefusal(google.ReasonConfig)
	}
	id, verr := s.Google.Verify(ctx, org.GoogleClientID, credential)
	var norm string
	if verr == nil {
		var err error
		if norm, _, err = CheckEmail(id.Email); err != nil {
			verr = &google.Error{Reason: google.ReasonMalformed, Detail: "the email claim is not an address we can use"}
		}
	}
	if verr != nil {
		var ge *google.Error
		if !errors.As(verr, &ge) {
			return verr
		}
		refusal := googleRefusal(ge.Reason)
		if !ge.Refusal() {
			refusal.Err = verr
		}
		return refusal
	}
	hash := token.Hash(credential)
	now := s.now()
	var refused error
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		agent, err := tx.UserByEmail(org.ID, norm)
		if errors.Is(err, store.ErrNotFound) {
			refused = googleRefusal(google.ReasonMalformed)
			return tx.Audit(org.ID, store.Actor{Kind: "system"}, "agent.signin_refused", "organizations", org.ID,
				map[string]any{"method": store.MethodGoogle, "reason": "not_an_agent"})
		} else if err != nil {
			return err
		}
		return then(tx, agent, hash, now)
	})
	if err != nil {
		return err
	}
	return refused
}
