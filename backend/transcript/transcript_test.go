package transcript_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/transcript"
)

// dstChat is a chat in New York that starts on Saturday evening and ends after the switch to
// daylight-saving time on Sunday 8 March 2026 (02:00 EST became 03:00 EDT).
func dstChat(t *testing.T, name, tz string) (*fixture, store.Conversation) {
	f := newFixture(t, "Acme", "Website chat", "Olive")
	f.clock.set(at("2026-03-08T04:30:00Z"))
	c := f.start(name, tz)
	f.customer(c, "Hi, my order <b>123</b>")
	f.clock.set(at("2026-03-08T05:10:00Z"))
	f.agentSays(c, "Hello Ada")
	f.clock.set(at("2026-03-08T07:30:00Z"))
	f.customer(c, "thanks\nbye")
	f.clock.set(at("2026-03-08T07:31:00Z"))
	f.end(c)
	return f, c
}

func TestLoad(t *testing.T) {
	f, c := dstChat(t, "Ada <script>", "America/New_York")
	got := f.load(c)
	want := transcript.Transcript{
		Organization: "Acme", Inbox: "Website chat", ConversationID: c.ID,
		StartedAt: at("2026-03-08T04:30:00Z"), EndedAt: at("2026-03-08T07:31:00Z"),
		Customer: "Ada <script>", TimeZone: "America/New_York",
		Messages: []transcript.Message{
			{Kind: transcript.Customer, Author: "Ada <script>", Body: "Hi, my order <b>123</b>", At: at("2026-03-08T04:30:00Z")},
			{Kind: transcript.Agent, Author: "Olive", Body: "Hello Ada", At: at("2026-03-08T05:10:00Z")},
			{Kind: transcript.Customer, Author: "Ada <script>", Body: "thanks\nbye", At: at("2026-03-08T07:30:00Z")},
			{Kind: transcript.System, Body: "The chat was ended by the agent.", At: at("2026-03-08T07:31:00Z")},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestLoadOtherOrganizationIsNotFound(t *testing.T) {
	f, c := dstChat(t, "Ada", "")
	other := store.Organization{ID: store.NewID(), Name: "Other", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := f.st.Write(ctx, func(tx *store.Tx) error { return tx.InsertOrganization(other) }); err != nil {
		t.Fatal(err)
	}
	for name, ids := range map[string][2]string{
		"other organization":   {other.ID, c.ID},
		"unknown conversation": {f.org.ID, store.NewID()},
	} {
		_, err := transcript.Load(ctx, f.st, ids[0], ids[1])
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: Load() error = %v, want store.ErrNotFound", name, err)
		}
	}
}

func TestLoadEmptyChat(t *testing.T) {
	f := newFixture(t, "Acme", "Website chat", "Olive")
	c := f.start("", "")
	got := f.load(c)
	if len(got.Messages) != 0 || got.Customer != "" || !got.EndedAt.IsZero() {
		t.Errorf("Load(empty open chat) = %+v, want no messages, no customer name, not ended", got)
	}
	if got.Messages == nil {
		t.Errorf("Load(empty chat).Messages = nil, want an empty slice (JSON [])")
	}
}

// The customer's name is the contact's only once the link is verified.
func TestLoadCustomerName(t *testing.T) {
	for _, tc := range []struct {
		link, visitor, contact, want string
	}{
		{store.LinkNone, "Ada", "", "Ada"},
		{store.LinkPreliminary, "Ada", "Ada Lovelace", "Ada"},
		{store.LinkVerified, "Ada", "Ada Lovelace", "Ada Lovelace"},
		{store.LinkVerified, "Ada", "", "Ada"},
		{store.LinkVerified, "", "Ada Lovelace", "Ada Lovelace"},
	} {
		f := newFixture(t, "Acme", "Website chat", "Olive")
		c := f.start(tc.visitor, "")
		f.customer(c, "hello")
		if tc.link != store.LinkNone {
			now := f.clock.now()
			ct := store.Contact{ID: store.NewID(), OrgID: f.org.ID, Name: tc.contact, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
			fd := store.Field{ID: store.NewID(), OrgID: f.org.ID, ContactID: ct.ID, Kind: store.FieldEmail,
				ValueNorm: "ada@example.com", ValueDisplay: "ada@example.com", CreatedAt: now}
			err := f.st.Write(ctx, func(tx *store.Tx) error {
				if err := tx.InsertContact(ct); err != nil {
					return err
				}
				if err := tx.InsertField(fd); err != nil {
					return err
				}
				return tx.SetLink(f.org.ID, c.ID, ct.ID, fd.ID, tc.link)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		got := f.load(c)
		if got.Customer != tc.want || got.Messages[0].Author != tc.want {
			t.Errorf("link %s, visitor %q, contact %q: Customer = %q, author %q; want %q",
				tc.link, tc.visitor, tc.contact, got.Customer, got.Messages[0].Author, tc.want)
		}
	}
}

// An agent's email is never read, so it can reach neither the HTML nor the text.
func TestAgentEmailNeverShown(t *testing.T) {
	f, c := dstChat(t, "Ada", "America/New_York")
	tr := f.load(c)
	html, err := transcript.HTML(tr)
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := transcript.Subject(tr)
	for what, out := range map[string]string{"Load": strings.Join(fields(tr), "\n"), "HTML": string(html),
		"Text": transcript.Text(tr), "Subject": subject} {
		if strings.Contains(out, agentEmail) || strings.Contains(out, "olive.private") {
			t.Errorf("%s output contains the agent's private email", what)
		}
		if what != "Subject" && !strings.Contains(out, "Olive") {
			t.Errorf("%s output lacks the agent's display name", what)
		}
	}
}

// fields lists every string a Transcript holds.
func fields(t transcript.Transcript) []string {
	out := []string{t.Organization, t.Inbox, t.ConversationID, t.Customer, t.TimeZone}
	for _, m := range t.Messages {
		out = append(out, string(m.Kind), m.Author, m.Body)
	}
	return out
}

func TestSubject(t *testing.T) {
	started := at("2026-03-08T04:30:00Z")
	for _, tc := range []struct {
		name, org, tz string
		want          string
		err           error
	}{
		{"plain", "Acme", "", "Your chat with Acme on Sunday, 8 March 2026", nil},
		{"customer's day", "Acme", "America/New_York", "Your chat with Acme on Saturday, 7 March 2026", nil},
		{"markup is text", "Acme <b>&</b>", "", "Your chat with Acme <b>&</b> on Sunday, 8 March 2026", nil},
		{"spaces folded", "  Acme   Outdoor ", "", "Your chat with Acme Outdoor on Sunday, 8 March 2026", nil},
		{"no organization", "", "", "Your chat transcript on Sunday, 8 March 2026", nil},
		{"long name clipped", strings.Repeat("x", 300), "", "Your chat with " + strings.Repeat("x", 99) + "… on Sunday, 8 March 2026", nil},
		{"CRLF", "Acme\r\nBcc: victim@example.com", "", "", transcript.ErrUnsafeHeader},
		{"LF", "Acme\nBcc: victim@example.com", "", "", transcript.ErrUnsafeHeader},
		{"CR", "Acme\rX-Evil: 1", "", "", transcript.ErrUnsafeHeader},
		{"NUL", "Acme\x00", "", "", transcript.ErrUnsafeHeader},
		{"tab", "Acme\tInc", "", "", transcript.ErrUnsafeHeader},
		{"C1 next line", "Acme\u0085Bcc: x@y.z", "", "", transcript.ErrUnsafeHeader},
		{"line separator", "Acme\u2028Bcc: x@y.z", "", "", transcript.ErrUnsafeHeader},
		{"invalid UTF-8", "Acme \xff", "", "", transcript.ErrUnsafeHeader},
	} {
		got, err := transcript.Subject(transcript.Transcript{Organization: tc.org, TimeZone: tc.tz, StartedAt: started})
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: Subject(%q) = %q, %v; want %q, %v", tc.name, tc.org, got, err, tc.want, tc.err)
		}
	}
}

// What the package renders is what the outbox accepts: the subject passes its header checks and
// the parts are queued as they are, even for a hostile chat.
func TestRenderedEmailIsQueued(t *testing.T) {
	f, c := dstChat(t, "עדה Ada <script>alert(1)</script>", "America/New_York")
	tr := f.load(c)
	subject, err := transcript.Subject(tr)
	if err != nil {
		t.Fatal(err)
	}
	html, err := transcript.HTML(tr)
	if err != nil {
		t.Fatal(err)
	}
	e := outbox.Email{OrgID: f.org.ID, Kind: outbox.KindTranscript, IdempotencyKey: "transcript:" + c.ID,
		FromName: tr.Organization, FromAddr: "support@acme.test", To: "ada@example.com",
		Subject: subject, Text: transcript.Text(tr), HTML: string(html), ConversationID: c.ID}
	var id string
	err = f.st.Write(ctx, func(tx *store.Tx) (err error) { id, err = outbox.Enqueue(tx, e, time.Now()); return err })
	if err != nil {
		t.Fatalf("Enqueue(transcript email): %v", err)
	}
	m, err := f.st.OutboxByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != subject || m.BodyHTML != string(html) || m.BodyText != e.Text {
		t.Errorf("queued email differs from the rendered one")
	}
}

func TestFileName(t *testing.T) {
	started := time.Date(2026, 3, 8, 23, 30, 0, 0, time.UTC)
	cases := []struct {
		t    transcript.Transcript
		want string
	}{
		{transcript.Transcript{ConversationID: "01a2022a-79c0-711e-bb09-2046e5f3fe53", StartedAt: started, TimeZone: "Asia/Tokyo"},
			"chat-transcript-2026-03-09-e5f3fe53.html"},
		{transcript.Transcript{ConversationID: "../../etc/passwd", StartedAt: started}, "chat-transcript-2026-03-08-ecad.html"},
		{transcript.Transcript{}, "chat-transcript-undated.html"},
	}
	for _, tc := range cases {
		if got := transcript.FileName(tc.t); got != tc.want {
			t.Errorf("FileName(%q, %s) = %q, want %q", tc.t.ConversationID, tc.t.TimeZone, got, tc.want)
		}
	}
}
