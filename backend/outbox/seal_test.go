package outbox_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/token"
)

const testCode = "482913"

// codeEmail is a code email bound to a fresh challenge that works for ten minutes.
func codeEmail(t *testing.T, st *store.Store, orgID string) outbox.Email {
	t.Helper()
	now := time.Now()
	_, hash := token.NewLink() // unique per challenge; these tests never check a code
	ch := store.Challenge{ID: store.NewID(), OrgID: orgID, Purpose: store.PurposeChatCode, SecretHash: hash,
		TargetKind: store.FieldEmail, TargetValue: "ada@example.com", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertChallenge(ch) }); err != nil {
		t.Fatal(err)
	}
	return outbox.Email{OrgID: orgID, Kind: outbox.KindChatCode, IdempotencyKey: "chat_code:" + ch.ID,
		FromName: "Acme", FromAddr: "support@acme.test", To: "ada@example.com",
		Subject: "Your verification code for Acme", Text: "Your code:\n\n    " + testCode + "\n",
		HTML: "<p>Your code:</p><p>" + testCode + "</p>", Secrets: []string{testCode}, ChallengeID: ch.ID}
}

func TestSealedEmailKeepsTheCodeOnlySealed(t *testing.T) {
	st, orgID := setup(t)
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	id := enqueue(t, st, codeEmail(t, st, orgID))
	m, err := st.OutboxByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for part, s := range map[string]string{"subject": m.Subject, "text": m.BodyText, "HTML": m.BodyHTML} {
		if strings.Contains(s, testCode) {
			t.Errorf("the stored %s carries the code: %q", part, s)
		}
	}
	if !strings.Contains(m.BodyText, "    "+outbox.Hidden+"\n") || len(m.Sealed) == 0 {
		t.Errorf("stored text %q, sealed %d bytes; want the code hidden and a sealed copy", m.BodyText, len(m.Sealed))
	}
	w := outbox.NewWorker(st, plainSMTP(srv.Addr), nil, nil)
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("DeliverDue() = %d, %v; want 1, nil", n, err)
	}
	if got := srv.Received(); len(got) != 1 || !strings.Contains(string(got[0].Data), "    "+testCode) {
		t.Fatalf("received %d messages, want 1 carrying the code", len(got))
	}
	if m, _ := st.OutboxByID(ctx, id); m.Status != store.OutboxSent || m.Sealed != nil {
		t.Errorf("after sending: %s with %d sealed bytes; want sent, sealed copy wiped", m.Status, len(m.Sealed))
	}
}

// A keyring that was reset (or a vouchd started with another VOUCHD_OUTBOX_KEY) cannot open what
// was sealed before: the email fails for good with a reason, and the rest goes on.
func TestUnreadableSealedEmailFailsWithAReason(t *testing.T) {
	st, orgID := setup(t)
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	id := enqueue(t, st, codeEmail(t, st, orgID))
	other := enqueue(t, st, email(orgID, 1))
	sl, err := secrets.NewSealer(secrets.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	st.SetSealer(sl)
	w := outbox.NewWorker(st, plainSMTP(srv.Addr), nil, nil)
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("DeliverDue() = %d, %v; want 1 (the transcript), nil", n, err)
	}
	m, _ := st.OutboxByID(ctx, id)
	if m.Status != store.OutboxFailed || m.LastError != outbox.ReasonUnreadable || m.Sealed != nil {
		t.Errorf("unreadable email = %s, %q, %d sealed bytes; want failed, %q, wiped", m.Status, m.LastError, len(m.Sealed), outbox.ReasonUnreadable)
	}
	if o, _ := st.OutboxByID(ctx, other); o.Status != store.OutboxSent {
		t.Errorf("the other email = %s, want sent", o.Status)
	}
	if got := srv.Received(); len(got) != 1 || strings.Contains(string(got[0].Data), outbox.Hidden) {
		t.Errorf("received %d messages; want only the transcript, and never a redacted copy", len(got))
	}
}

func TestEnqueueRefusesSecretsInTheOpen(t *testing.T) {
	st, orgID := setup(t)
	for name, tc := range map[string]struct {
		mutate func(*outbox.Email)
		want   error
	}{
		"code in the subject":       {func(e *outbox.Email) { e.Subject = "Your code: " + testCode }, outbox.ErrInvalid},
		"secrets without challenge": {func(e *outbox.Email) { e.ChallengeID = "" }, outbox.ErrInvalid},
		"challenge without secrets": {func(e *outbox.Email) { e.Secrets = nil }, outbox.ErrInvalid},
		"secret not in the text":    {func(e *outbox.Email) { e.Text = "no code here" }, outbox.ErrInvalid},
		"too short to hide":         {func(e *outbox.Email) { e.Secrets = []string{"12"} }, outbox.ErrInvalid},
	} {
		e := codeEmail(t, st, orgID)
		tc.mutate(&e)
		err := st.Write(ctx, func(tx *store.Tx) error { _, err := outbox.Enqueue(tx, e, time.Now()); return err })
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Enqueue error = %v, want %v", name, err, tc.want)
		}
	}
	st.SetSealer(nil)
	e := codeEmail(t, st, orgID)
	err := st.Write(ctx, func(tx *store.Tx) error { _, err := outbox.Enqueue(tx, e, time.Now()); return err })
	if !errors.Is(err, outbox.ErrNoSealer) {
		t.Errorf("Enqueue without a sealer = %v, want ErrNoSealer", err)
	}
	if counts, _ := st.OutboxCounts(ctx, orgID); len(counts) != 0 {
		t.Errorf("refused emails left rows: %v", counts)
	}
}
