package services

// The JSON shapes of the Chat and Regulatory services. The conversation views are the domain's
// read models (backend/conversations), returned as they are.

import "vouchdesk/backend/conversations"

// The views of conversations, from the domain (backend/conversations).
type (
	ConversationSummary = conversations.ConversationSummary
	ChatMessage         = conversations.ChatMessage
	ContactPanel        = conversations.ContactPanel
	ContactFieldView    = conversations.ContactFieldView
	HistoryItem         = conversations.HistoryItem
	VerifyActions       = conversations.VerifyActions
	ConversationDetail  = conversations.ConversationDetail
	MessagePage         = conversations.MessagePage
)

// RegulatorySettings is Settings -> Regulatory: how new contacts are registered.
type RegulatorySettings struct {
	// DoubleOptIn: a new contact stays pending until the customer confirms by the emailed link.
	DoubleOptIn bool `json:"doubleOptIn"`
	// ConsentText is shown in the widget beside the email field; the customer's agreement is
	// recorded with the contact.
	ConsentText string `json:"consentText"`
}
