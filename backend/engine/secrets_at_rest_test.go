package engine_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
)

var linkTokenRE = regexp.MustCompile(`/(?:verify/email|confirm|verify/sender)/([A-Za-z0-9_-]{43})`)

// waitOutbox waits until n of the organization's emails of the given kinds have the status, and
// returns those, newest first.
func waitOutbox(t *testing.T, st *store.Store, orgID string, n int, status string, kinds ...string) []store.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, err := st.OutboxLog(context.Background(), orgID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []store.OutboxMessage
		for _, m := range log {
			for _, k := range kinds {
				if m.Kind == k && m.Status == status {
					got = append(got, m)
				}
			}
		}
		if len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox: want %d emails %s, have %+v", n, status, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readFiles returns the bytes of each file that exists, by name.
func readFiles(t *testing.T, paths ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// TestSecretsAtRestNotInTheFiles queues every kind of email that carries a code or link (the
// double opt-in confirmation, a chat code, a chat link, a sign-in code, a sender verification)
// through the real engine paths while the relay refuses them, then reads the raw bytes of the
// database, its WAL and a backup: no code and no link token is in any of them, though the
// recipients and the redacted bodies are. Once the relay accepts, the customer receives the real
// code and link, they work, and the sealed copies are gone.
func TestSecretsAtRestNotInTheFiles(t *testing.T) {
	testutil.SkipOnPostgres(t, "reads the SQLite file, its WAL and a backup file byte by byte (the sealing happens before any SQL, the same for both databases)")
	key := secrets.NewKey()
	s := newSigninEnv(t, signinOptions{email: true, sealKey: key})
	ctx := context.Background()
	orgID := s.ws.Organization.ID
	kinds := []string{outbox.KindDoubleOptIn, outbox.KindChatCode, outbox.KindChatLink, outbox.KindSigninCode, outbox.KindSenderVerify}
	s.smtp.Refuse(451, 451, 451, 451, 451) // one temporary refusal each: all five wait, sealed

	plain := s.addPlainInbox()
	chat := s.session(map[string]any{"inbox": plain, "name": "Ada", "email": "ada@example.com"}) // queues the opt-in
	conv := chat.str("conversation")
	if err := s.e.Verify().SendCode(ctx, s.ws.Me, conv); err != nil {
		t.Fatal(err)
	}
	if err := s.e.Verify().SendLink(ctx, s.ws.Me, conv); err != nil {
		t.Fatal(err)
	}
	handle := s.mustAskCode("bea@example.com", "")
	if _, err := s.e.Senders().Set(ctx, s.ws.Me, s.ws.Organization, "help@acme.test"); err != nil {
		t.Fatal(err)
	}
	queued := waitOutbox(t, s.e.Store(), orgID, 5, store.OutboxRetrying, kinds...)
	for _, m := range waitOutbox(t, s.e.Store(), orgID, 1, store.OutboxSent, outbox.KindSenderVerify) { // newEnv's
		if m.Sealed != nil {
			t.Errorf("the sent sender link keeps a sealed copy")
		}
	}

	// The secrets, read the only way there is: opening the sealed copies with the key.
	sl, err := secrets.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	type needle struct {
		kind string
		b    []byte
	}
	var needles []needle
	for _, m := range queued {
		sent, reason := outbox.Reveal(sl, m)
		if reason != "" {
			t.Fatalf("Reveal(%s) = %q", m.Kind, reason)
		}
		if m.Sealed == nil || m.ChallengeID == "" {
			t.Errorf("%s: sealed %d bytes, challenge %q; want both", m.Kind, len(m.Sealed), m.ChallengeID)
		}
		if !strings.Contains(m.BodyText, outbox.Hidden) {
			t.Errorf("%s: the stored body does not say what was hidden:\n%s", m.Kind, m.BodyText)
		}
		if tok := linkTokenRE.FindStringSubmatch(sent.BodyText); tok != nil {
			needles = append(needles, needle{m.Kind, []byte(tok[1])})
		} else if code := sixDigits.FindString(sent.BodyText); code != "" {
			// The forms a code takes in the bodies and the old subjects; a bare six digits could
			// turn up in any binary file by chance.
			for _, form := range []string{code + "\n", ">" + code + "<", ": " + code} {
				needles = append(needles, needle{m.Kind, []byte(form)})
			}
		} else {
			t.Fatalf("%s: no code or link in the sealed body:\n%s", m.Kind, sent.BodyText)
		}
	}
	if len(needles) != 3*2+3 {
		t.Fatalf("secrets found = %d needles, want 2 codes (3 forms each) and 3 link tokens", len(needles))
	}

	backup := filepath.Join(t.TempDir(), "copy.vdbackup")
	if _, err := s.e.Store().Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	files := readFiles(t, s.path, s.path+"-wal", backup)
	all := bytes.Join([][]byte{files[filepath.Base(s.path)], files[filepath.Base(s.path)+"-wal"]}, nil)
	// The files are readable text where it matters: what the log shows is there.
	for _, want := range []string{"bea@example.com", "ada@example.com", outbox.Hidden} {
		if !bytes.Contains(all, []byte(want)) || !bytes.Contains(files["copy.vdbackup"], []byte(want)) {
			t.Fatalf("%q is not in the database files or the backup: the test reads the wrong bytes", want)
		}
	}
	for name, b := range files {
		for _, n := range needles {
			if bytes.Contains(b, n.b) {
				// The secret itself stays out of the test's output.
				t.Errorf("%s holds the code or link token of the %s email in plain text", name, n.kind)
			}
		}
	}

	// The relay accepts again: the real code and link go out, and work.
	s.clk.Advance(time.Minute)
	s.e.Outbox().Wake()
	var link, signin string
	for _, m := range queued {
		text := s.deliveredText(m)
		switch m.Kind {
		case outbox.KindChatLink:
			link = linkRE.FindString(text)
		case outbox.KindSigninCode:
			signin = sixDigits.FindString(text)
		}
	}
	if r := s.typeCode(handle, signin, ""); r.status != 201 {
		t.Errorf("the delivered sign-in code = %d %s, want 201", r.status, r.raw)
	}
	if resp, err := http.PostForm(strings.TrimRight(link, "."), url.Values{}); err != nil || resp.StatusCode != 200 {
		t.Errorf("POST the delivered link = %v %v, want 200", resp, err)
	}
	if p := s.panel(conv); p.Verification.Method != store.MethodEmailLink {
		t.Errorf("after the link: panel %+v, want verified by the link", p)
	}
	for _, m := range waitOutbox(t, s.e.Store(), orgID, 6, store.OutboxSent, kinds...) {
		if m.Sealed != nil {
			t.Errorf("%s: the sealed copy is kept after sending", m.Kind)
		}
	}
}

// TestSecretsAtRestEndWithTheirChallenge: a queued code that a newer one replaces, and a queued
// link that expires, are never sent: their sealed copies are wiped and the Delivery log says why.
func TestSecretsAtRestEndWithTheirChallenge(t *testing.T) {
	f := newFaultEnv(t, false)
	ctx := context.Background()
	orgID := f.ws.Organization.ID
	conv := f.mustSession(map[string]any{"name": "Bo", "email": "bo@example.com"}).str("conversation")

	f.smtp.Refuse(451)
	if err := f.e.Verify().SendCode(ctx, f.ws.Me, conv); err != nil {
		t.Fatal(err)
	}
	first := waitOutbox(t, f.e.Store(), orgID, 1, store.OutboxRetrying, outbox.KindChatCode)[0]
	if err := f.e.Verify().SendCode(ctx, f.ws.Me, conv); err != nil { // replaces the first code
		t.Fatal(err)
	}
	got, err := f.e.Store().OutboxByID(ctx, first.ID)
	if err != nil || got.Status != store.OutboxFailed || got.Sealed != nil || !strings.Contains(got.LastError, "used or replaced") {
		t.Errorf("the replaced code's email = %s, sealed %d bytes, %q, %v; want failed, wiped, saying why",
			got.Status, len(got.Sealed), got.LastError, err)
	}
	second := waitOutbox(t, f.e.Store(), orgID, 1, store.OutboxSent, outbox.KindChatCode)[0]
	if code := sixDigits.FindString(f.deliveredText(second)); code == "" {
		t.Errorf("the replacing code's email carries no code")
	}

	f.smtp.Refuse(451)
	if err := f.e.Verify().SendLink(ctx, f.ws.Me, conv); err != nil {
		t.Fatal(err)
	}
	link := waitOutbox(t, f.e.Store(), orgID, 1, store.OutboxRetrying, outbox.KindChatLink)[0]
	f.clk.Advance(verify.LinkLife + time.Minute)
	f.e.Outbox().Wake()
	link = waitOutbox(t, f.e.Store(), orgID, 1, store.OutboxFailed, outbox.KindChatLink)[0]
	if link.Sealed != nil || link.LastError != store.OutboxChallengeEnded {
		t.Errorf("the expired link's email: sealed %d bytes, %q; want wiped, %q", len(link.Sealed), link.LastError, store.OutboxChallengeEnded)
	}
	for _, r := range f.smtp.Received() {
		if id := r.Msg.Header.Get("Message-Id"); id == first.MessageID || id == link.MessageID {
			t.Errorf("a replaced or expired code or link was sent (%s)", id)
		}
	}
}
