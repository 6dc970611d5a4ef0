package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/token"
)

// inviteChallenge writes the link token's challenge of an invitation (purpose agent_invite).
func inviteChallenge(tx *store.Tx, orgID, email string, now time.Time) (store.Challenge, error) {
	_, hash := token.NewLink()
	ch := store.Challenge{ID: store.NewID(), OrgID: orgID, Purpose: store.PurposeAgentInvite, SecretHash: hash,
		TargetKind: store.FieldEmail, TargetValue: email, TargetDisplay: email, CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
	return ch, tx.InsertChallenge(ch)
}

// invite writes a pending invitation with its challenge, made at created.
func invite(t *testing.T, s *store.Store, orgID, email, by string, created time.Time) (store.Invitation, error) {
	t.Helper()
	var inv store.Invitation
	err := s.Write(ctx, func(tx *store.Tx) error {
		ch, err := inviteChallenge(tx, orgID, email, created)
		if err != nil {
			return err
		}
		inv = store.Invitation{ID: store.NewID(), OrgID: orgID, Email: email, EmailDisplay: email, Role: store.RoleAgent,
			InvitedBy: by, ChallengeID: ch.ID, CreatedAt: created, ExpiresAt: created.Add(7 * 24 * time.Hour)}
		return tx.InsertInvitation(inv)
	})
	return inv, err
}

func invitationIDs(list []store.Invitation) []string {
	ids := make([]string, len(list))
	for i, inv := range list {
		ids[i] = inv.ID
	}
	return ids
}

// TestInvitationIsPendingOncePerEmail: a second pending invitation of the same address is a
// unique violation; another organization, or the same address once the first is no longer
// pending, is not.
func TestInvitationIsPendingOncePerEmail(t *testing.T) {
	s := testutil.NewStore(t)
	orgA, ownerA := seedOrg(t, s)
	orgB, ownerB := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	first, err := invite(t, s, orgA.ID, "bob@example.com", ownerA.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := invite(t, s, orgA.ID, "bob@example.com", ownerA.ID, now); !store.IsUniqueViolation(err) {
		t.Errorf("a second pending invitation of bob = %v, want a unique violation", err)
	}
	if _, err := invite(t, s, orgB.ID, "bob@example.com", ownerB.ID, now); err != nil {
		t.Errorf("the same address invited by another organization = %v, want it kept", err)
	}
	if err := s.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.RevokeInvitation(orgA.ID, first.ID, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := invite(t, s, orgA.ID, "bob@example.com", ownerA.ID, now); err != nil {
		t.Errorf("inviting bob again after revoking the first = %v, want it kept", err)
	}
}

// TestInvitationAcceptAndRevokeOnce: an invitation is accepted or revoked once, only while
// pending, and only by its own organization; the lookups read it in every state.
func TestInvitationAcceptAndRevokeOnce(t *testing.T) {
	s := testutil.NewStore(t)
	org, owner := seedOrg(t, s)
	other, _ := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	toAccept, err := invite(t, s, org.ID, "ada@example.com", owner.ID, now.Add(-2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	toRevoke, err := invite(t, s, org.ID, "bob@example.com", owner.ID, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	kept, err := invite(t, s, org.ID, "cy@example.com", owner.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	ada := seedAgent(t, s, org.ID, "ada@example.com", store.RoleAgent)

	if err := s.Read(ctx, func(tx *store.Tx) error {
		got, err := tx.PendingInvitations(org.ID)
		if want := []string{kept.ID, toRevoke.ID, toAccept.ID}; err != nil || !slices.Equal(invitationIDs(got), want) {
			t.Errorf("PendingInvitations() = %v, %v; want %v (newest first)", invitationIDs(got), err, want)
		}
		inv, err := tx.InvitationByChallenge(toAccept.ChallengeID)
		if err != nil || inv.ID != toAccept.ID || inv.Email != "ada@example.com" || inv.Role != store.RoleAgent ||
			inv.InvitedBy != owner.ID || !inv.CreatedAt.Equal(toAccept.CreatedAt) || !inv.ExpiresAt.Equal(toAccept.ExpiresAt) ||
			!inv.AcceptedAt.IsZero() || !inv.RevokedAt.IsZero() || inv.AcceptedUserID != "" {
			t.Errorf("InvitationByChallenge() = %+v, %v; want %+v", inv, err, toAccept)
		}
		if inv, err := tx.PendingInvitation(org.ID, "bob@example.com"); err != nil || inv.ID != toRevoke.ID {
			t.Errorf("PendingInvitation(bob) = %+v, %v; want %s", inv, err, toRevoke.ID)
		}
		if inv, err := tx.PendingInvitation(org.ID, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PendingInvitation(nobody) = %+v, %v; want ErrNotFound", inv, err)
		}
		if inv, err := tx.Invitation(other.ID, toAccept.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Invitation(another organization) = %+v, %v; want ErrNotFound", inv, err)
		}
		if _, err := tx.InvitationByChallenge(store.NewID()); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("InvitationByChallenge(unknown) = %v, want ErrNotFound", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	type step struct {
		name   string
		do     func(tx *store.Tx) (bool, error)
		wantOK bool
	}
	accept := func(orgID, id string) func(tx *store.Tx) (bool, error) {
		return func(tx *store.Tx) (bool, error) { return tx.AcceptInvitation(orgID, id, ada.ID, now) }
	}
	revoke := func(orgID, id string) func(tx *store.Tx) (bool, error) {
		return func(tx *store.Tx) (bool, error) { return tx.RevokeInvitation(orgID, id, now) }
	}
	for _, st := range []step{
		{"accept from another organization", accept(other.ID, toAccept.ID), false},
		{"revoke from another organization", revoke(other.ID, toRevoke.ID), false},
		{"accept", accept(org.ID, toAccept.ID), true},
		{"accept again", accept(org.ID, toAccept.ID), false},
		{"revoke the accepted", revoke(org.ID, toAccept.ID), false},
		{"revoke", revoke(org.ID, toRevoke.ID), true},
		{"revoke again", revoke(org.ID, toRevoke.ID), false},
		{"accept the revoked", accept(org.ID, toRevoke.ID), false},
		{"accept unknown", accept(org.ID, store.NewID()), false},
	} {
		var ok bool
		if err := s.Write(ctx, func(tx *store.Tx) (err error) {
			ok, err = st.do(tx)
			return err
		}); err != nil || ok != st.wantOK {
			t.Errorf("%s = %v, %v; want %v", st.name, ok, err, st.wantOK)
		}
	}

	if err := s.Read(ctx, func(tx *store.Tx) error {
		got, err := tx.PendingInvitations(org.ID)
		if want := []string{kept.ID}; err != nil || !slices.Equal(invitationIDs(got), want) {
			t.Errorf("PendingInvitations() after accept and revoke = %v, %v; want %v", invitationIDs(got), err, want)
		}
		inv, err := tx.Invitation(org.ID, toAccept.ID)
		if err != nil || !inv.AcceptedAt.Equal(now) || inv.AcceptedUserID != ada.ID || !inv.RevokedAt.IsZero() {
			t.Errorf("Invitation(accepted) = %+v, %v; want accepted at %v by %s", inv, err, now, ada.ID)
		}
		inv, err = tx.Invitation(org.ID, toRevoke.ID)
		if err != nil || !inv.RevokedAt.Equal(now) || !inv.AcceptedAt.IsZero() {
			t.Errorf("Invitation(revoked) = %+v, %v; want revoked at %v", inv, err, now)
		}
		if _, err := tx.PendingInvitation(org.ID, "ada@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PendingInvitation(ada) after accepting = %v, want ErrNotFound", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestUsersByEmail: a person's active accounts in every organization; a removed one is not
// found, and its address can be given to a new user of that organization (but not to two).
func TestUsersByEmail(t *testing.T) {
	s := testutil.NewStore(t)
	orgA, _ := seedOrg(t, s)
	orgB, _ := seedOrg(t, s)
	orgC, _ := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	inA := seedAgent(t, s, orgA.ID, "ada@example.com", store.RoleAgent)
	inB := seedAgent(t, s, orgB.ID, "ada@example.com", store.RoleAdmin)
	inC := seedAgent(t, s, orgC.ID, "ada@example.com", store.RoleAgent)
	if err := s.Write(ctx, func(tx *store.Tx) error { return tx.DisableUser(orgC.ID, inC.ID, now) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Read(ctx, func(tx *store.Tx) error {
		got, err := tx.UsersByEmail("ada@example.com")
		ids := make([]string, len(got))
		for i, u := range got {
			ids[i] = u.ID
		}
		slices.Sort(ids)
		want := []string{inA.ID, inB.ID}
		slices.Sort(want)
		if err != nil || !slices.Equal(ids, want) {
			t.Errorf("UsersByEmail(ada) = %v, %v; want the active %v", ids, err, want)
		}
		if u, err := tx.UserByEmail(orgB.ID, "ada@example.com"); err != nil || u.ID != inB.ID || u.Role != store.RoleAdmin {
			t.Errorf("UserByEmail(orgB, ada) = %+v, %v; want %+v", u, err, inB)
		}
		if u, err := tx.UserByEmail(orgC.ID, "ada@example.com"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByEmail(orgC, disabled ada) = %+v, %v; want ErrNotFound", u, err)
		}
		if got, err := tx.UsersByEmail("nobody@example.com"); err != nil || len(got) != 0 {
			t.Errorf("UsersByEmail(nobody) = %v, %v; want none", got, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	again := seedAgent(t, s, orgC.ID, "ada@example.com", store.RoleAgent) // fails the test if refused
	err := s.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertUser(store.User{ID: store.NewID(), OrgID: orgC.ID, Name: "Twin", Email: "ada@example.com",
			Role: store.RoleAgent, CreatedAt: now})
	})
	if !store.IsUniqueViolation(err) {
		t.Errorf("a second active user ada in orgC = %v, want a unique violation", err)
	}
	if err := s.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByEmail(orgC.ID, "ada@example.com")
		if err != nil || u.ID != again.ID {
			t.Errorf("UserByEmail(orgC, ada) = %+v, %v; want the new user %s", u, err, again.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestUserRolesAndDisable: roles are counted among active users; a role changes and a user is
// disabled only while active and only in their organization.
func TestUserRolesAndDisable(t *testing.T) {
	s := testutil.NewStore(t)
	org, owner := seedOrg(t, s)
	other, _ := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	ada := seedAgent(t, s, org.ID, "ada@acme.test", store.RoleAgent)
	bob := seedAgent(t, s, org.ID, "bob@acme.test", store.RoleAgent)
	count := func(role string) int {
		var n int
		if err := s.Read(ctx, func(tx *store.Tx) (err error) {
			n, err = tx.CountUsersWithRole(org.ID, role)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	write := func(fn func(tx *store.Tx) error) error { return s.Write(ctx, fn) }

	for _, st := range []struct {
		name    string
		do      func(tx *store.Tx) error
		wantErr error
		want    map[string]int // role -> active users after the step
	}{
		{"start", func(*store.Tx) error { return nil }, nil,
			map[string]int{store.RoleOwner: 1, store.RoleAdmin: 0, store.RoleAgent: 2}},
		{"make ada admin", func(tx *store.Tx) error { return tx.SetUserRole(org.ID, ada.ID, store.RoleAdmin) }, nil,
			map[string]int{store.RoleOwner: 1, store.RoleAdmin: 1, store.RoleAgent: 1}},
		{"another organization makes bob owner", func(tx *store.Tx) error { return tx.SetUserRole(other.ID, bob.ID, store.RoleOwner) },
			store.ErrNotFound, map[string]int{store.RoleOwner: 1, store.RoleAgent: 1}},
		{"another organization disables bob", func(tx *store.Tx) error { return tx.DisableUser(other.ID, bob.ID, now) },
			store.ErrNotFound, map[string]int{store.RoleAgent: 1}},
		{"disable bob", func(tx *store.Tx) error { return tx.DisableUser(org.ID, bob.ID, now) }, nil,
			map[string]int{store.RoleOwner: 1, store.RoleAdmin: 1, store.RoleAgent: 0}},
		{"disable bob again", func(tx *store.Tx) error { return tx.DisableUser(org.ID, bob.ID, now) }, store.ErrNotFound,
			map[string]int{store.RoleAgent: 0}},
		{"make disabled bob admin", func(tx *store.Tx) error { return tx.SetUserRole(org.ID, bob.ID, store.RoleAdmin) },
			store.ErrNotFound, map[string]int{store.RoleAdmin: 1}},
		{"make the owner an agent", func(tx *store.Tx) error { return tx.SetUserRole(org.ID, owner.ID, store.RoleAgent) }, nil,
			map[string]int{store.RoleOwner: 0, store.RoleAgent: 1}},
	} {
		err := write(st.do)
		if (st.wantErr == nil && err != nil) || (st.wantErr != nil && !errors.Is(err, st.wantErr)) {
			t.Errorf("%s = %v, want %v", st.name, err, st.wantErr)
		}
		for role, want := range st.want {
			if got := count(role); got != want {
				t.Errorf("after %q CountUsersWithRole(%s) = %d, want %d", st.name, role, got, want)
			}
		}
	}
	if err := s.Write(ctx, func(tx *store.Tx) error {
		return tx.SetUserRole(org.ID, ada.ID, "superuser")
	}); err == nil {
		t.Errorf("SetUserRole(superuser) succeeded, want the role CHECK to refuse it")
	}
}
