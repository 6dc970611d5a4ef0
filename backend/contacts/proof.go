package contacts

import (
	"errors"
	"fmt"
	"time"

	"vouchdesk/backend/store"
)

// Proof is one thing that proved a contact field: a code or link that reached the address, a
// Google sign-in, a double opt-in confirmation, a call from the number, or an agent's judgement.
// RecordProof is the only code that writes verifications; everything that proves goes through
// it, so the rules below hold for every way of proving.
//
// What a proof proves is exactly the field it names (by id, or by kind and normalized value) and
// nothing else: the caller passes the address the code or link was sent to, never whatever a
// conversation says by the time it is used.
type Proof struct {
	OrgID string
	// FieldID names a field the caller already holds (the agent on a contact). Otherwise Kind and
	// Norm name the value; Display is how it was written where the proof was sent (shown on a
	// field this proof creates).
	FieldID             string
	Kind, Norm, Display string
	// Method is one of store.Method*; Actor who recorded it (the agent for MethodAgent, the
	// customer or the system otherwise); ActorName the agent's name, for a merge's reason.
	Method    string
	Actor     store.Actor
	ActorName string
	// Evidence is what proved it (the challenge, the Google subject, the call id); TokenHash a
	// token that may prove only once (a Google ID token; its unique index refuses a second use).
	Evidence  string
	TokenHash []byte
	// ConversationID is where it was proven ("" for none). DeviceID is the customer's browser
	// that proved it ("" for none): that browser is recognised for the field from then on.
	ConversationID string
	DeviceID       string
	// Link makes the conversation verified on the proven field.
	Link bool
	// SameAs is the contact the person already proved to be in the same conversation: when the
	// field belongs to another contact the two are merged (proven on both sides, never on a
	// merely typed value), and a new field joins it.
	SameAs string
	// PreferContact is where a field nobody has goes when SameAs is empty (the contact a Google
	// account signed in as before). Otherwise a new active contact is made with Name and the
	// consent text the customer agreed to (ConsentAt is when).
	PreferContact string
	Name          string
	ConsentText   string
	ConsentAt     time.Time
	// OnlyFirst records nothing when the field already has a standing verification: a call
	// verifies its number "by system" once, not on every call.
	OnlyFirst bool
}

// Proven is what RecordProof did.
type Proven struct {
	Field        store.Field
	ContactID    string             // the live contact the field is on now
	Verification store.Verification // zero when OnlyFirst found the field verified already
	Merged       bool               // the field's contact was merged into SameAs
}

// RecordProof records a proof inside the caller's transaction: the field (created on a new or
// preferred contact when nobody has it), the merge when the person already proved to be another
// contact, a pending contact confirmed (proving the address is what double opt-in asks for), the
// verification record, the device proof, the conversation's verified link, and the audit row.
func RecordProof(tx *store.Tx, p Proof, now time.Time) (Proven, error) {
	f, c, err := proofField(tx, p, now)
	if err != nil {
		return Proven{}, err
	}
	out := Proven{Field: f, ContactID: c.ID}
	if p.SameAs != "" && c.ID != p.SameAs {
		reason := f.ValueDisplay + ": " + VerifiedLabel(p.Method, p.ActorName)
		if p.ConversationID != "" {
			reason += " in a chat"
		}
		if _, _, err := Merge(tx, p.OrgID, p.SameAs, c.ID, p.Actor, reason, now); err != nil {
			return Proven{}, err
		}
		if c, err = tx.LiveContact(p.OrgID, p.SameAs); err != nil {
			return Proven{}, err
		}
		out.ContactID, out.Merged = c.ID, true
	}
	if c.Status == store.ContactPending {
		if err := tx.ConfirmContact(p.OrgID, c.ID, now); err != nil {
			return Proven{}, err
		}
	}
	if p.OnlyFirst {
		verified, err := tx.FieldVerified(p.OrgID, f.ID)
		if err != nil || verified {
			return out, err
		}
	}
	v := store.Verification{ID: store.NewID(), OrgID: p.OrgID, FieldID: f.ID, Method: p.Method, ActorUserID: p.Actor.UserID,
		ConversationID: p.ConversationID, Evidence: p.Evidence, VerifiedAt: now, TokenHash: p.TokenHash}
	if err := tx.InsertVerification(v); err != nil {
		return Proven{}, err
	}
	out.Verification = v
	if p.DeviceID != "" {
		if err := tx.InsertDeviceProof(store.NewID(), p.OrgID, p.DeviceID, f.ID, v.ID, now); err != nil {
			return Proven{}, err
		}
	}
	if p.Link && p.ConversationID != "" {
		if err := tx.SetLink(p.OrgID, p.ConversationID, c.ID, f.ID, store.LinkVerified); err != nil {
			return Proven{}, err
		}
	}
	err = tx.Audit(p.OrgID, p.Actor, "field.verify", "contact_fields", f.ID, map[string]any{"method": p.Method, "conversation": p.ConversationID})
	return out, err
}

// proofField finds the proven field and the live contact it is on, or adds the field: to SameAs,
// else to PreferContact, else to a new contact.
func proofField(tx *store.Tx, p Proof, now time.Time) (store.Field, store.Contact, error) {
	if p.FieldID != "" {
		f, err := tx.Field(p.OrgID, p.FieldID)
		if err != nil {
			return store.Field{}, store.Contact{}, err
		}
		c, err := tx.LiveContact(p.OrgID, f.ContactID)
		return f, c, err
	}
	if p.Kind == "" || p.Norm == "" {
		return store.Field{}, store.Contact{}, fmt.Errorf("contacts: a proof names no field")
	}
	f, c, err := tx.FieldByValue(p.OrgID, p.Kind, p.Norm)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return f, c, err
	}
	c = store.Contact{}
	for _, id := range []string{p.SameAs, p.PreferContact} {
		if id == "" {
			continue
		}
		if c, err = tx.LiveContact(p.OrgID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Field{}, store.Contact{}, err
		}
		break
	}
	if c.ID == "" || c.Status == store.ContactMerged {
		c = store.Contact{ID: store.NewID(), OrgID: p.OrgID, Name: p.Name, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
		if err := tx.InsertRegisteredContact(c, p.ConsentText, p.ConsentAt); err != nil {
			return store.Field{}, store.Contact{}, err
		}
	}
	display := p.Display
	if display == "" {
		display = p.Norm
	}
	f = store.Field{ID: store.NewID(), OrgID: p.OrgID, ContactID: c.ID, Kind: p.Kind, ValueNorm: p.Norm, ValueDisplay: display, CreatedAt: now}
	if err := tx.InsertField(f); err != nil {
		return store.Field{}, store.Contact{}, err
	}
	return f, c, nil
}
