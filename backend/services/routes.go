package services

// The agents' API calls that run a bound service's method on the team server: the API routes each
// pattern to the method named beside it, and a team member's desktop sends the same pattern from
// that method (remote.go). One list, so the two cannot drift apart; docs/api/agent.md documents
// each call. The request bodies are the types below, shared the same way.
const (
	RouteMarkRead      Route = "POST conversations/{id}/read"          // Chat.MarkRead
	RouteSend          Route = "POST conversations/{id}/messages"      // Chat.Send
	RouteEnd           Route = "POST conversations/{id}/end"           // Chat.End
	RouteRequestEmail  Route = "POST conversations/{id}/request-email" // Chat.RequestEmail
	RouteSetEmail      Route = "PUT conversations/{id}/email"          // Chat.SetEmail
	RouteSendCode      Route = "POST conversations/{id}/send-code"     // Chat.SendCode
	RouteSendLink      Route = "POST conversations/{id}/send-link"     // Chat.SendLink
	RouteMarkVerified  Route = "POST conversations/{id}/mark-verified" // Chat.MarkVerified
	RouteSendings      Route = "GET conversations/{id}/transcript/sendings"
	RouteResendScript  Route = "POST conversations/{id}/transcript/resend"
	RouteSaveEdit      Route = "POST contact-edits"                // Contacts.Save
	RouteUnverifyField Route = "DELETE fields/{id}/verification"   // Contacts.RemoveVerification
	RouteUndoMerge     Route = "POST merges/{id}/undo"             // Contacts.UndoMerge
	RouteSaveRegulated Route = "PUT settings/regulatory"           // Regulatory.Save
	RouteInboxes       Route = "GET inboxes"                       // Inboxes.List
	RouteInboxToggle   Route = "PUT inboxes/{id}/toggles/{toggle}" // Inboxes.SetToggle
	RouteIdleEnd       Route = "PUT inboxes/{id}/idle-end"         // Inboxes.SetIdleEnd
	RoutePhoneInbox    Route = "POST inboxes/phone"                // Inboxes.CreatePhoneInbox
	RoutePhoneToken    Route = "PUT inboxes/{id}/phone-auth-token" // Inboxes.SetPhoneAuthToken
	RoutePhoneForward  Route = "PUT inboxes/{id}/phone-forward"    // Inboxes.SetPhoneForward
	RouteSetGoogleID   Route = "PUT settings/google-client-id"     // Inboxes.SetGoogleClientID
	RouteSetCountry    Route = "PUT settings/country"              // Inboxes.SetCountry
	RouteSender        Route = "GET mail/sender"                   // Mail.SenderState
	RouteSetSender     Route = "PUT mail/sender"                   // Mail.SetSender
	RouteResendSender  Route = "POST mail/sender/resend"           // Mail.ResendSenderLink
	RouteRemovePending Route = "DELETE mail/sender/pending"        // Mail.RemovePendingSender
	RouteMailAccounts  Route = "GET mail/accounts"                 // Mail.Settings
	RouteSaveAccount   Route = "PUT mail/accounts/{purpose}"       // Mail.SaveSMTP, SaveIMAP, SaveBounce
	RouteTestAccount   Route = "POST mail/accounts/{purpose}/test" // Mail.TestSMTP, TestIMAP, TestBounce
	RouteRemoveBounce  Route = "DELETE mail/accounts/bounce"       // Mail.RemoveBounce
	RouteMailHealth    Route = "GET mail/health"                   // Mail.MailHealth
	RouteDeliveryLog   Route = "GET mail/delivery-log"             // Mail.DeliveryLog
)

// The request bodies of the calls above (and the one-value answers).
type (
	// MessageBody is an agent's message.
	MessageBody struct {
		Body string `json:"body"`
	}
	// EmailBody is an email address for a conversation.
	EmailBody struct {
		Email string `json:"email"`
	}
	// AddressBody is the sender email's address.
	AddressBody struct {
		Address string `json:"address"`
	}
	// ToggleBody switches an inbox's toggle.
	ToggleBody struct {
		On bool `json:"on"`
	}
	// MinutesBody is an inbox's idle end.
	MinutesBody struct {
		Minutes int `json:"minutes"`
	}
	// PhoneInboxBody is a new phone inbox.
	PhoneInboxBody struct {
		Name      string `json:"name"`
		Number    string `json:"number"`
		AuthToken string `json:"authToken"`
	}
	// AuthTokenBody is a phone inbox's provider token.
	AuthTokenBody struct {
		AuthToken string `json:"authToken"`
	}
	// NumberBody is a phone number.
	NumberBody struct {
		Number string `json:"number"`
	}
	// ValueBody is a one-value setting, as a request and as the answer (JSON's top level is an
	// object for every answer).
	ValueBody struct {
		Value string `json:"value"`
	}
)
