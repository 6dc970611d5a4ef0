package mailbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var ctx = context.Background()

func TestNewMailReachesHandlerInOrderOnceAcrossRestarts(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	st, cp, acctID := storeAccount(t)
	rec := newRecorder()

	srv.deliver("INBOX", "already there", "old mail is not handed over")
	w := newTestWatcher(t, srv.config(), cp, rec.handle, nil)
	if n, err := w.PollOnce(ctx); n != 0 || err != nil {
		t.Fatalf("PollOnce() on first look = %d, %v, want 0, nil", n, err)
	}
	for i := 1; i <= 3; i++ {
		srv.deliver("INBOX", fmt.Sprintf("message %d", i), "body")
	}
	if n, err := w.PollOnce(ctx); n != 3 || err != nil {
		t.Fatalf("PollOnce() = %d, %v, want 3, nil", n, err)
	}
	if n, err := w.PollOnce(ctx); n != 0 || err != nil {
		t.Fatalf("PollOnce() again = %d, %v, want 0, nil", n, err)
	}
	w.Close()

	// The checkpoint is in SQLite: a new watcher (an app restart) continues after it.
	got, err := st.MailboxCheckpoint(ctx, acctID, "INBOX")
	if err != nil || got.LastUID != 4 || got.UIDValidity != srv.uidValidity("INBOX") || got.LastError != "" {
		t.Fatalf("MailboxCheckpoint() = %+v, %v, want LastUID 4, UIDValidity %d, no error", got, err, srv.uidValidity("INBOX"))
	}
	srv.deliver("INBOX", "message 4", "body")
	srv.deliver("INBOX", "message 5", "body")
	w2 := newTestWatcher(t, srv.config(), cp, rec.handle, nil)
	if n, err := w2.PollOnce(ctx); n != 2 || err != nil {
		t.Fatalf("PollOnce() after restart = %d, %v, want 2, nil", n, err)
	}
	if got, want := rec.uids(), []uint32{2, 3, 4, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("handled UIDs = %v, want %v", got, want)
	}
	if got, want := rec.subjects(), []string{"message 1", "message 2", "message 3", "message 4", "message 5"}; !slices.Equal(got, want) {
		t.Errorf("handled subjects = %v, want %v", got, want)
	}
	m := rec.accepted[0]
	if m.From != "noreply@vouchdesk.example" || m.To != "sender@example.com" || m.MessageID != "message-1@vouchdesk.example" ||
		m.Text != "body\n" || !m.Date.Equal(time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)) {
		t.Errorf("first message = %+v, want the parsed headers and body", m)
	}
}

func TestOnlyMailPastTheCheckpointIsFetched(t *testing.T) {
	tests := []struct {
		name     string
		lastUID  uint32 // seeded checkpoint; 0 = none
		existing int
		want     []uint32
	}{
		{"no checkpoint: start at the end", 0, 5, nil},
		{"checkpoint in the middle", 2, 5, []uint32{3, 4, 5}},
		{"checkpoint at the end", 5, 5, nil},
		{"checkpoint past the end: start again at the end", 9, 5, nil},
		{"empty mailbox", 0, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, serverOptions{})
			for i := 0; i < tc.existing; i++ {
				srv.deliver("INBOX", fmt.Sprintf("m%d", i+1), "x")
			}
			cp := newMemCheckpoints()
			if tc.lastUID != 0 {
				cp.Save(ctx, "INBOX", srv.uidValidity("INBOX"), tc.lastUID, "")
			}
			rec := newRecorder()
			w := newTestWatcher(t, srv.config(), cp, rec.handle, nil)
			n, err := w.PollOnce(ctx)
			if err != nil || n != len(tc.want) || !slices.Equal(rec.uids(), tc.want) {
				t.Errorf("PollOnce() = %d, %v, handled %v; want %d, nil, %v", n, err, rec.uids(), len(tc.want), tc.want)
			}
			// And the next delivery, exactly once.
			uid := srv.deliver("INBOX", "next", "x")
			if n, err := w.PollOnce(ctx); n != 1 || err != nil {
				t.Errorf("PollOnce() after one delivery = %d, %v, want 1, nil", n, err)
			}
			if got := rec.uids(); len(got) == 0 || got[len(got)-1] != uid {
				t.Errorf("handled %v, want it to end with %d", got, uid)
			}
		})
	}
}

func TestExpungedNewMailIsSkipped(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	srv.deliver("INBOX", "kept", "x")
	rec := newRecorder()
	cp := newMemCheckpoints()
	w := newTestWatcher(t, srv.config(), cp, rec.handle, nil)
	w.PollOnce(ctx) // checkpoint at UID 1
	a := srv.deliver("INBOX", "gone 1", "x")
	b := srv.deliver("INBOX", "gone 2", "x")
	srv.expunge(a, b)
	// UIDNEXT is 4 but nothing is above UID 1: "UID SEARCH UID 2:*" answers with UID 1 (the
	// highest), which must not be handed over again.
	if n, err := w.PollOnce(ctx); n != 0 || err != nil || len(rec.uids()) != 0 {
		t.Fatalf("PollOnce() = %d, %v, handled %v; want 0, nil, nothing", n, err, rec.uids())
	}
	if _, last, _, _ := cp.Load(ctx, "INBOX"); last != b {
		t.Errorf("checkpoint LastUID = %d, want %d (past the expunged messages)", last, b)
	}
	c := srv.deliver("INBOX", "new", "x")
	if n, err := w.PollOnce(ctx); n != 1 || err != nil || !slices.Equal(rec.uids(), []uint32{c}) {
		t.Errorf("PollOnce() = %d, %v, handled %v; want 1, nil, [%d]", n, err, rec.uids(), c)
	}
}

func TestUIDValidityChangeRestartsAtTheEnd(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	cp := newMemCheckpoints()
	rec := newRecorder()
	var logs syncBuffer
	w := newTestWatcher(t, srv.config(), cp, rec.handle, &logs)
	w.PollOnce(ctx)
	for i := 0; i < 3; i++ {
		srv.deliver("INBOX", fmt.Sprintf("before %d", i), "x")
	}
	if n, err := w.PollOnce(ctx); n != 3 || err != nil {
		t.Fatalf("PollOnce() = %d, %v, want 3, nil", n, err)
	}
	oldValidity := srv.uidValidity("INBOX")

	srv.recreate("INBOX") // new UIDVALIDITY, UIDs start at 1 again
	srv.deliver("INBOX", "renumbered 1", "x")
	srv.deliver("INBOX", "renumbered 2", "x")
	if n, err := w.PollOnce(ctx); n != 0 || err != nil {
		t.Fatalf("PollOnce() after UIDVALIDITY change = %d, %v, want 0, nil (the mailbox is not handed over again)", n, err)
	}
	v, last, _, _ := cp.Load(ctx, "INBOX")
	if v == oldValidity || v != srv.uidValidity("INBOX") || last != 2 {
		t.Errorf("checkpoint = (%d, %d), want (%d, 2)", v, last, srv.uidValidity("INBOX"))
	}
	if !strings.Contains(logs.String(), "UIDVALIDITY changed") {
		t.Errorf("log = %q, want a line about the UIDVALIDITY change", logs.String())
	}
	uid := srv.deliver("INBOX", "after", "x")
	if n, err := w.PollOnce(ctx); n != 1 || err != nil {
		t.Fatalf("PollOnce() = %d, %v, want 1, nil", n, err)
	}
	if got, want := rec.uids(), []uint32{1, 2, 3, uid}; !slices.Equal(got, want) {
		t.Errorf("handled UIDs = %v, want %v", got, want)
	}
}

func TestHandlerErrorIsRetriedNotSkipped(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	st, cp, acctID := storeAccount(t)
	rec := newRecorder()
	failures := 1
	rec.fail = func(m Message) error {
		if m.Subject == "second" && failures > 0 {
			failures--
			return errors.New("database is busy")
		}
		return nil
	}
	w := newTestWatcher(t, srv.config(), cp, rec.handle, nil)
	w.PollOnce(ctx)
	srv.deliver("INBOX", "first", "x")
	srv.deliver("INBOX", "second", "x")
	srv.deliver("INBOX", "third", "x")

	n, err := w.PollOnce(ctx)
	if n != 1 || KindOf(err) != ErrHandler || !strings.Contains(err.Error(), "UID 2") || !strings.Contains(err.Error(), "database is busy") {
		t.Fatalf("PollOnce() = %d, %v, want 1 and a handler error naming UID 2", n, err)
	}
	if s := w.Status(); !strings.Contains(s.LastError, "UID 2") || !s.Connected || s.LastUID != 1 {
		t.Errorf("Status() = %+v, want the handler error, connected, LastUID 1", s)
	}
	if got, _ := st.MailboxCheckpoint(ctx, acctID, "INBOX"); got.LastUID != 1 || !strings.Contains(got.LastError, "database is busy") {
		t.Errorf("MailboxCheckpoint() = %+v, want LastUID 1 and the handler error", got)
	}

	if n, err := w.PollOnce(ctx); n != 2 || err != nil {
		t.Fatalf("PollOnce() retry = %d, %v, want 2, nil", n, err)
	}
	if got, want := rec.calls, []uint32{1, 2, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("handler calls = %v, want %v", got, want)
	}
	if got, want := rec.uids(), []uint32{1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("accepted = %v, want %v", got, want)
	}
	if s := w.Status(); s.LastError != "" || s.LastUID != 3 {
		t.Errorf("Status() = %+v, want no error and LastUID 3", s)
	}
	if got, _ := st.MailboxCheckpoint(ctx, acctID, "INBOX"); got.LastUID != 3 || got.LastError != "" {
		t.Errorf("MailboxCheckpoint() = %+v, want LastUID 3 and no error", got)
	}
}

func TestHandlerPanicIsAnError(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	w := newTestWatcher(t, srv.config(), newMemCheckpoints(), func(context.Context, Message) error { panic("boom") }, nil)
	w.PollOnce(ctx)
	srv.deliver("INBOX", "x", "x")
	if n, err := w.PollOnce(ctx); n != 0 || KindOf(err) != ErrHandler || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("PollOnce() = %d, %v, want 0 and a handler error about the panic", n, err)
	}
}

// runWatcher starts Run and stops it when the test ends.
func runWatcher(t *testing.T, w *Watcher) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return within 5 s of its context ending")
		}
	})
}

func TestIdlePushDeliversWithinASecond(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	rec := newRecorder()
	cfg := srv.config()
	cfg.PollInterval = time.Minute // only the push can be in time
	w := newTestWatcher(t, cfg, newMemCheckpoints(), rec.handle, nil)
	runWatcher(t, w)
	for i := 0; i < 3; i++ {
		waitIdling(t, w)
		start := time.Now()
		uid := srv.deliver("INBOX", fmt.Sprintf("pushed %d", i), "x")
		m := rec.wait(t, 2*time.Second)
		if m.UID != uid {
			t.Fatalf("handled UID %d, want %d", m.UID, uid)
		}
		t.Logf("APPEND -> handler: %s", time.Since(start))
	}
	// The handler runs before the checkpoint moves: give the pass a moment to finish.
	eventually(t, 2*time.Second, "Status shows LastUID 3", func() bool { return w.Status().LastUID == 3 })
	if s := w.Status(); !s.Connected || !s.IdleSupported || s.LastError != "" {
		t.Errorf("Status() = %+v, want connected, IDLE, no error", s)
	}
}

func TestPollFindsMailWhenIdleMissesIt(t *testing.T) {
	srv := newTestServer(t, serverOptions{DeafIdle: true})
	rec := newRecorder()
	cfg := srv.config()
	cfg.PollInterval = 300 * time.Millisecond
	w := newTestWatcher(t, cfg, newMemCheckpoints(), rec.handle, nil)
	runWatcher(t, w)
	waitIdling(t, w)
	uid := srv.deliver("INBOX", "missed by IDLE", "x")
	if m := rec.wait(t, 3*time.Second); m.UID != uid {
		t.Errorf("handled UID %d, want %d", m.UID, uid)
	}
}

func TestPollsWhenTheServerHasNoIdle(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	rec := newRecorder()
	cfg := srv.config()
	cfg.PollInterval = 200 * time.Millisecond
	w := newTestWatcher(t, cfg, newMemCheckpoints(), rec.handle, nil)
	w.disableIdle = true
	runWatcher(t, w)
	eventually(t, 5*time.Second, "first pass", func() bool { return w.Status().Connected })
	uid := srv.deliver("INBOX", "polled", "x")
	if m := rec.wait(t, 3*time.Second); m.UID != uid {
		t.Errorf("handled UID %d, want %d", m.UID, uid)
	}
	if w.idling.Load() {
		t.Error("the watcher idles although IDLE is disabled")
	}
}

func TestReconnectsAfterServerRestart(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	rec := newRecorder()
	w := newTestWatcher(t, srv.config(), newMemCheckpoints(), rec.handle, nil)
	runWatcher(t, w)
	waitIdling(t, w)

	srv.stop()
	eventually(t, 5*time.Second, "Status shows the failure", func() bool {
		s := w.Status()
		return !s.Connected && s.LastError != ""
	})
	if s := w.Status(); !strings.Contains(s.LastError, "closed the connection") && !strings.Contains(s.LastError, "cannot reach") {
		t.Errorf("Status().LastError = %q, want it to say the connection was lost", s.LastError)
	}
	uid := srv.deliver("INBOX", "while down", "x") // arrives while the watcher is away
	srv.start()
	if m := rec.wait(t, 5*time.Second); m.UID != uid {
		t.Errorf("handled UID %d, want %d", m.UID, uid)
	}
	eventually(t, 5*time.Second, "Status recovers", func() bool {
		s := w.Status()
		return s.Connected && s.LastError == ""
	})
	waitIdling(t, w)
	uid = srv.deliver("INBOX", "after restart", "x")
	if m := rec.wait(t, 2*time.Second); m.UID != uid {
		t.Errorf("handled UID %d, want %d", m.UID, uid)
	}
}

func TestMailboxDisappearsAndComesBack(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	rec := newRecorder()
	cfg := srv.config()
	cfg.PollInterval = 200 * time.Millisecond
	w := newTestWatcher(t, cfg, newMemCheckpoints(), rec.handle, nil)
	runWatcher(t, w)
	eventually(t, 5*time.Second, "connected", func() bool { return w.Status().Connected })

	if err := srv.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "Status reports the missing mailbox", func() bool {
		return w.Status().LastError == "the mailbox INBOX does not exist"
	})
	if s := w.Status(); s.Connected {
		t.Errorf("Status().Connected = true with the mailbox gone, want false")
	}
	if err := srv.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "Status recovers", func() bool {
		s := w.Status()
		return s.Connected && s.LastError == ""
	})
	uid := srv.deliver("INBOX", "in the new mailbox", "x")
	if m := rec.wait(t, 3*time.Second); m.UID != uid {
		t.Errorf("handled UID %d, want %d", m.UID, uid)
	}
}

func TestCloseStopsRun(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	w := newTestWatcher(t, srv.config(), newMemCheckpoints(), newRecorder().handle, nil)
	done := make(chan struct{})
	go func() { w.Run(context.Background()); close(done) }()
	waitIdling(t, w)
	start := time.Now()
	if err := w.Close(); err != nil {
		t.Errorf("Close() = %v, want nil", err)
	}
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return after Close")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %s, want well under 2 s", d)
	}
	if _, err := w.PollOnce(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("PollOnce() after Close = %v, want ErrClosed", err)
	}
	if w.Status().Connected {
		t.Error("Status().Connected = true after Close")
	}
}

func TestPollOnceWhileRunIsIdling(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	rec := newRecorder()
	w := newTestWatcher(t, srv.config(), newMemCheckpoints(), rec.handle, nil)
	w.PollOnce(ctx)
	runWatcher(t, w)
	waitIdling(t, w)
	// The test server pushes too; whichever takes the connection first hands it over, once.
	srv.deliver("INBOX", "x", "x")
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := w.PollOnce(pctx); err != nil {
		t.Fatalf("PollOnce() during Run = %v, want nil", err)
	}
	rec.wait(t, 2*time.Second)
	time.Sleep(100 * time.Millisecond)
	if got := rec.uids(); !slices.Equal(got, []uint32{1}) {
		t.Errorf("handled %v, want [1]", got)
	}
}

func TestStatusAfterAPass(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	srv.deliver("INBOX", "a", "x")
	fixed := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	w, err := NewWatcher(srv.config(), newMemCheckpoints(), newRecorder().handle, nil, func() time.Time { return fixed })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if s := w.Status(); s != (Status{}) {
		t.Errorf("Status() before connecting = %+v, want zero", s)
	}
	if _, err := w.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := Status{Connected: true, IdleSupported: true, Mode: ModeIdle, LastPoll: fixed, LastUID: 1}
	if s := w.Status(); s != want {
		t.Errorf("Status() = %+v, want %+v", s, want)
	}
}

// Status says since when the watcher has been retrying and when the last error happened; a good
// pass ends the retrying but keeps when the last error was; Mode says IDLE or polling.
func TestStatusRetryingSinceAndMode(t *testing.T) {
	srv := newTestServer(t, serverOptions{})
	clock := time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	good := srv.config()
	bad := good
	bad.Port, bad.Timeout = closedPort(t), time.Second
	w, err := NewWatcher(bad, newMemCheckpoints(), newRecorder().handle, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.disableIdle = true
	first := clock
	if _, err := w.PollOnce(ctx); err == nil {
		t.Fatal("PollOnce(closed port) = nil error")
	}
	clock = clock.Add(time.Minute)
	w.PollOnce(ctx)
	s := w.Status()
	if !s.RetryingSince.Equal(first) || !s.LastErrorAt.Equal(clock) || !strings.Contains(s.LastError, "cannot reach") || s.Connected {
		t.Errorf("Status() after two failures = %+v, want retrying since %v, last error at %v", s, first, clock)
	}
	w.cfg = good.withDefaults() // the server is back
	clock = clock.Add(time.Minute)
	if _, err := w.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	s = w.Status()
	if !s.RetryingSince.IsZero() || !s.LastErrorAt.Equal(first.Add(time.Minute)) || s.LastError != "" || !s.Connected || s.Mode != ModePolling {
		t.Errorf("Status() after a good pass = %+v, want connected, polling, not retrying, last error time kept", s)
	}
}
