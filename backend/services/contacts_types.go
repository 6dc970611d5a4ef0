package services

// The JSON shapes of the Contacts service. The contact views are the domain's read models
// (backend/contacts), returned as they are; the edit's input and preview are this facade's.

import "vouchdesk/backend/contacts"

// The views of contacts, from the domain (backend/contacts).
type (
	ContactSummary = contacts.ContactSummary
	ContactSearch  = contacts.ContactSearch
	ContactField   = contacts.ContactField
	MergeRecord    = contacts.MergeRecord
	ContactDetail  = contacts.ContactDetail
	TimelineItem   = contacts.TimelineItem
	TimelinePage   = contacts.TimelinePage
)

// NewContactField is a field the agent adds in Manage Contact Information.
type NewContactField struct {
	Kind   string `json:"kind"`   // "email" or "phone"
	Value  string `json:"value"`  // as typed
	Verify bool   `json:"verify"` // the agent vouches for it ("Verified by <agent>")
}

// ContactEdit is what Save in Manage Contact Information sends.
type ContactEdit struct {
	// ContactID is the contact being edited; "" creates one for ConversationID.
	ContactID string `json:"contactId"`
	// ConversationID is where the agent opened the popup ("" from the Contacts view).
	ConversationID string            `json:"conversationId"`
	Name           string            `json:"name"`
	Add            []NewContactField `json:"add"`
	// Verify lists ids of existing unverified fields the agent now vouches for.
	Verify []string `json:"verify"`
}

// FieldCheck is what one added field becomes, or why it cannot be added.
type FieldCheck struct {
	Kind    string `json:"kind"`
	Input   string `json:"input"`
	Value   string `json:"value"` // display form when valid
	Norm    string `json:"norm"`
	Problem string `json:"problem"` // "" when valid, else why not (invalid, belongs to another contact and not verified, ...)
}

// MergePreview tells the agent, before Save, which contact will be merged into this one.
type MergePreview struct {
	ContactID     string `json:"contactId"`
	Name          string `json:"name"`
	Because       string `json:"because"` // the verified value both share, display form
	Conversations int    `json:"conversations"`
	Fields        int    `json:"fields"`
	// NameConflict is true when its name differs from the survivor's (both are kept).
	NameConflict bool `json:"nameConflict"`
}

// EditPreview is what Save would do: the checked fields and the merges it brings.
type EditPreview struct {
	Fields []FieldCheck   `json:"fields"`
	Merges []MergePreview `json:"merges"`
	OK     bool           `json:"ok"` // every field is valid and Save may go ahead
}
