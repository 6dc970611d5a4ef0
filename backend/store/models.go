package store

import "time"

// Roles of an agent.
const (
	RoleOwner = "owner"
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// Kinds of inbox, field and conversation; statuses of contact and conversation; link states.
const (
	InboxChat  = "chat"
	InboxPhone = "phone"

	FieldEmail = "email"
	FieldPhone = "phone"

	ContactPending = "pending"
	ContactActive  = "active"
	ContactMerged  = "merged"

	ConversationChat = "chat"
	ConversationCall = "call"

	ConversationOpen  = "open"
	ConversationEnded = "ended"

	LinkNone        = "none"
	LinkPreliminary = "preliminary"
	LinkVerified    = "verified"
)

// Organization is the company using Vouch Desk; every other row belongs to one.
type Organization struct {
	ID             string
	Name           string
	DefaultRegion  string
	DoubleOptIn    bool
	ConsentText    string
	GoogleClientID string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// User is an agent: a person using the desktop, with a role.
type User struct {
	ID        string
	OrgID     string
	Name      string
	Email     string
	Role      string
	CreatedAt time.Time
}

// Inbox is where conversations arrive, with its feature toggles.
type Inbox struct {
	ID              string
	OrgID           string
	Kind            string
	Name            string
	PhoneNumber     string
	PrechatAskName  bool
	PrechatAskEmail bool
	EmailSignin     bool
	GoogleSignin    bool
	TranscriptAfter bool
	IdleEndMinutes  int
	// HasWebhookSecret: a phone inbox's auth token reference is set (read only).
	HasWebhookSecret bool
	// ForwardTo: where a phone inbox's calls are dialled on (E.164, "" for none).
	ForwardTo string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Contact is a customer.
type Contact struct {
	ID         string
	OrgID      string
	Name       string
	Status     string
	MergedInto string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Field is one email or phone of a contact. ValueNorm is the normalized form used for identity.
type Field struct {
	ID           string
	OrgID        string
	ContactID    string
	Kind         string
	ValueNorm    string
	ValueDisplay string
	CreatedAt    time.Time
}

// Conversation is one chat or one call.
type Conversation struct {
	ID             string
	OrgID          string
	InboxID        string
	Kind           string
	Status         string
	ContactID      string
	LinkState      string
	StartedAt      time.Time
	LastActivityAt time.Time
	EndedAt        time.Time

	// Chat details (read by the chat queries; the bulk Loader leaves them empty).
	LinkFieldID    string // the field the link rests on
	DeviceID       string // the customer's browser
	VisitorName    string // what the customer typed before any contact was known
	VisitorEmail   string // the email given in this conversation (display form)
	CustomerTZ     string
	UnreadCount    int
	EndedBy        string
	EmailRequested bool
	LastAgentID    string

	// Call details: the provider's status and the duration in seconds once known.
	CallStatus      string
	DurationSeconds int
}

// Message is one message of a conversation.
type Message struct {
	ID             string
	OrgID          string
	ConversationID string
	SenderKind     string
	SenderUserID   string
	Body           string
	CreatedAt      time.Time
	ClientMsgID    string // set by the widget so a resend is not stored twice
	AuthorName     string // read only: the agent's name for agent messages
}

// Counts summarises an organization for the desktop's empty states and `vouchd status`.
type Counts struct {
	Contacts          int
	PendingContacts   int
	Conversations     int
	OpenConversations int
}

// Actor is who does a write: an agent (UserID set), a customer, or the system.
type Actor struct {
	Kind   string // "agent", "customer" or "system"
	UserID string
}

// AgentActor is the actor for an agent's action.
func AgentActor(userID string) Actor { return Actor{Kind: "agent", UserID: userID} }

// SystemActor is the actor for what the engine does by itself.
var SystemActor = Actor{Kind: "system"}
