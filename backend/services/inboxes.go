package services

import (
	"vouchdesk/backend/org"
)

// Inboxes is the Settings -> Inboxes service: feature toggles, gated on the sender email.
type Inboxes struct{ b *Backend }

// NewInboxes returns the Inboxes service.
func NewInboxes(b *Backend) *Inboxes { return &Inboxes{b: b} }

// MailGate says whether the toggles that send email may be switched on.
type MailGate struct {
	SenderVerified bool   `json:"senderVerified"`
	SenderAddress  string `json:"senderAddress"`
	Message        string `json:"message"`
}

// InboxSettings is one inbox with its toggles.
type InboxSettings struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Kind            string   `json:"kind"`
	EmailSignin     bool     `json:"emailSignin"`
	GoogleSignin    bool     `json:"googleSignin"`
	TranscriptAfter bool     `json:"transcriptAfter"`
	IdleEndMinutes  int      `json:"idleEndMinutes"` // a chat with no activity this long ends; 0: never
	MailGate        MailGate `json:"mailGate"`
	// Phone inboxes: the number (international format), whether the provider's auth token is
	// set, and the two webhook URLs to give the provider.
	PhoneNumber  string `json:"phoneNumber"`
	HasAuthToken bool   `json:"hasAuthToken"`
	VoiceURL     string `json:"voiceUrl"`
	StatusURL    string `json:"statusUrl"`
	// ForwardTo is where the voice webhook tells the provider to dial each call ("" for none).
	ForwardTo string `json:"forwardTo"`
}

func inboxView(i org.Inbox, gate MailGate) InboxSettings {
	return InboxSettings{ID: i.ID, Name: i.Name, Kind: i.Kind, EmailSignin: i.EmailSignin,
		GoogleSignin: i.GoogleSignin, TranscriptAfter: i.TranscriptAfter, IdleEndMinutes: i.IdleEndMinutes, MailGate: gate,
		PhoneNumber: phoneDisplay(i.PhoneNumber), HasAuthToken: i.HasWebhookSecret, ForwardTo: phoneDisplay(i.ForwardTo)}
}

func (in *Inboxes) gate() (MailGate, error) {
	ctx, e, ws, err := in.b.workspace()
	if err != nil {
		return MailGate{}, err
	}
	addr, ok, err := e.Senders.VerifiedAddress(ctx, ws.Organization.ID)
	if err != nil {
		return MailGate{}, err
	}
	if !ok {
		return MailGate{Message: org.GateMessage}, nil
	}
	return MailGate{SenderVerified: true, SenderAddress: addr}, nil
}

// List returns the organization's inboxes with their toggles and the mail gate.
func (in *Inboxes) List() ([]InboxSettings, error) {
	if out, ok, err := forward[[]InboxSettings](in.b, "inboxes.list", RouteInboxes.At(), nil); ok {
		return out, err
	}
	ctx, e, ws, err := in.b.workspace()
	if err != nil {
		return nil, in.b.jsError("inboxes.list", err)
	}
	gate, err := in.gate()
	if err != nil {
		return nil, in.b.jsError("inboxes.list", err)
	}
	list, err := e.Org.Inboxes(ctx, ws.Me)
	if err != nil {
		return nil, in.b.jsError("inboxes.list", err)
	}
	out := []InboxSettings{}
	for _, i := range list {
		v := inboxView(i, gate)
		if i.Kind == org.InboxPhone {
			v.VoiceURL, v.StatusURL = e.Calls.WebhookURLs(i.ID)
		}
		out = append(out, v)
	}
	return out, nil
}

// SetToggle switches one toggle ("emailSignin", "googleSignin", "transcriptAfter") of an inbox.
func (in *Inboxes) SetToggle(inboxID, toggle string, on bool) (InboxSettings, error) {
	if out, ok, err := forward[InboxSettings](in.b, "inboxes.toggle", RouteInboxToggle.At(inboxID, toggle), ToggleBody{On: on}); ok {
		return out, err
	}
	ctx, e, ws, err := in.b.workspace()
	if err != nil {
		return InboxSettings{}, in.b.jsError("inboxes.toggle", err)
	}
	i, err := e.Org.SetInboxToggle(ctx, ws.Me, inboxID, toggle, on)
	if err != nil {
		return InboxSettings{}, in.b.jsError("inboxes.toggle", err)
	}
	gate, err := in.gate()
	if err != nil {
		return InboxSettings{}, in.b.jsError("inboxes.toggle", err)
	}
	return inboxView(i, gate), nil
}

// MaxIdleEndMinutes is the longest idle time that can be set: a day.
const MaxIdleEndMinutes = org.MaxIdleEndMinutes

// SetIdleEnd sets after how many minutes without a message a chat of the inbox ends by itself
// (0: chats end only when someone ends them). Ending sends the transcript when that is on, so
// this is the "configurable time" of idle ends. Owner or admin; chat inboxes only.
func (in *Inboxes) SetIdleEnd(inboxID string, minutes int) (InboxSettings, error) {
	if out, ok, err := forward[InboxSettings](in.b, "inboxes.idle_end", RouteIdleEnd.At(inboxID), MinutesBody{Minutes: minutes}); ok {
		return out, err
	}
	ctx, e, ws, err := in.b.workspace()
	if err != nil {
		return InboxSettings{}, in.b.jsError("inboxes.idle_end", err)
	}
	inbox, err := e.Org.SetInboxIdleEnd(ctx, ws.Me, inboxID, minutes)
	if err != nil {
		return InboxSettings{}, in.b.jsError("inboxes.idle_end", err)
	}
	gate, err := in.gate()
	if err != nil {
		return InboxSettings{}, in.b.jsError("inboxes.idle_end", err)
	}
	return inboxView(inbox, gate), nil
}

// GoogleClientID returns the organization's OAuth client ID for Google Sign-In ("" when none is
// set). The "Google Sign-In at chat start" toggle shows Google's button only with one.
func (in *Inboxes) GoogleClientID() (string, error) {
	_, _, ws, err := in.b.workspace()
	if err != nil {
		return "", in.b.jsError("inboxes.google_client_id", err)
	}
	return ws.Organization.GoogleClientID, nil
}

// SetGoogleClientID saves the organization's Google client ID (owner or admin); "" removes it.
// It returns the ID as saved.
func (in *Inboxes) SetGoogleClientID(clientID string) (string, error) {
	if out, ok, err := forward[ValueBody](in.b, "inboxes.set_google_client_id", RouteSetGoogleID.At(), ValueBody{Value: clientID}); ok {
		return out.Value, err
	}
	ctx, e, ws, err := in.b.workspace()
	if err != nil {
		return "", in.b.jsError("inboxes.set_google_client_id", err)
	}
	o, err := e.Org.SetGoogleClientID(ctx, ws.Me, clientID)
	if err != nil {
		return "", in.b.jsError("inboxes.set_google_client_id", err)
	}
	return o.GoogleClientID, nil
}
