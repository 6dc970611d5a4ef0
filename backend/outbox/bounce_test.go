package outbox_test

import (
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// sentEmail queues e and records it as accepted by the relay at sentAt.
func sentEmail(t *testing.T, st *store.Store, e outbox.Email, sentAt time.Time) store.OutboxMessage {
	t.Helper()
	id := enqueue(t, st, e)
	if err := st.MarkOutboxSent(ctx, id, sentAt); err != nil {
		t.Fatal(err)
	}
	m, err := st.OutboxByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func record(t *testing.T, st *store.Store, b outbox.Bounce) outbox.BounceResult {
	t.Helper()
	res, err := outbox.RecordBounce(ctx, st, b)
	if err != nil {
		t.Fatalf("RecordBounce(%+v): %v", b, err)
	}
	return res
}

func TestRecordBounceOfACodeEmailTellsTheConversation(t *testing.T) {
	st, orgID := setup(t)
	chats := chat.New(st, time.Now, chat.NewHub())
	inbox, _, err := chats.FirstChatInbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := chats.Start(ctx, orgID, chat.StartInput{InboxID: inbox.ID, Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	e := codeEmail(t, st, orgID)
	e.ConversationID = sess.Conversation.ID
	now := time.Now()
	m := sentEmail(t, st, e, now.Add(-time.Minute))

	b := outbox.Bounce{OrgID: orgID, MessageID: strings.Trim(m.MessageID, "<>"), Recipient: "ada@example.com",
		Kind: store.BounceHard, Reason: "mailbox unknown (5.1.1)", At: now}
	res := record(t, st, b)
	if res.OutboxID != m.ID || !res.Changed || res.Note == nil {
		t.Fatalf("RecordBounce(hard, by Message-ID) = %+v, want the email %s changed with a note", res, m.ID)
	}
	got, _ := st.OutboxByID(ctx, m.ID)
	if got.Status != store.OutboxBounced || got.BounceKind != store.BounceHard ||
		got.BounceReason != "mailbox unknown (5.1.1)" || got.BouncedAt.UnixMilli() != now.UnixMilli() {
		t.Errorf("after the bounce the email is %s/%s %q at %v, want bounced/hard %q at %v",
			got.Status, got.BounceKind, got.BounceReason, got.BouncedAt, "mailbox unknown (5.1.1)", now)
	}
	msgs, err := chats.Messages(ctx, sess.Conversation, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, msg := range msgs {
		if msg.SenderKind == store.SenderSystem {
			notes = append(notes, msg.Body)
		}
	}
	want := "The email with the verification code to ada@example.com bounced: mailbox unknown (5.1.1). " +
		"The customer did not get it; ask for another address."
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("system notes = %q, want [%q]", notes, want)
	}

	// The same report read again (the watcher offers a message again after a failed pass)
	// changes nothing and adds no second note.
	if res := record(t, st, b); res.OutboxID != m.ID || res.Changed || res.Note != nil {
		t.Errorf("RecordBounce(same report again) = %+v, want matched, unchanged, no note", res)
	}
	if last, ok, err := st.LastBounceTo(ctx, orgID, "ADA@example.com"); err != nil || !ok ||
		last.Reason != "mailbox unknown (5.1.1)" || last.Kind != store.BounceHard {
		t.Errorf("LastBounceTo(ADA@example.com) = %+v, %v, %v; want the hard bounce", last, ok, err)
	}
}

func TestRecordBounceWithoutMessageIDMatchesTheNewestEmailToTheRecipient(t *testing.T) {
	st, orgID := setup(t)
	now := time.Now()
	e := email(orgID, 1)
	old := sentEmail(t, st, e, now.Add(-8*24*time.Hour)) // outside the week a relay keeps trying
	e.IdempotencyKey = "test:1b"
	older := sentEmail(t, st, e, now.Add(-2*time.Hour))
	e.IdempotencyKey = "test:1c"
	newest := sentEmail(t, st, e, now.Add(-time.Hour))
	e.IdempotencyKey = "test:1d"
	queued := enqueue(t, st, e) // not sent yet: cannot be what bounced

	res := record(t, st, outbox.Bounce{OrgID: orgID, MessageID: "not-ours@elsewhere.example",
		Recipient: "Customer1@Example.com", Kind: store.BounceSoft, Reason: "mailbox full (5.2.2)", At: now})
	if res.OutboxID != newest.ID || !res.Changed || res.Note != nil {
		t.Fatalf("RecordBounce(by recipient) = %+v, want the newest sent email %s changed, no note (a transcript)", res, newest.ID)
	}
	for id, want := range map[string]string{old.ID: store.OutboxSent, older.ID: store.OutboxSent,
		newest.ID: store.OutboxBounced, queued: store.OutboxQueued} {
		if m, _ := st.OutboxByID(ctx, id); m.Status != want {
			t.Errorf("email %s is %s, want %s", id, m.Status, want)
		}
	}

	// A report about an address we never wrote to matches nothing.
	if res := record(t, st, outbox.Bounce{OrgID: orgID, Recipient: "stranger@example.com",
		Kind: store.BounceHard, Reason: "mailbox unknown (5.1.1)", At: now}); res.OutboxID != "" {
		t.Errorf("RecordBounce(unknown recipient) = %+v, want no match", res)
	}
	// Another organization's report never touches this one's email.
	if res := record(t, st, outbox.Bounce{OrgID: "other-org", MessageID: strings.Trim(older.MessageID, "<>"),
		Recipient: older.ToAddr, Kind: store.BounceHard, Reason: "mailbox unknown (5.1.1)", At: now}); res.OutboxID != "" {
		t.Errorf("RecordBounce(other organization) = %+v, want no match", res)
	}
}

func TestRecordBounceDelayIsAWarningUntilTheFinalReport(t *testing.T) {
	st, orgID := setup(t)
	now := time.Now()
	m := sentEmail(t, st, email(orgID, 2), now.Add(-5*time.Hour))
	id := strings.Trim(m.MessageID, "<>")
	steps := []struct {
		kind, reason            string
		changed                 bool
		status, bounce, showing string
	}{
		{store.BounceDelayed, "delayed: network or routing problem (4.4.1)", true, store.OutboxSent, store.BounceDelayed,
			"delayed: network or routing problem (4.4.1)"},
		{store.BounceHard, "mailbox unknown (5.1.1)", true, store.OutboxBounced, store.BounceHard, "mailbox unknown (5.1.1)"},
		// A late delay warning never overwrites the final report.
		{store.BounceDelayed, "delayed: delivery timed out (4.4.7)", false, store.OutboxBounced, store.BounceHard,
			"mailbox unknown (5.1.1)"},
	}
	for i, s := range steps {
		res := record(t, st, outbox.Bounce{OrgID: orgID, MessageID: id, Kind: s.kind, Reason: s.reason, At: now})
		got, _ := st.OutboxByID(ctx, m.ID)
		if res.Changed != s.changed || got.Status != s.status || got.BounceKind != s.bounce || got.BounceReason != s.showing {
			t.Errorf("step %d RecordBounce(%s) changed %v, email %s/%s %q; want %v, %s/%s %q", i, s.kind,
				res.Changed, got.Status, got.BounceKind, got.BounceReason, s.changed, s.status, s.bounce, s.showing)
		}
	}
}

func TestRecordBounceLeavesUnsentEmailAlone(t *testing.T) {
	st, orgID := setup(t)
	id := enqueue(t, st, email(orgID, 3))
	m, _ := st.OutboxByID(ctx, id)
	res := record(t, st, outbox.Bounce{OrgID: orgID, MessageID: strings.Trim(m.MessageID, "<>"),
		Kind: store.BounceHard, Reason: "mailbox unknown (5.1.1)", At: time.Now()})
	if got, _ := st.OutboxByID(ctx, id); res.Changed || got.Status != store.OutboxQueued {
		t.Errorf("RecordBounce(queued email) changed %v, status %s; want unchanged, queued", res.Changed, got.Status)
	}
}

// The relay accepted the email and its bounce was read back before the worker recorded it as
// sent: the email counts as sent and bounced, and recording the send afterwards keeps the bounce.
func TestBounceReadBeforeTheSendIsRecordedStays(t *testing.T) {
	st, orgID := setup(t)
	id := enqueue(t, st, email(orgID, 4))
	now := time.Now()
	claimed, err := st.ClaimDueOutbox(ctx, now, 10)
	if err != nil || len(claimed) != 1 || claimed[0].Status != store.OutboxSending {
		t.Fatalf("ClaimDueOutbox() = %d rows, %v; want the email sending", len(claimed), err)
	}
	res := record(t, st, outbox.Bounce{OrgID: orgID, MessageID: strings.Trim(claimed[0].MessageID, "<>"),
		Kind: store.BounceHard, Reason: "mailbox unknown (5.1.1)", At: now})
	if !res.Changed {
		t.Fatalf("RecordBounce(sending email) = %+v, want changed", res)
	}
	if err := st.MarkOutboxSent(ctx, id, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if m, _ := st.OutboxByID(ctx, id); m.Status != store.OutboxBounced || m.SentAt.IsZero() {
		t.Errorf("after MarkOutboxSent the email is %s (sent at %v), want bounced with a send time", m.Status, m.SentAt)
	}
}
