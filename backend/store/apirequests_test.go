package store_test

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestIdempotencyRecords: the agents' API's key records (api_requests) on either database: a key
// is recorded once per agent, finished with its answer or abandoned, replaced once expired,
// deleted in bounded batches, and never in the change feed.
func TestIdempotencyRecords(t *testing.T) {
	s, err := store.Open(ctx, testutil.DBPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org, olive := seedOrg(t, s)
	now := time.UnixMilli(1764790000000).UTC()
	ana := store.User{ID: store.NewID(), OrgID: org.ID, Name: "Ana", Email: "ana@acme.test", Role: store.RoleAgent, CreatedAt: now}
	if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertUser(ana) }); err != nil {
		t.Fatal(err)
	}
	seqBefore, _ := s.LastChangeSeq(ctx)
	hash := sha256.Sum256([]byte(`{"body":"hi"}`))
	req := func(user, key string, at time.Time) store.APIRequest {
		return store.APIRequest{ID: store.NewID(), OrgID: org.ID, UserID: user, Key: key, Method: "POST", Path: "/p", BodyHash: hash[:], CreatedAt: at}
	}
	begin := func(r store.APIRequest, notBefore time.Time) (store.APIRequest, bool) {
		t.Helper()
		got, inserted, err := s.BeginAPIRequest(ctx, r, notBefore)
		if err != nil {
			t.Fatalf("BeginAPIRequest(%s) = %v", r.Key, err)
		}
		return got, inserted
	}
	dayAgo := now.Add(-24 * time.Hour)

	first := req(olive.ID, "k1", now)
	if _, inserted := begin(first, dayAgo); !inserted {
		t.Fatal("BeginAPIRequest(k1) = not inserted, want the first record")
	}
	prior, inserted := begin(req(olive.ID, "k1", now.Add(time.Second)), dayAgo)
	if inserted || prior.ID != first.ID || prior.Status != 0 || prior.Kept || !bytes.Equal(prior.BodyHash, hash[:]) || !prior.CreatedAt.Equal(now) {
		t.Errorf("BeginAPIRequest(k1 again) = %+v, %v, want the first, in progress", prior, inserted)
	}
	if _, inserted := begin(req(ana.ID, "k1", now), dayAgo); !inserted {
		t.Error("BeginAPIRequest(Ana's k1) = not inserted, want a record of her own")
	}

	// Finished: the status and the body (an empty one is kept too; a large one may be left out).
	if err := s.FinishAPIRequest(ctx, first.ID, 200, []byte(`{"id":"m1"}`), true, now); err != nil {
		t.Fatal(err)
	}
	if prior, _ := begin(req(olive.ID, "k1", now), dayAgo); prior.Status != 200 || !prior.Kept || string(prior.Response) != `{"id":"m1"}` {
		t.Errorf("k1 once finished = %d %q kept %v, want 200 {\"id\":\"m1\"} kept", prior.Status, prior.Response, prior.Kept)
	}
	for _, c := range []struct {
		key    string
		status int
		body   []byte
		kept   bool
	}{{"empty", 204, nil, true}, {"large", 200, nil, false}} {
		r := req(olive.ID, c.key, now)
		begin(r, dayAgo)
		if err := s.FinishAPIRequest(ctx, r.ID, c.status, c.body, c.kept, now); err != nil {
			t.Fatal(err)
		}
		if prior, _ := begin(req(olive.ID, c.key, now), dayAgo); prior.Status != c.status || prior.Kept != c.kept || len(prior.Response) != 0 {
			t.Errorf("%s once finished = %d %q kept %v, want %d, empty, kept %v", c.key, prior.Status, prior.Response, prior.Kept, c.status, c.kept)
		}
	}

	// Abandoned: gone, so the key runs again; a finished record is never abandoned.
	cut := req(olive.ID, "cut", now)
	begin(cut, dayAgo)
	if err := s.AbandonAPIRequest(ctx, cut.ID); err != nil {
		t.Fatal(err)
	}
	if _, inserted := begin(req(olive.ID, "cut", now), dayAgo); !inserted {
		t.Error("BeginAPIRequest(cut) after it was abandoned = not inserted, want a new record")
	}
	if err := s.AbandonAPIRequest(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if prior, _ := begin(req(olive.ID, "k1", now), dayAgo); prior.Status != 200 {
		t.Errorf("k1 after abandoning it once finished = %+v, want it kept", prior)
	}

	// Expired: replaced by the new try.
	later := now.Add(25 * time.Hour)
	again := req(olive.ID, "k1", later)
	if got, inserted := begin(again, later.Add(-24*time.Hour)); !inserted || got.ID != again.ID {
		t.Errorf("BeginAPIRequest(k1) a day later = %+v, %v, want the new record", got, inserted)
	}

	// Old records go in batches, oldest first.
	all, _ := s.ReaderQuery(ctx, `SELECT count(*) FROM api_requests`)
	n, err := s.DeleteAPIRequestsBefore(ctx, later.Add(-time.Hour), 2)
	if err != nil || n != 2 {
		t.Errorf("DeleteAPIRequestsBefore(limit 2) = %d, %v, want 2", n, err)
	}
	n, err = s.DeleteAPIRequestsBefore(ctx, later.Add(-time.Hour), 100)
	if err != nil || n != all-3 {
		t.Errorf("DeleteAPIRequestsBefore(limit 100) = %d, %v, want %d", n, err, all-3)
	}
	if left, _ := s.ReaderQuery(ctx, `SELECT count(*) FROM api_requests WHERE id = ?`, again.ID); left != 1 {
		t.Errorf("the record made after the cut-off was deleted")
	}

	// Never in the feed: no change rows, not replicated, no triggers.
	if after, _ := s.LastChangeSeq(ctx); after != seqBefore {
		t.Errorf("key records wrote %d change rows, want none", after-seqBefore)
	}
	if store.IsReplicated("api_requests") {
		t.Error("api_requests is in the feed")
	}
	triggers := `SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'api_requests'`
	if testutil.Postgres() {
		triggers = `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'api_requests'::regclass AND NOT tgisinternal`
	}
	if n, err := s.ReaderQuery(ctx, triggers); err != nil || n != 0 {
		t.Errorf("api_requests triggers = %d, %v, want none", n, err)
	}
}
