package agents

import (
	"context"
	"errors"
	"html/template"
	"strings"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
	"vouchdesk/backend/verify"
	"vouchdesk/backend/wiretime"
)

// InvitationLife is how long an invitation link works.
const InvitationLife = 7 * 24 * time.Hour

// InvitationPath is where an invitation link points on the server; the token follows the "#",
// so it never reaches a server log or a proxy (the desktop reads it from the link it is given).
const InvitationPath = "/join#"

// Invitation is a pending invitation as the API shows one.
type Invitation struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	InvitedBy string `json:"invitedBy"`
	CreatedAt string `json:"createdAt"`
	ExpiresAt string `json:"expiresAt"`
	Expired   bool   `json:"expired"`
}

func invitationView(inv store.Invitation, now time.Time) Invitation {
	return Invitation{ID: inv.ID, Email: inv.EmailDisplay, Role: inv.Role, InvitedBy: inv.InvitedBy,
		CreatedAt: wiretime.Format(inv.CreatedAt), ExpiresAt: wiretime.Format(inv.ExpiresAt), Expired: !now.Before(inv.ExpiresAt)}
}

// Invite emails an invitation to join the organization with a role (agent or admin): a
// single-use link that expires after InvitationLife. Inviting an address again replaces its
// pending invitation (the old link stops working). An address that already belongs to an active
// agent is refused.
func (s *Service) Invite(ctx context.Context, p Principal, email, role string) (Invitation, error) {
	me := p.Workspace.Me
	if err := org.RequireAdmin(me, "invite agents"); err != nil {
		return Invitation{}, err
	}
	if role != store.RoleAdmin && role != store.RoleAgent {
		return Invitation{}, apperr.Invalid("role", "Invite as an agent or an admin (an owner makes someone an owner afterwards).")
	}
	norm, display, err := verify.CheckEmail(email)
	if err != nil {
		return Invitation{}, err
	}
	now := s.now()
	var out Invitation
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.UserByEmail(me.OrgID, norm); err == nil {
			return &apperr.Error{Code: CodeAlreadyAgent, Field: "email", Message: display + " is already an agent of this organization."}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		sender, err := tx.VerifiedSenderEmail(me.OrgID)
		if errors.Is(err, store.ErrNotFound) {
			return &apperr.Error{Code: verify.CodeNoSenderForCode, Message: "Verify the organization's sender email first: the invitation goes out by email."}
		} else if err != nil {
			return err
		}
		if prev, err := tx.PendingInvitation(me.OrgID, norm); err == nil {
			if _, err := tx.RevokeInvitation(me.OrgID, prev.ID, now); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		o, err := tx.Organization(me.OrgID)
		if err != nil {
			return err
		}
		plain, hash := token.NewLink()
		ch := store.Challenge{ID: store.NewID(), OrgID: me.OrgID, Purpose: store.PurposeAgentInvite, SecretHash: hash,
			TargetKind: store.FieldEmail, TargetValue: norm, TargetDisplay: display, RequestedBy: me.ID, MaxAttempts: 1,
			CreatedAt: now, ExpiresAt: now.Add(InvitationLife)}
		if err := tx.InsertChallenge(ch); err != nil {
			return err
		}
		inv := store.Invitation{ID: store.NewID(), OrgID: me.OrgID, Email: norm, EmailDisplay: display, Role: role,
			InvitedBy: me.ID, ChallengeID: ch.ID, CreatedAt: now, ExpiresAt: ch.ExpiresAt}
		if err := tx.InsertInvitation(inv); err != nil {
			return err
		}
		link := strings.TrimRight(s.publicURL(), "/") + InvitationPath + plain
		msg := invitationEmail(o.Name, me.Name, display, role, link, ch.ExpiresAt)
		if _, err := outbox.Enqueue(tx, outbox.Email{OrgID: me.OrgID, Kind: outbox.KindAgentInvite, IdempotencyKey: "agent_invite:" + inv.ID,
			FromName: o.Name, FromAddr: sender.Address, To: display, Subject: msg.subject, Text: msg.text, HTML: msg.html,
			Secrets: []string{plain}, ChallengeID: ch.ID}, now); err != nil {
			return err
		}
		out = invitationView(inv, now)
		return tx.Audit(me.OrgID, store.AgentActor(me.ID), "agent.invited", "invitations", inv.ID, map[string]any{"role": role})
	})
	if err != nil {
		return Invitation{}, err
	}
	if s.Queued != nil {
		s.Queued()
	}
	return out, nil
}

// Invitations lists the pending invitations, expired ones included (marked), newest first.
func (s *Service) Invitations(ctx context.Context, p Principal) ([]Invitation, error) {
	me := p.Workspace.Me
	if err := org.RequireAdmin(me, "see invitations"); err != nil {
		return nil, err
	}
	out := []Invitation{}
	now := s.now()
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		list, err := tx.PendingInvitations(me.OrgID)
		for _, inv := range list {
			out = append(out, invitationView(inv, now))
		}
		return err
	})
	return out, err
}

// ResendInvitation emails a pending (or expired) invitation again with a fresh link and seven
// more days: the link is not stored (only its hash), so the old one is withdrawn and a new
// invitation with the same address and role takes its place.
func (s *Service) ResendInvitation(ctx context.Context, p Principal, id string) (Invitation, error) {
	me := p.Workspace.Me
	if err := org.RequireAdmin(me, "invite agents"); err != nil {
		return Invitation{}, err
	}
	var inv store.Invitation
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		inv, err = tx.Invitation(me.OrgID, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || (err == nil && (!inv.AcceptedAt.IsZero() || !inv.RevokedAt.IsZero())) {
		return Invitation{}, apperr.NotFound("There is no such pending invitation.")
	}
	if err != nil {
		return Invitation{}, err
	}
	return s.Invite(ctx, p, inv.EmailDisplay, inv.Role)
}

// RevokeInvitation withdraws a pending invitation: its link stops working.
func (s *Service) RevokeInvitation(ctx context.Context, p Principal, id string) error {
	me := p.Workspace.Me
	if err := org.RequireAdmin(me, "withdraw invitations"); err != nil {
		return err
	}
	return s.st.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.RevokeInvitation(me.OrgID, id, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return apperr.NotFound("There is no such pending invitation.")
		}
		return tx.Audit(me.OrgID, store.AgentActor(me.ID), "agent.invitation_revoked", "invitations", id, map[string]any{})
	})
}

var errInvitationGone = &apperr.Error{Code: CodeInvitationGone, Field: "token",
	Message: "This invitation link does not work any more (used, withdrawn or expired). Ask your admin for a new one."}

// AcceptInvitation uses an invitation link: the agent's account is made with the invitation's
// role and the name they give, and the desktop is signed in (the link came to their mailbox, so
// it proves the address). The link works once.
func (s *Service) AcceptInvitation(ctx context.Context, plain, name, device string) (SignedIn, error) {
	name, err := chat.CleanName(name)
	if err != nil {
		return SignedIn{}, err
	}
	if name == "" {
		return SignedIn{}, apperr.Invalid("name", "Enter your name: customers and colleagues see it.")
	}
	if device, err = cleanDevice(device); err != nil {
		return SignedIn{}, err
	}
	if !token.IsLinkShaped(plain) {
		return SignedIn{}, errInvitationGone
	}
	now := s.now()
	var out SignedIn
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		ch, err := tx.ConsumeLinkChallenge(store.PurposeAgentInvite, token.Hash(plain), now)
		if errors.Is(err, store.ErrChallengeUnusable) {
			return errInvitationGone
		} else if err != nil {
			return err
		}
		inv, err := tx.InvitationByChallenge(ch.ID)
		if err != nil {
			return err
		}
		if !inv.AcceptedAt.IsZero() || !inv.RevokedAt.IsZero() {
			return errInvitationGone
		}
		if _, err := tx.UserByEmail(inv.OrgID, inv.Email); err == nil {
			return &apperr.Error{Code: CodeAlreadyAgent, Message: inv.EmailDisplay + " is already an agent of this organization: sign in instead."}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		u := store.User{ID: store.NewID(), OrgID: inv.OrgID, Name: name, Email: inv.Email, Role: inv.Role, CreatedAt: now}
		if err := tx.InsertUser(u); err != nil {
			return err
		}
		if ok, err := tx.AcceptInvitation(inv.OrgID, inv.ID, u.ID, now); err != nil {
			return err
		} else if !ok {
			return errInvitationGone
		}
		if err := tx.Audit(inv.OrgID, store.AgentActor(u.ID), "agent.joined", "invitations", inv.ID, map[string]any{"role": inv.Role}); err != nil {
			return err
		}
		out, err = openSession(tx, u, device, store.SessionByInvitation, now)
		return err
	})
	return out, err
}

type invitationMail struct{ subject, text, html string }

// invitationEmail names who invited whom to what, so the person can tell it is expected.
// inviter and org are the organization's own words (html/template escapes them in the HTML part).
func invitationEmail(orgName, inviter, address, role, link string, expires time.Time) invitationMail {
	what := "an agent"
	if role == store.RoleAdmin {
		what = "an admin"
	}
	text := inviter + " invited you (" + address + ") to answer " + orgName + "'s customers in Vouch Desk, as " + what + ".\n\n" +
		"Open Vouch Desk, choose \"Join a team\" and paste this link, or open it on the computer where Vouch Desk is installed:\n\n" +
		link + "\n\nThe link works once, until " + verify.UTCTime(expires) + ".\n\nIf you did not expect this, ignore this email.\n"
	var b strings.Builder
	invitationHTML.Execute(&b, map[string]string{"Org": orgName, "Inviter": inviter, "Email": address, "What": what, "Link": link,
		"Expires": verify.UTCTime(expires)}) // cannot fail: the data is strings
	return invitationMail{subject: "Join " + clip(orgName, 100) + " in Vouch Desk", text: text, html: b.String()}
}

var invitationHTML = template.Must(template.New("invite").Parse(`<!doctype html><html><body style="font-family: sans-serif; color: #17202a; line-height: 1.5">
<p><strong>{{.Inviter}}</strong> invited you ({{.Email}}) to answer <strong>{{.Org}}</strong>'s customers in Vouch Desk, as {{.What}}.</p>
<p>Open Vouch Desk, choose &ldquo;Join a team&rdquo; and paste this link, or open it on the computer where Vouch Desk is installed:</p>
<p>{{.Link}}</p>
<p>The link works once, until {{.Expires}}. If you did not expect this, ignore this email.</p>
</body></html>`))

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
