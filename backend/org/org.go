// Package org sets up and describes the organization: its first run (organization, owner, first
// inbox), its agents and inboxes, and the summary the desktop and vouchd show.
package org

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
	"vouchdesk/backend/textrules"
)

// Service answers questions about the organization and performs its setup.
type Service struct {
	st  *store.Store
	now func() time.Time
	// MailReady reports whether the organization can send email (a verified sender): inbox
	// toggles that send mail need it. nil: it cannot. The engine wires it to the senders.
	MailReady func(ctx context.Context, orgID string) (bool, error)
}

// New returns a Service on the store. now is the clock (time.Now outside tests).
func New(st *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, now: now}
}

// SetupInput is what the first run asks for.
type SetupInput struct {
	OrganizationName string
	OwnerName        string
	OwnerEmail       string
}

// Workspace is an organization with the agent acting in it.
type Workspace struct {
	Organization store.Organization
	Me           store.User
}

// ErrNoOrganization is returned by Current before the first run has been completed.
var ErrNoOrganization = errors.New("org: no organization set up yet")

// Current returns the agent signed in on this desktop and their organization, or
// ErrNoOrganization before the first run.
func (s *Service) Current(ctx context.Context) (Workspace, error) {
	me, err := s.st.SignedIn(ctx)
	if errors.Is(err, store.ErrNotFound) {
		orgs, err := s.st.Organizations(ctx)
		if err != nil {
			return Workspace{}, err
		}
		if len(orgs) == 0 {
			return Workspace{}, ErrNoOrganization
		}
		return Workspace{}, fmt.Errorf("org: organization %s has nobody signed in", orgs[0].ID)
	}
	if err != nil {
		return Workspace{}, err
	}
	var o store.Organization
	err = s.st.Read(ctx, func(tx *store.Tx) error {
		o, err = tx.Organization(me.OrgID)
		return err
	})
	if err != nil {
		return Workspace{}, err
	}
	return Workspace{Organization: o, Me: me}, nil
}

// Setup creates the organization, its owner (the first admin) and a first chat inbox, in one
// transaction. It refuses when an organization already exists: the desktop holds one.
func (s *Service) Setup(ctx context.Context, in SetupInput) (Workspace, error) {
	orgName, err := cleanName(in.OrganizationName, "organizationName", "the organization's name")
	if err != nil {
		return Workspace{}, err
	}
	ownerName, err := cleanName(in.OwnerName, "ownerName", "your name")
	if err != nil {
		return Workspace{}, err
	}
	email, _, err := contacts.NormalizeEmail(in.OwnerEmail)
	if err != nil {
		return Workspace{}, apperr.Invalid("ownerEmail", "Enter your email address, like name@example.com.")
	}
	now := s.now()
	o := store.Organization{ID: store.NewID(), Name: orgName, DoubleOptIn: true, CreatedAt: now, UpdatedAt: now,
		ConsentText: "By giving your email you agree that " + orgName + " keeps it to answer you and may send you this conversation."}
	owner := store.User{ID: store.NewID(), OrgID: o.ID, Name: ownerName, Email: email, Role: store.RoleOwner, CreatedAt: now}
	inbox := store.Inbox{ID: store.NewID(), OrgID: o.ID, Kind: store.InboxChat, Name: "Website chat",
		PrechatAskName: true, PrechatAskEmail: true, IdleEndMinutes: 30, CreatedAt: now, UpdatedAt: now}
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		// Checked inside the write transaction so two racing first runs cannot both succeed.
		if n, err := tx.CountOrganizations(); err != nil {
			return err
		} else if n > 0 {
			return apperr.Conflict("Vouch Desk is already set up with an organization.")
		}
		if err := tx.InsertOrganization(o); err != nil {
			return err
		}
		if err := tx.InsertUser(owner); err != nil {
			return err
		}
		if err := tx.InsertInbox(inbox); err != nil {
			return err
		}
		if err := tx.SignIn(owner.ID, now); err != nil { // the owner acts on this desktop
			return err
		}
		return tx.Audit(o.ID, store.AgentActor(owner.ID), "organization.setup", "organizations", o.ID,
			map[string]string{"inbox_id": inbox.ID})
	})
	if err != nil {
		return Workspace{}, err
	}
	return Workspace{Organization: o, Me: owner}, nil
}

// Summary is what an overview shows about an organization.
type Summary struct {
	Organization store.Organization
	Inboxes      []store.Inbox
	Counts       store.Counts
	// SenderAddress and SenderStatus describe the sender email; both are "" when there is none.
	SenderAddress string
	SenderStatus  string
}

// Summarize reads the organization's inboxes, counts and sender email state.
func (s *Service) Summarize(ctx context.Context, o store.Organization) (Summary, error) {
	sum := Summary{Organization: o}
	var err error
	if sum.Inboxes, err = s.st.InboxesByOrg(ctx, o.ID); err != nil {
		return Summary{}, err
	}
	if sum.Counts, err = s.st.CountsByOrg(ctx, o.ID); err != nil {
		return Summary{}, err
	}
	if addr, status, ok, err := s.st.SenderEmailState(ctx, o.ID); err != nil {
		return Summary{}, err
	} else if ok {
		sum.SenderAddress, sum.SenderStatus = addr, status
	}
	return sum, nil
}

// cleanName cleans a name (textrules.CleanName) and checks it is present, with messages that
// say which name is wrong.
func cleanName(raw, field, what string) (string, error) {
	name, err := textrules.CleanName(raw)
	switch {
	case errors.Is(err, textrules.ErrNameTooLong):
		return "", apperr.Invalid(field, fmt.Sprintf("Keep %s under %d characters.", what, textrules.MaxNameChars))
	case err != nil:
		return "", apperr.Invalid(field, "Use ordinary text for "+what+".")
	case name == "":
		return "", apperr.Invalid(field, "Enter "+what+".")
	}
	return name, nil
}
