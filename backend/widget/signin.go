package widget

import (
	"net/http"

	"vouchdesk/backend/store"
	"vouchdesk/backend/verify"
)

// Sign-in at chat start (docs/api/widget.md, "Sign-in"): the calls that start a chat for an inbox
// that asks for a sign-in. Each is throttled per client IP (Limits.Signin) on top of the per-IP
// budget of every call; the verify package keeps the per-address, per-sign-in and per-client
// limits that outlive a restart.

// chatStart is the part of a sign-in body that describes the chat it starts, as POST /sessions.
type chatStart struct {
	Inbox       string `json:"inbox"`
	Name        string `json:"name"`
	DeviceToken string `json:"deviceToken"`
	Timezone    string `json:"timezone"`
}

func (c chatStart) start(r *http.Request) verify.ChatStart {
	return verify.ChatStart{Name: c.Name, DeviceToken: c.DeviceToken, UserAgent: r.UserAgent(), Timezone: c.Timezone}
}

func (d *ChatDeps) allowSignin(r *http.Request) error {
	return allow(d.limits.signin, clientIP(r), "Too many sign-in attempts from here. Wait a minute and try again.")
}

// signinInbox decodes a sign-in body into in, throttles the call (allowSignin) and finds the
// chat inbox the body names (*inboxID, read after decoding), in that order.
func (d *ChatDeps) signinInbox(r *http.Request, in any, inboxID *string) (store.Inbox, store.Organization, error) {
	if err := decode(r, in); err != nil {
		return store.Inbox{}, store.Organization{}, err
	}
	if err := d.allowSignin(r); err != nil {
		return store.Inbox{}, store.Organization{}, err
	}
	if err := d.limits.allowStart(); err != nil { // every sign-in call starts a chat or sends a code
		return store.Inbox{}, store.Organization{}, err
	}
	return d.Chat.ChatInbox(r.Context(), *inboxID)
}

// signinEmail emails a sign-in code: 202 {"signin", "email", "codeExpiresIn", "resendIn"}.
func (d *ChatDeps) signinEmail(r *http.Request) (int, any, error) {
	var in struct {
		Inbox   string `json:"inbox"`
		Email   string `json:"email"`
		Consent bool   `json:"consent"`
		Signin  string `json:"signin"`
	}
	inbox, org, err := d.signinInbox(r, &in, &in.Inbox)
	if err != nil {
		return 0, nil, err
	}
	handle, display, err := d.Verify.SendSigninCode(r.Context(), verify.SigninCodeRequest{Inbox: inbox, Org: org,
		Email: in.Email, Consent: in.Consent, Handle: in.Signin, Client: clientIP(r)})
	if err != nil {
		return 0, nil, err
	}
	return 202, map[string]any{"signin": handle, "email": display,
		"codeExpiresIn": int(verify.CodeLife.Seconds()), "resendIn": int(verify.SigninResendGap.Seconds())}, nil
}

// signinCode checks a sign-in code; the right one starts the chat: 201 as POST /sessions.
func (d *ChatDeps) signinCode(r *http.Request) (int, any, error) {
	var in struct {
		chatStart
		Signin string `json:"signin"`
		Code   string `json:"code"`
	}
	inbox, org, err := d.signinInbox(r, &in, &in.Inbox)
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	s, err := d.Verify.CheckSigninCode(ctx, verify.SigninCodeCheck{Inbox: inbox, Org: org, Handle: in.Signin, Code: in.Code,
		Chat: in.start(r)})
	if err != nil {
		return 0, nil, err
	}
	return d.sessionAnswer(ctx, s.Conversation, s.Session, s.DeviceRecognized, s.DeviceToken)
}

// signinGoogle checks a Google Sign-In credential; a good one starts the chat: 201 as POST
// /sessions.
func (d *ChatDeps) signinGoogle(r *http.Request) (int, any, error) {
	var in struct {
		chatStart
		Credential string `json:"credential"`
		Consent    bool   `json:"consent"`
	}
	inbox, org, err := d.signinInbox(r, &in, &in.Inbox)
	if err != nil {
		return 0, nil, err
	}
	ctx := r.Context()
	s, err := d.Verify.SigninGoogle(ctx, verify.GoogleSignin{Inbox: inbox, Org: org, Credential: in.Credential,
		Consent: in.Consent, Chat: in.start(r)})
	if err != nil {
		return 0, nil, err
	}
	return d.sessionAnswer(ctx, s.Conversation, s.Session, s.DeviceRecognized, s.DeviceToken)
}
