package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/token"
)

// seedAgent adds an active user of role to the organization.
func seedAgent(t *testing.T, s *store.Store, orgID, email, role string) store.User {
	t.Helper()
	u := store.User{ID: store.NewID(), OrgID: orgID, Name: "Agent " + email, Email: email, Role: role,
		CreatedAt: time.Now().Truncate(time.Millisecond)}
	if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertUser(u) }); err != nil {
		t.Fatal(err)
	}
	return u
}

// seedSession opens a session for a user, made at created, and returns it with its token hash.
func seedSession(t *testing.T, s *store.Store, u store.User, device string, created time.Time) (store.AgentSession, []byte) {
	t.Helper()
	_, hash := token.NewLink()
	as := store.AgentSession{ID: store.NewID(), OrgID: u.OrgID, UserID: u.ID, Device: device,
		Method: store.SessionByEmailCode, CreatedAt: created, LastSeenAt: created}
	if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertAgentSession(as, hash) }); err != nil {
		t.Fatalf("InsertAgentSession(%s): %v", device, err)
	}
	return as, hash
}

func sessionIDs(list []store.AgentSession) []string {
	ids := make([]string, len(list))
	for i, as := range list {
		ids[i] = as.ID
	}
	return ids
}

// TestAgentSessionByToken: a token finds its live session and the user; a token that is unknown,
// whose session was revoked, or whose user was removed finds nothing.
func TestAgentSessionByToken(t *testing.T) {
	s := testutil.NewStore(t)
	org, owner := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	ada := seedAgent(t, s, org.ID, "ada@acme.test", store.RoleAgent)
	bob := seedAgent(t, s, org.ID, "bob@acme.test", store.RoleAgent)
	live, liveHash := seedSession(t, s, ada, "Ada's laptop", now)
	revoked, revokedHash := seedSession(t, s, ada, "Ada's old laptop", now)
	_, disabledHash := seedSession(t, s, bob, "Bob's laptop", now)
	if err := s.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.RevokeAgentSession(org.ID, revoked.ID, owner.ID, "lost", now); err != nil {
			return err
		}
		return tx.DisableUser(org.ID, bob.ID, now)
	}); err != nil {
		t.Fatal(err)
	}
	_, unknownHash := token.NewLink()

	as, u, err := s.AgentSessionByToken(ctx, liveHash)
	if err != nil || as.ID != live.ID || as.UserID != ada.ID || as.OrgID != org.ID || as.Device != "Ada's laptop" ||
		as.Method != store.SessionByEmailCode || !as.CreatedAt.Equal(now) || !as.LastSeenAt.Equal(now) || !as.RevokedAt.IsZero() {
		t.Errorf("AgentSessionByToken(live) = %+v, %v; want the live session %s", as, err, live.ID)
	}
	if u.ID != ada.ID || u.OrgID != org.ID || u.Email != "ada@acme.test" || u.Role != store.RoleAgent || !u.CreatedAt.Equal(ada.CreatedAt) {
		t.Errorf("AgentSessionByToken(live) user = %+v, want %+v", u, ada)
	}
	for _, tc := range []struct {
		name string
		hash []byte
	}{
		{"unknown token", unknownHash},
		{"revoked session", revokedHash},
		{"disabled user", disabledHash},
	} {
		if as, _, err := s.AgentSessionByToken(ctx, tc.hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AgentSessionByToken(%s) = %+v, %v; want ErrNotFound", tc.name, as, err)
		}
	}
}

// TestRevokeAgentSessions: one session is ended once (with who and why), then all of a user's
// live ones; the lists hold live sessions only, newest first.
func TestRevokeAgentSessions(t *testing.T) {
	s := testutil.NewStore(t)
	org, owner := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	ada := seedAgent(t, s, org.ID, "ada@acme.test", store.RoleAgent)
	a1, _ := seedSession(t, s, ada, "one", now.Add(-3*time.Minute))
	a2, _ := seedSession(t, s, ada, "two", now.Add(-2*time.Minute))
	a3, _ := seedSession(t, s, ada, "three", now.Add(-time.Minute))
	o1, _ := seedSession(t, s, owner, "owner's", now)

	revoke := func(id string) bool {
		var ok bool
		if err := s.Write(ctx, func(tx *store.Tx) (err error) {
			ok, err = tx.RevokeAgentSession(org.ID, id, owner.ID, "lost laptop", now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !revoke(a2.ID) {
		t.Errorf("RevokeAgentSession(live) = false, want true")
	}
	if revoke(a2.ID) {
		t.Errorf("RevokeAgentSession(already revoked) = true, want false")
	}
	if revoke(store.NewID()) {
		t.Errorf("RevokeAgentSession(unknown) = true, want false")
	}
	var got store.AgentSession
	var adaLive, orgLive []store.AgentSession
	if err := s.Read(ctx, func(tx *store.Tx) (err error) {
		if got, err = tx.AgentSession(org.ID, a2.ID); err != nil {
			return err
		}
		if adaLive, err = tx.AgentSessions(org.ID, ada.ID); err != nil {
			return err
		}
		orgLive, err = tx.AgentSessions(org.ID, "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !got.RevokedAt.Equal(now) || got.RevokedBy != owner.ID || got.RevokeReason != "lost laptop" {
		t.Errorf("AgentSession(revoked) = %+v; want revoked at %v by %s, reason \"lost laptop\"", got, now, owner.ID)
	}
	if want := []string{a3.ID, a1.ID}; !slices.Equal(sessionIDs(adaLive), want) {
		t.Errorf("AgentSessions(ada) = %v, want %v (live, newest first)", sessionIDs(adaLive), want)
	}
	if want := []string{o1.ID, a3.ID, a1.ID}; !slices.Equal(sessionIDs(orgLive), want) {
		t.Errorf("AgentSessions(org) = %v, want %v (live, newest first)", sessionIDs(orgLive), want)
	}

	var n int
	if err := s.Write(ctx, func(tx *store.Tx) (err error) {
		n, err = tx.RevokeUserAgentSessions(org.ID, ada.ID, "", "removed from the team", now)
		return err
	}); err != nil || n != 2 {
		t.Fatalf("RevokeUserAgentSessions(ada) = %d, %v; want 2", n, err)
	}
	if err := s.Read(ctx, func(tx *store.Tx) (err error) {
		if got, err = tx.AgentSession(org.ID, a1.ID); err != nil {
			return err
		}
		orgLive, err = tx.AgentSessions(org.ID, "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got.RevokedAt.IsZero() || got.RevokedBy != "" || got.RevokeReason != "removed from the team" {
		t.Errorf("AgentSession(a1) after RevokeUserAgentSessions = %+v; want revoked by the system", got)
	}
	if want := []string{o1.ID}; !slices.Equal(sessionIDs(orgLive), want) {
		t.Errorf("AgentSessions(org) after revoking ada's = %v, want %v", sessionIDs(orgLive), want)
	}
}

// TestAgentSessionsStayInTheirOrganization: another organization neither sees nor ends them.
func TestAgentSessionsStayInTheirOrganization(t *testing.T) {
	s := testutil.NewStore(t)
	orgA, ownerA := seedOrg(t, s)
	orgB, ownerB := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	as, hash := seedSession(t, s, ownerA, "A's laptop", now)

	if err := s.Write(ctx, func(tx *store.Tx) error {
		if list, err := tx.AgentSessions(orgA.ID, ""); err != nil || !slices.Equal(sessionIDs(list), []string{as.ID}) {
			t.Errorf("AgentSessions(orgA) = %v, %v; want [%s]", sessionIDs(list), err, as.ID)
		}
		if got, err := tx.AgentSession(orgB.ID, as.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AgentSession(orgB, A's) = %+v, %v; want ErrNotFound", got, err)
		}
		if list, err := tx.AgentSessions(orgB.ID, ""); err != nil || len(list) != 0 {
			t.Errorf("AgentSessions(orgB) = %v, %v; want none", sessionIDs(list), err)
		}
		if list, err := tx.AgentSessions(orgB.ID, ownerA.ID); err != nil || len(list) != 0 {
			t.Errorf("AgentSessions(orgB, A's owner) = %v, %v; want none", sessionIDs(list), err)
		}
		if ok, err := tx.RevokeAgentSession(orgB.ID, as.ID, ownerB.ID, "", now); ok || err != nil {
			t.Errorf("RevokeAgentSession(orgB, A's) = %v, %v; want false", ok, err)
		}
		if n, err := tx.RevokeUserAgentSessions(orgB.ID, ownerA.ID, ownerB.ID, "", now); n != 0 || err != nil {
			t.Errorf("RevokeUserAgentSessions(orgB, A's owner) = %d, %v; want 0", n, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.AgentSessionByToken(ctx, hash); err != nil || got.ID != as.ID {
		t.Errorf("AgentSessionByToken(A's) after orgB's attempts = %+v, %v; want it live", got, err)
	}
}

// TestAgentSessionsStayOutOfTheChangeFeed: sessions are credentials of the server; writing them
// appends nothing to the change sequence desktops replicate.
func TestAgentSessionsStayOutOfTheChangeFeed(t *testing.T) {
	s := testutil.NewStore(t)
	org, owner := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	before, err := s.LastChangeSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := seedSession(t, s, owner, "laptop", now)
	if err := s.TouchAgentSession(ctx, as.ID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.RevokeAgentSession(org.ID, as.ID, owner.ID, "done", now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if after, err := s.LastChangeSeq(ctx); err != nil || after != before {
		t.Errorf("LastChangeSeq() after a session's insert, touch and revoke = %d, %v; want %d (unchanged)", after, err, before)
	}
}

// TestTouchAgentSession: the last-seen time moves forward only.
func TestTouchAgentSession(t *testing.T) {
	s := testutil.NewStore(t)
	_, owner := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	as, hash := seedSession(t, s, owner, "laptop", now)
	for _, tc := range []struct {
		touch, want time.Time
	}{
		{now.Add(time.Minute), now.Add(time.Minute)},
		{now, now.Add(time.Minute)}, // an older touch (a slow request) does not move it back
		{now.Add(time.Hour), now.Add(time.Hour)},
	} {
		if err := s.TouchAgentSession(ctx, as.ID, tc.touch); err != nil {
			t.Fatal(err)
		}
		got, _, err := s.AgentSessionByToken(ctx, hash)
		if err != nil || !got.LastSeenAt.Equal(tc.want) {
			t.Errorf("after TouchAgentSession(%v) LastSeenAt = %v, %v; want %v", tc.touch, got.LastSeenAt, err, tc.want)
		}
	}
}

// TestAgentSessionConstraints: the schema refuses what the store must never hold.
func TestAgentSessionConstraints(t *testing.T) {
	s := testutil.NewStore(t)
	org, owner := seedOrg(t, s)
	now := time.Now()
	_, hash := token.NewLink()
	long := strings.Repeat("x", 101)
	for _, tc := range []struct {
		name string
		as   store.AgentSession
		hash []byte
	}{
		{"short token hash", store.AgentSession{Method: store.SessionByGoogle}, hash[:16]},
		{"unknown method", store.AgentSession{Method: "password"}, hash},
		{"device name of 101 characters", store.AgentSession{Method: store.SessionByGoogle, Device: long}, hash},
		{"unknown user", store.AgentSession{Method: store.SessionByGoogle, UserID: store.NewID()}, hash},
	} {
		as := tc.as
		as.ID, as.OrgID, as.CreatedAt, as.LastSeenAt = store.NewID(), org.ID, now, now
		if as.UserID == "" {
			as.UserID = owner.ID
		}
		if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertAgentSession(as, tc.hash) }); err == nil {
			t.Errorf("InsertAgentSession(%s) succeeded, want it refused", tc.name)
		}
	}
	// The limit counts characters, not bytes, on both databases: 100 two-byte characters pass
	// (seedSession fails the test otherwise).
	seedSession(t, s, owner, strings.Repeat("é", 100), now)
	// The same token twice: a unique violation.
	seedSession(t, s, owner, "first", now)
	_, dup := seedSession(t, s, owner, "second", now)
	err := s.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertAgentSession(store.AgentSession{ID: store.NewID(), OrgID: org.ID, UserID: owner.ID,
			Method: store.SessionByGoogle, CreatedAt: now, LastSeenAt: now}, dup)
	})
	if !store.IsUniqueViolation(err) {
		t.Errorf("InsertAgentSession(a token hash already used) = %v, want a unique violation", err)
	}
}
