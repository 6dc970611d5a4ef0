package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

func TestTranscript(t *testing.T) {
	s := testutil.NewStore(t)
	t0 := time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC)
	o := store.Organization{ID: store.NewID(), Name: "Acme", CreatedAt: t0, UpdatedAt: t0}
	other := store.Organization{ID: store.NewID(), Name: "Other", CreatedAt: t0, UpdatedAt: t0}
	agent := store.User{ID: store.NewID(), OrgID: o.ID, Name: "Olive", Email: "olive.private@acme.test", Role: store.RoleAgent, CreatedAt: t0}
	in := store.Inbox{ID: store.NewID(), OrgID: o.ID, Kind: store.InboxChat, Name: "Website chat", CreatedAt: t0, UpdatedAt: t0}
	conv := store.Conversation{ID: store.NewID(), OrgID: o.ID, InboxID: in.ID, VisitorName: "Ada", CustomerTZ: "Europe/Berlin",
		StartedAt: t0, LastActivityAt: t0}
	second := conv
	second.ID = store.NewID()
	ct := store.Contact{ID: store.NewID(), OrgID: o.ID, Name: "Ada Lovelace", Status: store.ContactActive, CreatedAt: t0, UpdatedAt: t0}
	fd := store.Field{ID: store.NewID(), OrgID: o.ID, ContactID: ct.ID, Kind: store.FieldEmail, ValueNorm: "ada@example.com",
		ValueDisplay: "ada@example.com", CreatedAt: t0}
	msg := func(c store.Conversation, kind, user, body string, at time.Time) store.Message {
		return store.Message{ID: store.NewID(), OrgID: o.ID, ConversationID: c.ID, SenderKind: kind, SenderUserID: user, Body: body, CreatedAt: at}
	}
	// Written out of order: a transcript follows the times, then the ids (same millisecond).
	written := []store.Message{
		msg(conv, store.SenderAgent, agent.ID, "second", t0.Add(time.Minute)),
		msg(conv, store.SenderCustomer, "", "first", t0),
		msg(second, store.SenderCustomer, "", "another chat", t0),
		msg(conv, store.SenderSystem, "", "third", t0.Add(2*time.Minute)),
		msg(conv, store.SenderCustomer, "", "fourth", t0.Add(2*time.Minute)),
	}
	err := s.Write(ctx, func(tx *store.Tx) error {
		for _, step := range []error{tx.InsertOrganization(o), tx.InsertOrganization(other), tx.InsertUser(agent),
			tx.InsertInbox(in), tx.InsertChat(conv, nil), tx.InsertChat(second, nil), tx.InsertContact(ct), tx.InsertField(fd),
			tx.SetLink(o.ID, conv.ID, ct.ID, fd.ID, store.LinkVerified)} {
			if step != nil {
				return step
			}
		}
		for _, m := range written {
			if _, _, err := tx.AddMessage(m); err != nil {
				return err
			}
		}
		_, err := tx.EndConversation(o.ID, conv.ID, "agent", t0.Add(3*time.Minute))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	head, lines, err := s.Transcript(ctx, o.ID, conv.ID)
	if err != nil {
		t.Fatalf("Transcript() error = %v", err)
	}
	if head.ID != conv.ID || head.OrgName != "Acme" || head.InboxName != "Website chat" || head.ContactName != "Ada Lovelace" ||
		head.MessageCount != 4 || head.CustomerTZ != "Europe/Berlin" || head.VisitorName != "Ada" ||
		head.LinkState != store.LinkVerified || !head.EndedAt.Equal(t0.Add(3*time.Minute)) || !head.StartedAt.Equal(t0) {
		t.Errorf("Transcript() head = %+v", head)
	}
	want := []store.TranscriptLine{
		{SenderKind: store.SenderCustomer, Body: "first", CreatedAt: t0},
		{SenderKind: store.SenderAgent, AuthorName: "Olive", Body: "second", CreatedAt: t0.Add(time.Minute)},
		{SenderKind: store.SenderSystem, Body: "third", CreatedAt: t0.Add(2 * time.Minute)},
		{SenderKind: store.SenderCustomer, Body: "fourth", CreatedAt: t0.Add(2 * time.Minute)},
	}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("Transcript() lines = %+v\nwant %+v", lines, want)
	}

	for name, ids := range map[string][2]string{
		"other organization":   {other.ID, conv.ID},
		"unknown conversation": {o.ID, store.NewID()},
	} {
		if _, _, err := s.Transcript(ctx, ids[0], ids[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: Transcript() error = %v, want ErrNotFound", name, err)
		}
	}
}
