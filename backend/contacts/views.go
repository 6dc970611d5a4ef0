package contacts

// The read models of contacts, as JSON for the desktop UI (and later the agents' API): a row of
// the list, a contact with how each field was verified and its merges, and its timeline. Times
// are RFC 3339 strings in UTC.

// ContactSummary is one row of the Contacts list and of search results.
type ContactSummary struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Emails []string `json:"emails"` // display forms of the live emails
	Phones []string `json:"phones"` // display forms of the live phones (international format)
	// Verified is true when at least one live field has a standing verification.
	Verified bool `json:"verified"`
	// Status is "active" or "pending" (waiting for a double opt-in confirmation).
	Status string `json:"status"`
}

// ContactSearch is what a search (or the plain list when the query is empty) returns.
type ContactSearch struct {
	Query    string           `json:"query"`
	Contacts []ContactSummary `json:"contacts"`
	// More is true when more contacts match than were returned (type more to narrow it down).
	More bool `json:"more"`
}

// ContactField is one email or phone of a contact, with how it was verified.
type ContactField struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`  // "email" or "phone"
	Value string `json:"value"` // display form
	Norm  string `json:"norm"`  // identity form (lower-case email, E.164 phone)
	// Verified is true while a verification stands (not removed by an agent).
	Verified bool `json:"verified"`
	// VerifiedLabel is "Verified by Google Sign-In", "Verified by Email OTP", "Verified by email
	// link", "Verified by double opt-in", "Verified by system", "Verified by <agent's name>", or
	// "Not verified" (also after an agent removed the verification).
	VerifiedLabel string `json:"verifiedLabel"`
	Method        string `json:"method"`     // "google", "email_otp", "email_link", "double_opt_in", "agent", "system" or ""
	VerifiedAt    string `json:"verifiedAt"` // "" when not verified
	VerifiedBy    string `json:"verifiedBy"` // the agent's name for method "agent", else ""
	// RemovedNote says, when the latest verification was removed, who removed it and when.
	RemovedNote string `json:"removedNote"`
	// Bounced says, when mail to this email came back undeliverable and the address was not
	// proven since, "This address bounced on 2 Jan 2006 15:04 UTC: mailbox unknown (5.1.1)".
	Bounced string `json:"bounced"`
}

// MergeRecord is one merge into this contact, for its history and Undo.
type MergeRecord struct {
	ID         string `json:"id"`
	MergedID   string `json:"mergedId"`   // the contact merged into this one
	MergedName string `json:"mergedName"` // its name at the time
	Reason     string `json:"reason"`     // e.g. "+1 202-555-0143 verified by Olive Owner"
	ActorName  string `json:"actorName"`  // "" when the system or a customer's verification merged
	At         string `json:"at"`
	// Moved counts what came with it.
	Conversations int    `json:"conversations"`
	Fields        int    `json:"fields"`
	UndoneAt      string `json:"undoneAt"` // "" while in force
	UndoneBy      string `json:"undoneBy"`
}

// ContactDetail is one contact: the contact view and the Manage Contact Information popup.
type ContactDetail struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Status string         `json:"status"` // "active", "pending", or "merged" (then MergedInto is set)
	Fields []ContactField `json:"fields"`
	// OtherNames are names of merged contacts that differ from Name: kept, shown, never silently dropped.
	OtherNames    []string      `json:"otherNames"`
	MergedInto    string        `json:"mergedInto"`
	Merges        []MergeRecord `json:"merges"`
	Conversations int           `json:"conversations"` // chats and calls, merged ones included
	CreatedAt     string        `json:"createdAt"`
}

// TimelineItem is one entry of a contact's timeline, newest first.
type TimelineItem struct {
	ID string `json:"id"`
	// Kind: "chat", "call", "transcript" (a transcript emailed), "verification" (a field proven),
	// "unverification" (an agent removed one), "merge", "unmerge".
	Kind string `json:"kind"`
	At   string `json:"at"`
	// Title is the one-line text, e.g. "Chat in Website chat", "Call from +1 202-555-0143 (3m 12s)",
	// "Email ada@example.com verified by Email OTP", "Merged with Ada L.".
	Title string `json:"title"`
	// Detail is a second line: the last message of a chat, the call status, the transcript address.
	Detail string `json:"detail"`
	// Channel is the inbox name for chats and calls.
	Channel string `json:"channel"`
	// Method is the verification method for verifications, the conversation's link for chats
	// ("verified", "preliminary").
	Method string `json:"method"`
	// ConversationID opens the chat's transcript or the call (chats, calls, transcripts).
	ConversationID string `json:"conversationId"`
	Status         string `json:"status"`          // chats and calls: "open" or "ended"; transcripts: outbox status
	DurationSecond int    `json:"durationSeconds"` // calls
	// MergeID and CanUndo: for a merge still in force, Undo is offered.
	MergeID string `json:"mergeId"`
	CanUndo bool   `json:"canUndo"`
}

// TimelinePage is one page of a timeline. Next is the cursor of the following page ("" at the end).
type TimelinePage struct {
	Items []TimelineItem `json:"items"`
	Next  string         `json:"next"`
}
