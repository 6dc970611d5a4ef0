package idempotency_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/idempotency"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

func setup(t *testing.T) (*idempotency.Service, *testutil.Clock, idempotency.Scope, string) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, testutil.DBPath(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	clk := testutil.NewClock(time.UnixMilli(1764790000000).UTC())
	now := clk.Now()
	org := store.Organization{ID: store.NewID(), Name: "Acme", CreatedAt: now, UpdatedAt: now}
	u := store.User{ID: store.NewID(), OrgID: org.ID, Name: "Olive", Email: "olive@acme.test", Role: store.RoleOwner, CreatedAt: now}
	if err := s.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertOrganization(org); err != nil {
			return err
		}
		return tx.InsertUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	return idempotency.New(s, idempotency.Options{Now: clk.Now, Secret: []byte("test secret")}), clk, idempotency.Scope{OrgID: org.ID, UserID: u.ID}, s.Path()
}

func code(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}

// TestIdempotencyService: what each try of a key gets, answer by answer.
func TestIdempotencyService(t *testing.T) {
	svc, clk, sc, db := setup(t)
	ctx := context.Background()
	call := idempotency.Call{Method: "POST", Path: "/api/agent/v1/x", Body: []byte(`{"a":1}`)}

	b, err := svc.Begin(ctx, sc, "k", call)
	if err != nil || !b.Run || b.Ticket == "" {
		t.Fatalf("Begin(k) = %+v, %v, want to run", b, err)
	}
	// Keyed with a secret, the fingerprint is not the body's plain SHA-256 (which would let a
	// body's password be guessed by hashing candidates).
	plain := sha256.Sum256(call.Body)
	var stored []byte
	if err := testutil.OpenRaw(t, db).QueryRow(`SELECT body_hash FROM api_requests WHERE id = ?`, b.Ticket).Scan(&stored); err != nil ||
		len(stored) != sha256.Size || bytes.Equal(stored, plain[:]) {
		t.Errorf("stored fingerprint = %x, %v, want 32 bytes other than the body's SHA-256 %x", stored, err, plain)
	}
	if _, err := svc.Begin(ctx, sc, "k", call); code(err) != idempotency.CodeInProgress {
		t.Errorf("Begin(k) while it runs = %v, want %s", err, idempotency.CodeInProgress)
	}
	if err := svc.Finish(ctx, b.Ticket, 200, []byte(`{"ok":true}`)); err != nil {
		t.Fatal(err)
	}
	if r, err := svc.Begin(ctx, sc, "k", call); err != nil || r.Run || r.Replay.Status != 200 || !r.Replay.Kept || string(r.Replay.Body) != `{"ok":true}` {
		t.Errorf("Begin(k) once finished = %+v, %v, want the replay of 200 {\"ok\":true}", r, err)
	}
	for _, other := range []idempotency.Call{
		{Method: "PUT", Path: call.Path, Body: call.Body},
		{Method: "POST", Path: "/api/agent/v1/y", Body: call.Body},
		{Method: "POST", Path: call.Path, Body: []byte(`{"a":2}`)},
	} {
		if _, err := svc.Begin(ctx, sc, "k", other); code(err) != idempotency.CodeKeyReused {
			t.Errorf("Begin(k, %s %s %s) = %v, want %s", other.Method, other.Path, other.Body, err, idempotency.CodeKeyReused)
		}
	}

	// An answer larger than MaxAnswer: only its status is kept.
	big, _ := svc.Begin(ctx, sc, "big", call)
	if err := svc.Finish(ctx, big.Ticket, 200, bytes.Repeat([]byte("x"), idempotency.MaxAnswer+1)); err != nil {
		t.Fatal(err)
	}
	if r, err := svc.Begin(ctx, sc, "big", call); err != nil || r.Run || r.Replay.Status != 200 || r.Replay.Kept {
		t.Errorf("Begin(big) = %+v, %v, want a replay of 200 without its body", r, err)
	}
	exact, _ := svc.Begin(ctx, sc, "exact", call)
	svc.Finish(ctx, exact.Ticket, 200, bytes.Repeat([]byte("x"), idempotency.MaxAnswer))
	if r, _ := svc.Begin(ctx, sc, "exact", call); !r.Replay.Kept || len(r.Replay.Body) != idempotency.MaxAnswer {
		t.Errorf("Begin(exact) kept %v, %d bytes, want the whole %d", r.Replay.Kept, len(r.Replay.Body), idempotency.MaxAnswer)
	}

	// Abandoned: runs again.
	cut, _ := svc.Begin(ctx, sc, "cut", call)
	if err := svc.Abandon(ctx, cut.Ticket); err != nil {
		t.Fatal(err)
	}
	if r, err := svc.Begin(ctx, sc, "cut", call); err != nil || !r.Run {
		t.Errorf("Begin(cut) after Abandon = %+v, %v, want to run", r, err)
	}

	// Never finished (the server stopped): in progress, then outcome unknown.
	clk.Advance(idempotency.StaleAfter - time.Second)
	if _, err := svc.Begin(ctx, sc, "cut", call); code(err) != idempotency.CodeInProgress {
		t.Errorf("Begin(cut) before StaleAfter = %v, want %s", err, idempotency.CodeInProgress)
	}
	clk.Advance(time.Second)
	if _, err := svc.Begin(ctx, sc, "cut", call); code(err) != idempotency.CodeOutcomeUnknown {
		t.Errorf("Begin(cut) at StaleAfter = %v, want %s", err, idempotency.CodeOutcomeUnknown)
	}

	// Expired: runs again.
	clk.Advance(idempotency.Lifetime)
	if r, err := svc.Begin(ctx, sc, "k", call); err != nil || !r.Run {
		t.Errorf("Begin(k) after its lifetime = %+v, %v, want to run", r, err)
	}
}

// TestIdempotencyKeyCheck: the keys a client may send.
func TestIdempotencyKeyCheck(t *testing.T) {
	for key, ok := range map[string]bool{
		"a": true, "9f1c2f0e-5a8b-4c1e-9d3e-0a4b5c6d7e8f": true, "with space ~!": true, string(bytes.Repeat([]byte("k"), 100)): true,
		"": false, string(bytes.Repeat([]byte("k"), 101)): false, "tab\there": false, "clé": false, "nul\x00": false, "del\x7f": false,
	} {
		if err := idempotency.CheckKey(key); (err == nil) != ok || (err != nil && code(err) != idempotency.CodeKeyInvalid) {
			t.Errorf("CheckKey(%q) = %v, want ok %v", key, err, ok)
		}
	}
}
