package services

import (
	"context"
	"errors"
	"strings"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/calls"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/textrules"
)

// phoneDisplay shows an E.164 number in international format ("" stays "").
func phoneDisplay(e164 string) string {
	if e164 == "" {
		return ""
	}
	if _, d, err := contacts.NormalizePhone(e164, ""); err == nil {
		return d
	}
	return e164
}

func (in *Inboxes) admin(op string) error {
	_, _, ws, err := in.b.workspace()
	if err != nil {
		return in.b.jsError(op, err)
	}
	return in.b.jsError(op, org.RequireAdmin(ws.Me, "change inbox settings"))
}

func tokenError(err error) error {
	if errors.Is(err, calls.ErrNoKeyring) {
		return &apperr.Error{Code: "keyring_unavailable", Message: "The auth token cannot be stored: this computer's keyring is not available.", Err: err}
	}
	return err
}

// CreatePhoneInbox adds a phone inbox for a number the organization has with a telephony
// provider, with the provider's auth token (kept in the OS keyring, never in the database). The
// answer carries the two webhook URLs to give the provider (docs/calls.md).
func (in *Inboxes) CreatePhoneInbox(name, number, authToken string) (InboxSettings, error) {
	if out, ok, err := forward[InboxSettings](in.b, "inboxes.create_phone", RoutePhoneInbox.At(), PhoneInboxBody{Name: name, Number: number, AuthToken: authToken}); ok {
		return out, err
	}
	const op = "inboxes.create_phone"
	if err := in.admin(op); err != nil {
		return InboxSettings{}, err
	}
	ctx, e, ws, _ := in.b.workspace()
	name, nerr := textrules.CleanName(name)
	if nerr != nil || name == "" {
		return InboxSettings{}, in.b.jsError(op, apperr.Invalid("name", "Give the inbox a name of 1 to 200 characters of ordinary text."))
	}
	norm, _, perr := contacts.NormalizePhone(number, ws.Organization.DefaultRegion)
	if perr != nil {
		return InboxSettings{}, in.b.jsError(op, apperr.Invalid("number", "Not a phone number: "+perr.Error()+"."))
	}
	tok, ok := calls.CheckAuthToken(authToken)
	if !ok {
		return InboxSettings{}, in.b.jsError(op, apperr.Invalid("authToken", "Paste the provider's auth token (16 to 128 characters, no spaces)."))
	}
	for _, i := range mustInboxes(in) {
		if i.Kind == org.InboxPhone && i.PhoneNumber == norm {
			return InboxSettings{}, in.b.jsError(op, apperr.Invalid("number", "An inbox for this number exists already."))
		}
	}
	id, err := e.Calls.CreateInbox(ctx, ws.Me, name, norm, tok)
	if err != nil {
		return InboxSettings{}, in.b.jsError(op, tokenError(err))
	}
	return in.one(op, id)
}

func mustInboxes(in *Inboxes) []org.Inbox {
	ctx, e, ws, err := in.b.workspace()
	if err != nil {
		return nil
	}
	list, _ := e.Org.Inboxes(ctx, ws.Me)
	return list
}

// phoneInbox is one phone inbox of the agent's organization, or "That phone inbox does not exist."
func phoneInbox(ctx context.Context, e *Deps, me org.Agent, inboxID string) (org.Inbox, error) {
	i, err := e.Org.Inbox(ctx, me, inboxID)
	if ae, ok := apperr.As(err); (ok && ae.Code == apperr.CodeNotFound) || (err == nil && i.Kind != org.InboxPhone) {
		return org.Inbox{}, apperr.NotFound("That phone inbox does not exist.")
	}
	return i, err
}

func (in *Inboxes) one(op, id string) (InboxSettings, error) {
	list, err := in.List()
	if err != nil {
		return InboxSettings{}, err
	}
	for _, v := range list {
		if v.ID == id {
			return v, nil
		}
	}
	return InboxSettings{}, in.b.jsError(op, apperr.NotFound("That inbox does not exist."))
}

// SetPhoneAuthToken replaces a phone inbox's auth token (after the provider rotated it).
func (in *Inboxes) SetPhoneAuthToken(inboxID, authToken string) (InboxSettings, error) {
	if out, ok, err := forward[InboxSettings](in.b, "inboxes.phone_token", RoutePhoneToken.At(inboxID), AuthTokenBody{AuthToken: authToken}); ok {
		return out, err
	}
	const op = "inboxes.set_auth_token"
	if err := in.admin(op); err != nil {
		return InboxSettings{}, err
	}
	ctx, e, ws, _ := in.b.workspace()
	tok, ok := calls.CheckAuthToken(authToken)
	if !ok {
		return InboxSettings{}, in.b.jsError(op, apperr.Invalid("authToken", "Paste the provider's auth token (16 to 128 characters, no spaces)."))
	}
	if _, err := phoneInbox(ctx, e, ws.Me, inboxID); err != nil {
		return InboxSettings{}, in.b.jsError(op, err)
	}
	if err := e.Calls.SetAuthToken(ctx, ws.Me, inboxID, tok); err != nil {
		return InboxSettings{}, in.b.jsError(op, tokenError(err))
	}
	return in.one(op, inboxID)
}

// SetPhoneForward sets the number a phone inbox's calls are forwarded to ("" stops forwarding;
// owner or admin). The voice webhook then answers the provider with a Dial to it.
func (in *Inboxes) SetPhoneForward(inboxID, number string) (InboxSettings, error) {
	if out, ok, err := forward[InboxSettings](in.b, "inboxes.phone_forward", RoutePhoneForward.At(inboxID), NumberBody{Number: number}); ok {
		return out, err
	}
	const op = "inboxes.set_forward"
	if err := in.admin(op); err != nil {
		return InboxSettings{}, err
	}
	ctx, e, ws, _ := in.b.workspace()
	i, err := phoneInbox(ctx, e, ws.Me, inboxID)
	if err != nil {
		return InboxSettings{}, in.b.jsError(op, err)
	}
	norm := ""
	if strings.TrimSpace(number) != "" {
		var perr error
		if norm, _, perr = contacts.NormalizePhone(number, ws.Organization.DefaultRegion); perr != nil {
			return InboxSettings{}, in.b.jsError(op, apperr.Invalid("forwardTo", "Not a phone number: "+perr.Error()+"."))
		}
		if norm == i.PhoneNumber {
			return InboxSettings{}, in.b.jsError(op, apperr.Invalid("forwardTo", "Calls cannot be forwarded to the inbox's own number."))
		}
	}
	if err := e.Calls.SetForward(ctx, ws.Me, inboxID, norm); err != nil {
		return InboxSettings{}, in.b.jsError(op, err)
	}
	return in.one(op, inboxID)
}

// Country returns the organization's country (ISO 3166 code, "" when not set), used to read
// phone numbers written without a country code.
func (in *Inboxes) Country() (string, error) {
	_, _, ws, err := in.b.workspace()
	if err != nil {
		return "", in.b.jsError("inboxes.country", err)
	}
	return ws.Organization.DefaultRegion, nil
}

// SetCountry sets the organization's country ("" clears it; owner or admin).
func (in *Inboxes) SetCountry(code string) (string, error) {
	const op = "inboxes.set_country"
	if out, ok, err := forward[ValueBody](in.b, op, RouteSetCountry.At(), ValueBody{Value: code}); ok {
		return out.Value, err
	}
	ctx, e, ws, err := in.b.workspace()
	if err != nil {
		return "", in.b.jsError(op, err)
	}
	o, err := e.Org.SetCountry(ctx, ws.Me, code)
	if err != nil {
		return "", in.b.jsError(op, err)
	}
	return o.DefaultRegion, nil
}
