package verify

import (
	"time"

	"vouchdesk/backend/store"
)

// Whether an address belongs to a contact is never told to whoever types it (docs/verification.md,
// "What the customer is told"): not by the answer, and not by the work behind it, which an
// attacker can time, nor by a budget one call spends and another reads. Where a customer types
// an address (SubmitEmail), a known and an unknown address run the same statements:
//   - claimEmail tries to register a contact for the address in either case; the identity index
//     refuses a taken address and the attempt is rolled back (store.RegisterUnlessTaken), then
//     the address's holder is read and one audit row is written, whoever holds it;
//   - under double opt-in, an unknown address gets a confirmation email; a known one does the
//     same work and undoes it (padOptIn). Confirmations have their own per-address budget, which
//     no other call reads (optInBudget): counted with codes and sign-in codes, they would let a
//     few typed addresses and a sign-in request tell known from unknown.
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

// padOptIn is what a known address does under double opt-in where an unknown one gets a
// confirmation (sendOptIn): the same reads and writes (the sender, the confirmations' budget, the
// challenge, the email composed and queued), undone (store.Tx.DryRun). Nothing stays, and the
// confirmations' budget is one no other call reads (optInBudget), so it tells nothing either.
func (s *Service) padOptIn(tx *store.Tx, org store.Organization, cur store.Conversation, c store.Contact, norm, display string,
	now time.Time) error {
	return tx.DryRun(func() error {
		_, err := s.sendOptIn(tx, org, cur, c, norm, display, now)
		return err
	})
}
