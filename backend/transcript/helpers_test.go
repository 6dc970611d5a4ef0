package transcript_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/transcript"
)

var ctx = context.Background()

// agentEmail is an agent's private address: it must never appear in a transcript.
const agentEmail = "olive.private@acme.test"

// clock is a fake clock the chat service reads; tests move it.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) set(t time.Time)         { c.t = t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func at(s string) time.Time              { t, _ := time.Parse(time.RFC3339, s); return t }

// fixture is an organization with one agent and a chat inbox, on a fresh database file, written
// through the store's and the chat service's own APIs.
type fixture struct {
	t     testing.TB
	st    *store.Store
	clock *clock
	chat  *chat.Service
	org   store.Organization
	inbox store.Inbox
	agent store.User
}

func newFixture(t testing.TB, orgName, inboxName, agentName string) *fixture {
	t.Helper()
	st := testutil.NewStore(t)
	c := &clock{t: at("2026-03-07T20:00:00Z")}
	now := c.now()
	f := &fixture{t: t, st: st, clock: c, chat: chat.New(st, c.now, chat.NewHub())}
	f.org = store.Organization{ID: store.NewID(), Name: orgName, CreatedAt: now, UpdatedAt: now}
	f.agent = store.User{ID: store.NewID(), OrgID: f.org.ID, Name: agentName, Email: agentEmail, Role: store.RoleAgent, CreatedAt: now}
	f.inbox = store.Inbox{ID: store.NewID(), OrgID: f.org.ID, Kind: store.InboxChat, Name: inboxName, CreatedAt: now, UpdatedAt: now}
	err := st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertOrganization(f.org); err != nil {
			return err
		}
		if err := tx.InsertUser(f.agent); err != nil {
			return err
		}
		return tx.InsertInbox(f.inbox)
	})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	return f
}

// start opens a chat as the widget does.
func (f *fixture) start(name, tz string) store.Conversation {
	f.t.Helper()
	s, err := f.chat.Start(ctx, f.org.ID, chat.StartInput{InboxID: f.inbox.ID, Name: name, Timezone: tz})
	if err != nil {
		f.t.Fatalf("Start(%q, %q): %v", name, tz, err)
	}
	return s.Conversation
}

var msgSeq int

func (f *fixture) customer(c store.Conversation, body string) {
	f.t.Helper()
	msgSeq++
	if _, _, err := f.chat.CustomerSays(ctx, c, fmt.Sprint("m", msgSeq), body); err != nil {
		f.t.Fatalf("CustomerSays(%q): %v", body, err)
	}
}

func (f *fixture) agentSays(c store.Conversation, body string) {
	f.t.Helper()
	if _, err := f.chat.AgentSays(ctx, f.agent, c.ID, body); err != nil {
		f.t.Fatalf("AgentSays(%q): %v", body, err)
	}
}

func (f *fixture) end(c store.Conversation) {
	f.t.Helper()
	if err := f.chat.End(ctx, f.org.ID, c.ID, store.AgentActor(f.agent.ID)); err != nil {
		f.t.Fatalf("End: %v", err)
	}
}

func (f *fixture) load(c store.Conversation) transcript.Transcript {
	f.t.Helper()
	tr, err := transcript.Load(ctx, f.st, f.org.ID, c.ID)
	if err != nil {
		f.t.Fatalf("Load(%s): %v", c.ID, err)
	}
	return tr
}

// words is the vocabulary of generated chats.
var words = strings.Fields(`hello thanks order invoice account password shipping delivery refund
	please could you check the status of my package it arrived damaged yesterday and I would like
	a replacement or return label we are sorry about that let me look into this for you one moment
	your tracking number shows delivered on Monday can you confirm the address street apartment`)

// generated returns a realistic chat of n messages: customer and two agents taking turns, a
// system note now and then, bodies of 3 to 60 words (a tenth on several lines, some with a long
// link or characters HTML must escape), 5 to 90 seconds apart from an evening in New York past
// midnight, so the day changes.
func generated(n int) transcript.Transcript {
	r := rand.New(rand.NewPCG(1, 2))
	t := transcript.Transcript{Organization: "Acme Outdoor Supplies", Inbox: "Website chat",
		ConversationID: "01960000-0000-7000-8000-000000000001", Customer: "Ada Lovelace",
		TimeZone: "America/New_York", StartedAt: at("2026-03-08T02:00:00Z"), Messages: make([]transcript.Message, n)}
	now := t.StartedAt
	agents := []string{"Olive Ortega", "Sam Lee"}
	for i := range t.Messages {
		now = now.Add(time.Duration(5+r.IntN(86)) * time.Second)
		m := transcript.Message{At: now}
		switch {
		case i%97 == 96:
			m.Kind, m.Body = transcript.System, "The customer verified their email by one-time code."
		case r.IntN(2) == 0:
			m.Kind, m.Author = transcript.Customer, t.Customer
		default:
			m.Kind, m.Author = transcript.Agent, agents[i/250%2]
		}
		if m.Body == "" {
			var b strings.Builder
			for w := 3 + r.IntN(58); w > 0; w-- {
				b.WriteString(words[r.IntN(len(words))])
				switch r.IntN(40) {
				case 0:
					b.WriteString("\n")
				case 1:
					b.WriteString(" <b>&</b> ")
				case 2:
					b.WriteString(" https://example.com/orders/2026/03/0123456789abcdef?ref=chat&utm=transcript ")
				default:
					b.WriteString(" ")
				}
			}
			m.Body = strings.TrimSpace(b.String())
		}
		t.Messages[i] = m
	}
	t.EndedAt = now
	return t
}

// storeGenerated writes a generated chat into the fixture's database in one transaction through
// the store's message API and returns the conversation.
func (f *fixture) storeGenerated(n int) store.Conversation {
	f.t.Helper()
	g := generated(n)
	f.clock.set(g.StartedAt)
	c := f.start(g.Customer, g.TimeZone)
	var sam store.User
	err := f.st.Write(ctx, func(tx *store.Tx) error {
		sam = store.User{ID: store.NewID(), OrgID: f.org.ID, Name: "Sam Lee", Email: "sam.private@acme.test", Role: store.RoleAgent, CreatedAt: g.StartedAt}
		if err := tx.InsertUser(sam); err != nil {
			return err
		}
		for _, m := range g.Messages {
			sm := store.Message{ID: store.NewID(), OrgID: f.org.ID, ConversationID: c.ID, SenderKind: string(m.Kind), Body: m.Body, CreatedAt: m.At}
			if m.Kind == transcript.Agent {
				sm.SenderUserID = f.agent.ID
				if m.Author == "Sam Lee" {
					sm.SenderUserID = sam.ID
				}
			}
			if _, _, err := tx.AddMessage(sm); err != nil {
				return err
			}
		}
		_, err := tx.EndConversation(f.org.ID, c.ID, "agent", g.EndedAt)
		return err
	})
	if err != nil {
		f.t.Fatalf("storeGenerated: %v", err)
	}
	return c
}
