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
	CreatedAt       time.Time
	UpdatedAt       time.Time
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
