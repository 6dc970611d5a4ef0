package conversations

// The views an agent gets of conversations, as JSON for the desktop UI (and later the agents' API).
// Times are RFC 3339 strings in UTC; every string a customer typed is plain text, never markup.

// ConversationSummary is one row of the Inbox list.
type ConversationSummary struct {
	ID        string `json:"id"`
	InboxID   string `json:"inboxId"`
	InboxName string `json:"inboxName"`
	Kind      string `json:"kind"`   // "chat" or "call"
	Status    string `json:"status"` // "open" or "ended"
	// Title is who the agent is talking to: the contact's name once linked and verified, else
	// the name the visitor gave, else "Visitor".
	Title string `json:"title"`
	// Email is the address the conversation's link rests on (the proven one when Panel is
	// "verified"), or before a link the address the visitor gave ("" if none).
	Email string `json:"email"`
	// TypedEmail is the address given in the chat when it differs from Email: shown beside it
	// as typed, not proven.
	TypedEmail string `json:"typedEmail"`
	// Panel is the contact panel's state: "none", "pending", "preliminary" or "verified".
	Panel          string `json:"panel"`
	Unread         int    `json:"unread"`
	LastMessage    string `json:"lastMessage"` // plain text, at most 140 characters
	LastActivityAt string `json:"lastActivityAt"`
	StartedAt      string `json:"startedAt"`
	// Calls: the caller's number as shown ("" for chats; "anonymous" and the like when
	// withheld), the provider's call status and the duration in seconds once the call is over.
	Phone           string `json:"phone"`
	CallStatus      string `json:"callStatus"`
	DurationSeconds int    `json:"durationSeconds"`
}

// ChatMessage is one message as the agent sees it. Body is plain text, exactly as typed.
type ChatMessage struct {
	ID         string `json:"id"`
	From       string `json:"from"` // "customer", "agent" or "system"
	AuthorName string `json:"authorName"`
	Body       string `json:"body"`
	CreatedAt  string `json:"createdAt"`
	// Status is "" for a message the conversation has; on a team member's desktop, "kept" for
	// the agent's reply typed while the team server could not be reached (sent once it is back),
	// and "refused" for one the server then refused, with Problem saying why.
	Status  string `json:"status,omitempty"`
	Problem string `json:"problem,omitempty"`
}

// ContactPanel is what the agent may see about who is in the chat. Until the person is verified
// on this device, only counts of the contact's history and fields are given, never their content.
type ContactPanel struct {
	// State: "none" (no email given), "pending" (new contact waiting for the customer's double
	// opt-in confirmation), "preliminary" (the email belongs to a contact, not proven on this
	// device), "verified".
	State string `json:"state"`
	// Email is the address the link rests on (the proven one when State is "verified"); before
	// a link, the one the customer or the agent gave.
	Email string `json:"email"`
	// TypedEmail is the address given in the chat when it is not Email: the agent sees both,
	// and that only Email is proven.
	TypedEmail string `json:"typedEmail"`
	ContactID  string `json:"contactId"`
	// Name is the contact's name; "" while preliminary (the name is account data).
	Name string `json:"name"`
	// Warning is shown with a warning mark while not verified, e.g. "Unverified: verify before
	// discussing account details".
	Warning string `json:"warning"`
	// Reason says why it is not verified, e.g. "Not verified on this device".
	Reason string `json:"reason"`
	// Refused: the owner of Email answered a link sent in this chat with "This wasn't me"; the
	// panel warns not to treat the customer as Email.
	Refused bool `json:"refused"`
	// VerifiedLabel says how it was verified, e.g. "Verified by Email OTP" or "Verified by Olive
	// Owner"; Method is the machine form ("email_otp", "email_link", "double_opt_in", "agent", ...).
	VerifiedLabel string `json:"verifiedLabel"`
	Method        string `json:"method"`
	VerifiedAt    string `json:"verifiedAt"`
	// HiddenConversations and HiddenFields are what stays hidden until verified.
	HiddenConversations int `json:"hiddenConversations"`
	HiddenFields        int `json:"hiddenFields"`
	// Fields and History are filled only when State is "verified".
	Fields  []ContactFieldView `json:"fields"`
	History []HistoryItem      `json:"history"`
}

// ContactFieldView is one email or phone of a verified contact.
type ContactFieldView struct {
	Kind          string `json:"kind"` // "email" or "phone"
	Value         string `json:"value"`
	VerifiedLabel string `json:"verifiedLabel"` // "" when not verified
}

// HistoryItem is one earlier conversation of the contact.
type HistoryItem struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	StartedAt string `json:"startedAt"`
	Preview   string `json:"preview"`
}

// VerifyActions says which ways of verifying the agent can use now.
type VerifyActions struct {
	// CanEmail is false while the organization has no verified sender email: codes and links
	// cannot be sent, MailBlockedReason says so and only "Mark verified" is offered.
	CanEmail          bool   `json:"canEmail"`
	MailBlockedReason string `json:"mailBlockedReason"`
	// CodePending is true while a code sent in this conversation waits to be typed.
	CodePending bool `json:"codePending"`
	// LinkPending is true while a link sent in this conversation waits to be clicked.
	LinkPending bool `json:"linkPending"`
	// EmailRequested is true while the customer is asked for their email.
	EmailRequested bool `json:"emailRequested"`
}

// ConversationDetail is an open conversation in the agent's view.
type ConversationDetail struct {
	Summary  ConversationSummary `json:"summary"`
	Messages []ChatMessage       `json:"messages"` // the newest MessagesPerPage, oldest first
	// HasEarlier: older messages exist; Chat.Earlier pages back from the first of Messages.
	HasEarlier bool          `json:"hasEarlier"`
	Panel      ContactPanel  `json:"panel"`
	Actions    VerifyActions `json:"actions"`
}

// MessagePage is a page of older messages (Chat.Earlier), oldest first.
type MessagePage struct {
	Messages   []ChatMessage `json:"messages"`
	HasEarlier bool          `json:"hasEarlier"` // older ones remain
}
