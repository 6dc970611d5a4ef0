package services

import (
	"context"

	"vouchdesk/backend/backup"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/conversations"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/mailbox"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/senders"
	"vouchdesk/backend/transcript"
)

// The use cases the services call, as narrow interfaces of the domain packages: on a solo desk
// the engine's services implement them (app.go wires them); a team client will implement the
// same ones over the agents' API and a local replica. No service reaches past these into the
// store or the engine, so the UI never knows which implementation it talks to.

// Organizations is the organization, its settings and its inboxes (org.Service).
type Organizations interface {
	Current(ctx context.Context) (org.Workspace, error)
	Setup(ctx context.Context, in org.SetupInput) (org.Workspace, error)
	Summarize(ctx context.Context, o org.Organization) (org.Summary, error)
	Inboxes(ctx context.Context, actor org.Agent) ([]org.Inbox, error)
	Inbox(ctx context.Context, actor org.Agent, inboxID string) (org.Inbox, error)
	SetRegulatory(ctx context.Context, actor org.Agent, doubleOptIn bool, consentText string) (org.Organization, error)
	SetGoogleClientID(ctx context.Context, actor org.Agent, raw string) (org.Organization, error)
	SetCountry(ctx context.Context, actor org.Agent, code string) (org.Organization, error)
	SetInboxToggle(ctx context.Context, actor org.Agent, inboxID, toggle string, on bool) (org.Inbox, error)
	SetInboxIdleEnd(ctx context.Context, actor org.Agent, inboxID string, minutes int) (org.Inbox, error)
}

// ConversationViews is what an agent sees of conversations (conversations.Service).
type ConversationViews interface {
	List(ctx context.Context, agent org.Agent, filter string) ([]conversations.ConversationSummary, error)
	Open(ctx context.Context, agent org.Agent, id string) (conversations.ConversationDetail, error)
	Earlier(ctx context.Context, agent org.Agent, id, beforeID string) (conversations.MessagePage, error)
	Panel(ctx context.Context, agent org.Agent, id string) (conversations.ContactPanel, error)
}

// Chats are the agent's actions in a chat (chat.Service).
type Chats interface {
	MarkRead(ctx context.Context, orgID, conversationID string) error
	AgentSays(ctx context.Context, agent org.Agent, conversationID, body string) (chat.Message, error)
	AgentEnds(ctx context.Context, agent org.Agent, conversationID string) error
	RequestEmail(ctx context.Context, agent org.Agent, conversationID string) error
}

// Verification is how an agent verifies the person in a chat (verify.Service).
type Verification interface {
	AgentGivesEmail(ctx context.Context, agent org.Agent, conversationID, raw string) error
	SendCode(ctx context.Context, agent org.Agent, conversationID string) error
	SendLink(ctx context.Context, agent org.Agent, conversationID string) error
	MarkVerified(ctx context.Context, agent org.Agent, conversationID, seen string) error
}

// ContactBook is contacts: search, views, Manage Contact Information (contacts.Service).
type ContactBook interface {
	Search(ctx context.Context, agent org.Agent, query string) (contacts.ContactSearch, error)
	Detail(ctx context.Context, agent org.Agent, id string) (contacts.ContactDetail, error)
	Timeline(ctx context.Context, agent org.Agent, id, cursor string) (contacts.TimelinePage, error)
	Preview(ctx context.Context, agent org.Agent, e contacts.Edit) (contacts.Plan, error)
	Save(ctx context.Context, agent org.Agent, e contacts.Edit) (string, error)
	RemoveVerification(ctx context.Context, agent org.Agent, fieldID string) (string, error)
	UndoMerge(ctx context.Context, agent org.Agent, mergeID string) (string, error)
}

// Senders is the organization's sender email (senders.Service).
type Senders interface {
	Current(ctx context.Context, orgID string) (senders.State, error)
	VerifiedAddress(ctx context.Context, orgID string) (string, bool, error)
	Set(ctx context.Context, actor org.Agent, o org.Organization, address string) (senders.State, error)
	Resend(ctx context.Context, actor org.Agent, o org.Organization) (senders.State, error)
	RemovePending(ctx context.Context, actor org.Agent, o org.Organization) (senders.State, error)
}

// MailAccounts are the SMTP relay, IMAP mailbox and bounce mailbox settings (mailaccounts.Service).
type MailAccounts interface {
	SecretsAvailable() (bool, string)
	Get(ctx context.Context, orgID, purpose string) (mailaccounts.Account, bool, error)
	Save(ctx context.Context, actor org.Agent, orgID, purpose string, in mailaccounts.Input) (mailaccounts.Account, error)
	TestSMTP(ctx context.Context, orgID string) error
	TestIMAP(ctx context.Context, orgID string) error
	TestBounce(ctx context.Context, orgID string) error
	RemoveBounce(ctx context.Context, actor org.Agent, orgID string) error
}

// Mailing is what runs the mail: the outbox worker and the mailbox watcher (the engine).
type Mailing interface {
	Log(ctx context.Context, orgID string, n int) ([]outbox.Message, error)
	Status() outbox.Status
	LastBounce(ctx context.Context, orgID, addr string) (outbox.AddressBounce, bool, error)
}

// MailRuntime is the engine's side of mail: the watcher of the sender's mailbox, and picking up
// new settings.
type MailRuntime interface {
	MailboxWatch() (configured bool, status mailbox.Status)
	MailSettingsChanged()
	// MailHealth is how each mail account is doing (SMTP, then IMAP, then the bounce mailbox
	// when one is set up).
	MailHealth(ctx context.Context, orgID string) ([]mailaccounts.Health, error)
}

// PhoneInboxes are the phone inboxes' settings (calls.Service).
type PhoneInboxes interface {
	CreateInbox(ctx context.Context, agent org.Agent, name, number, tok string) (string, error)
	SetAuthToken(ctx context.Context, agent org.Agent, inboxID, tok string) error
	SetForward(ctx context.Context, agent org.Agent, inboxID, number string) error
	WebhookURLs(inboxID string) (voice, status string)
}

// TranscriptMail is a conversation's transcript emails and document (transcript.Mailer).
type TranscriptMail interface {
	View(ctx context.Context, agent org.Agent, conversationID string) (transcript.TranscriptSendings, error)
	Resend(ctx context.Context, agent org.Agent, conversationID string) (transcript.Result, error)
	Document(ctx context.Context, agent org.Agent, conversationID string) (transcript.TranscriptDocument, error)
}

// Backups is Settings → Data (backup.Service).
type Backups interface {
	Info(actor org.Agent) backup.Info
	Write(ctx context.Context, actor org.Agent, path string) (backup.File, error)
	Check(ctx context.Context, actor org.Agent, path string) (backup.File, error)
	Restore(ctx context.Context, actor org.Agent, path string) (backup.File, error)
}

// Deps are the use cases the services call; app.go fills them from the engine.
type Deps struct {
	Org           Organizations
	Conversations ConversationViews
	Chat          Chats
	Verify        Verification
	Contacts      ContactBook
	Senders       Senders
	Mail          MailAccounts
	Outbox        Mailing
	MailRuntime   MailRuntime
	Calls         PhoneInboxes
	Transcripts   TranscriptMail
	Backup        Backups
}
