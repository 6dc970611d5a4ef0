package verify

import (
	"errors"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

// Whether an address belongs to a contact is never told to whoever types it (docs/verification.md,
// "What the customer is told"): not by the answer, and not by the work behind it, which an
// attacker can time, nor by a budget one call spends and another reads. Where a customer types
// an address (SubmitEmail), a known and an unknown address run the same statements:
//   - claimEmail tries to register a contact for the address in either case; the identity index
//     refuses a taken address and the attempt is rolled back (store.RegisterUnlessTaken), then
//     the address's holder is read and one audit row is written, whoever holds it;
//   - under double opt-in, an unknown address gets a confirmation email; a known one does the
//     same reads and writes, undoes the queued email, and so spends the same slot of the
//     address's send budget without an email (spendOptIn).
// The sign-in code request reads nothing about contacts at all (SendSigninCode).

// claimEmail finds the contact that has the address, registering one (pending under double
// opt-in, active otherwise, with the consent the customer gave) if nobody has it; registered says
// which. The statements are the same either way (see above).
func claimEmail(tx *store.Tx, org store.Organization, cur store.Conversation, by store.Actor, norm, display string, consent bool,
	now time.Time) (store.Field, store.Contact, bool, error) {
	status := store.ContactActive
	if org.DoubleOptIn {
		status = store.ContactPending
	}
	c := store.Contact{ID: store.NewID(), OrgID: org.ID, Name: cur.VisitorName, Status: status, CreatedAt: now, UpdatedAt: now}
	var consentAt time.Time
	if consent {
		consentAt = now
	}
	f := store.Field{ID: store.NewID(), OrgID: org.ID, ContactID: c.ID, Kind: store.FieldEmail, ValueNorm: norm,
		ValueDisplay: display, CreatedAt: now}
	registered, err := tx.RegisterUnlessTaken(c, org.ConsentText, consentAt, f)
	if err != nil {
		return store.Field{}, store.Contact{}, false, err
	}
	// Read the holder back in both cases: the same query whether it is new or not.
	if f, c, err = tx.FieldByValue(org.ID, store.FieldEmail, norm); err != nil {
		return store.Field{}, store.Contact{}, false, err
	}
	action := "contact.email_given"
	if registered {
		action = "contact.register"
	}
	err = tx.Audit(org.ID, by, action, "contacts", c.ID, map[string]any{"status": c.Status, "conversation": cur.ID})
	return f, c, registered, err
}

// spendOptIn is what a known address does under double opt-in where an unknown one gets a
// confirmation (sendOptIn): the same reads (the sender, the address's budget), the same email
// composed and queued, the queueing undone (store.Tx.DryRun), and, if one would have been sent,
// one slot of the address's send budget spent without an email. So the budget is spent alike
// whether or not the address is known, and the sign-in's "This address got several emails"
// (addressBudget) answers the same for both: without it, typing an address five times in a chat
// would spend an unknown address's budget and leave a known one's untouched, and asking for a
// sign-in code would tell them apart. The slot is a double opt-in challenge whose secret nobody
// holds, bound to no conversation, dead a millisecond after it is made (addressBudget counts
// challenges by target and time).
func (s *Service) spendOptIn(tx *store.Tx, org store.Organization, cur store.Conversation, c store.Contact, norm, display string,
	now time.Time) error {
	sender, err := tx.VerifiedSenderEmail(org.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if wait, err := addressBudget(tx, org.ID, norm, now); err != nil || wait > 0 {
		return err
	}
	plain, hash := token.NewLink()
	ch := store.Challenge{ID: store.NewID(), OrgID: org.ID, Purpose: store.PurposeDoubleOptIn, SecretHash: hash,
		TargetKind: store.FieldEmail, TargetValue: norm, CreatedAt: now, ExpiresAt: now.Add(time.Millisecond)}
	if err := tx.InsertChallenge(ch); err != nil {
		return err
	}
	msg := optInEmail(org.Name, org.ConsentText, s.link(verifyPathOptIn, plain))
	return tx.DryRun(func() error {
		_, err := outbox.Enqueue(tx, outbox.Email{OrgID: org.ID, Kind: outbox.KindDoubleOptIn, IdempotencyKey: "double_opt_in:" + ch.ID,
			FromName: org.Name, FromAddr: sender.Address, To: display, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML,
			ConversationID: cur.ID, ContactID: c.ID}, now)
		return err
	})
}
