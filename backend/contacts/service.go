package contacts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
	"vouchdesk/backend/textrules"
)

// MaxAddedFields is how many emails and phones one Save may add.
const MaxAddedFields = 20

// Error codes beyond apperr's, stable for the desktop.
const (
	CodeMergedAway = "contact_merged"
	CodeUndoOrder  = "undo_order"
)

// Service edits contacts: Manage Contact Information, removing a verification, merges and their
// undo. Every write is one store transaction; the single writer serializes two agents.
type Service struct {
	st  *store.Store
	now func() time.Time
	// Changed is told about every conversation whose contact panel a write changed ("" when the
	// write touched no conversation), so the desktop and the widget reload; nil ignores it.
	Changed func(orgID, conversationID string)
}

// New returns the contacts service.
func New(st *store.Store, now func() time.Time) *Service { return &Service{st: st, now: now} }

func (s *Service) changed(orgID, conversationID string) {
	if s.Changed != nil {
		s.Changed(orgID, conversationID)
	}
}

// NewField is an email or phone the agent adds.
type NewField struct {
	Kind   string // store.FieldEmail or store.FieldPhone
	Value  string // as typed
	Verify bool   // the agent vouches for it
}

// Edit is one Save of Manage Contact Information.
type Edit struct {
	ContactID      string // "" creates a contact for ConversationID
	ConversationID string
	Name           string
	Add            []NewField
	Verify         []string // ids of existing fields the agent now vouches for
}

// FieldCheck is what an added field becomes, or why it cannot be added.
type FieldCheck struct {
	Kind, Input   string
	Value, Norm   string // display and identity forms when valid
	Problem       string
	ownerID       string // the contact that has it now ("" nobody)
	existingField string
	verify        bool
}

// PlannedMerge is a contact Save will merge into the edited one.
type PlannedMerge struct {
	ContactID     string
	Name          string
	Because       string // the verified value both share, display form
	Conversations int
	Fields        int
	NameConflict  bool
}

// Plan is what Save would do.
type Plan struct {
	Target store.Contact // zero ID: a new contact
	Name   string
	Fields []FieldCheck
	Merges []PlannedMerge
	OK     bool
	conv   store.Conversation
	verify []store.Field
}

// cleanName checks a contact name an agent typed (textrules.CleanName).
func cleanName(raw string) (string, error) {
	name, err := textrules.CleanName(raw)
	if err != nil {
		return "", apperr.Invalid("name", err.Error())
	}
	return name, nil
}

// CheckField normalizes an email or phone, or says in words why it cannot be one. region is the
// organization's country for national phone numbers.
func CheckField(kind, raw, region string) (norm, display, problem string) {
	switch kind {
	case store.FieldEmail:
		n, d, err := NormalizeEmail(raw)
		if err != nil {
			return "", "", "Not an email address: enter one like name@example.com."
		}
		return n, d, ""
	case store.FieldPhone:
		n, d, err := NormalizePhone(raw, region)
		if err != nil {
			msg := err.Error()
			return "", "", strings.ToUpper(msg[:1]) + msg[1:] + "."
		}
		return n, d, ""
	}
	return "", "", "A field is an email or a phone."
}

func (s *Service) plan(tx *store.Tx, agent store.User, e Edit) (Plan, error) {
	var p Plan
	org, err := tx.Organization(agent.OrgID)
	if err != nil {
		return Plan{}, err
	}
	if p.Name, err = cleanName(e.Name); err != nil {
		return Plan{}, err
	}
	if len(e.Add) > MaxAddedFields {
		return Plan{}, apperr.Invalid("add", fmt.Sprintf("Add at most %d emails and phones at once.", MaxAddedFields))
	}
	switch {
	case e.ContactID != "":
		c, err := tx.Contact(org.ID, e.ContactID)
		if errors.Is(err, store.ErrNotFound) {
			return Plan{}, apperr.NotFound("This contact does not exist.")
		}
		if err != nil {
			return Plan{}, err
		}
		if c.Status == store.ContactMerged {
			return Plan{}, &apperr.Error{Code: CodeMergedAway, Message: "This contact was merged into another one; edit that one instead."}
		}
		p.Target = c
	case e.ConversationID == "":
		return Plan{}, apperr.Invalid("contactId", "Say which contact or conversation to edit.")
	}
	if e.ConversationID != "" {
		conv, err := tx.Conversation(org.ID, e.ConversationID)
		if errors.Is(err, store.ErrNotFound) {
			return Plan{}, apperr.NotFound("This conversation does not exist.")
		}
		if err != nil {
			return Plan{}, err
		}
		p.conv = conv
		if e.ContactID == "" && conv.ContactID != "" {
			return Plan{}, apperr.Conflict("This conversation has a contact already; reopen it to edit that one.")
		}
	}
	seen := map[string]bool{}
	for _, nf := range e.Add {
		fc := FieldCheck{Kind: nf.Kind, Input: nf.Value, verify: nf.Verify}
		fc.Norm, fc.Value, fc.Problem = CheckField(nf.Kind, nf.Value, org.DefaultRegion)
		if fc.Problem == "" && seen[nf.Kind+"\x00"+fc.Norm] {
			fc.Problem = "Listed twice."
		}
		if fc.Problem == "" {
			seen[nf.Kind+"\x00"+fc.Norm] = true
			f, owner, err := tx.FieldByValue(org.ID, nf.Kind, fc.Norm)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return Plan{}, err
			case p.Target.ID != "" && owner.ID == p.Target.ID:
				fc.existingField = f.ID
				if !nf.Verify {
					fc.Problem = "This contact has it already."
				}
			case !nf.Verify:
				// Only verified evidence merges: an unproven value never pulls another contact in.
				fc.Problem = "It belongs to another contact. Tick \"Verified by me\" if you have verified it: the two contacts are then merged."
			case p.Target.ID == "":
				// A new contact whose first verified value someone has: that contact is the one.
				p.Target, fc.existingField = owner, f.ID
			default:
				fc.existingField, fc.ownerID = f.ID, owner.ID
				if !containsMerge(p.Merges, owner.ID) {
					convs, fields, err := tx.ContactSize(org.ID, owner.ID)
					if err != nil {
						return Plan{}, err
					}
					p.Merges = append(p.Merges, PlannedMerge{ContactID: owner.ID, Name: owner.Name, Because: f.ValueDisplay,
						Conversations: convs, Fields: fields})
				}
			}
		}
		p.Fields = append(p.Fields, fc)
	}
	// A merge found before the target was settled (several values of one new contact) is fine:
	// drop any planned merge of the target into itself.
	kept := p.Merges[:0]
	for _, m := range p.Merges {
		if m.ContactID != p.Target.ID {
			kept = append(kept, m)
		}
	}
	p.Merges = kept
	name := p.Name
	if name == "" {
		name = p.Target.Name
	}
	for i := range p.Merges {
		m := &p.Merges[i]
		m.NameConflict = m.Name != "" && name != "" && !strings.EqualFold(m.Name, name)
	}
	for _, id := range e.Verify {
		f, err := tx.Field(org.ID, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && f.ContactID != p.Target.ID) {
			return Plan{}, apperr.Invalid("verify", "A field to verify is no longer on this contact; reopen it.")
		}
		if err != nil {
			return Plan{}, err
		}
		p.verify = append(p.verify, f)
	}
	p.OK = true
	for _, fc := range p.Fields {
		if fc.Problem != "" {
			p.OK = false
		}
	}
	return p, nil
}

func containsMerge(ms []PlannedMerge, id string) bool {
	for _, m := range ms {
		if m.ContactID == id {
			return true
		}
	}
	return false
}

// Preview checks an edit without writing anything.
func (s *Service) Preview(ctx context.Context, agent store.User, e Edit) (Plan, error) {
	var p Plan
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		p, err = s.plan(tx, agent, e)
		return err
	})
	return p, err
}

// Save applies an edit in one write transaction: the name, the new fields, the agent's
// verifications and the merges they bring (each recorded, undoable). A refused field refuses
// the whole edit. It returns the edited contact's id.
func (s *Service) Save(ctx context.Context, agent store.User, e Edit) (string, error) {
	now := s.now()
	var targetID string
	var touched []string
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		p, err := s.plan(tx, agent, e)
		if err != nil {
			return err
		}
		if !p.OK {
			for _, fc := range p.Fields {
				if fc.Problem != "" {
					return apperr.Invalid("add", fc.Input+": "+fc.Problem)
				}
			}
		}
		actor := store.AgentActor(agent.ID)
		orgID := agent.OrgID
		c := p.Target
		if c.ID == "" {
			c = store.Contact{ID: store.NewID(), OrgID: orgID, Name: p.Name, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
			if err := tx.InsertContact(c); err != nil {
				return err
			}
			if err := tx.Audit(orgID, actor, "contact.create", "contacts", c.ID, map[string]any{"conversation": e.ConversationID}); err != nil {
				return err
			}
		} else if p.Name != c.Name && (p.Name != "" || e.ContactID != "") {
			if err := tx.SetContactName(orgID, c.ID, p.Name, now); err != nil {
				return err
			}
		}
		for _, m := range p.Merges {
			reason := m.Because + ": " + VerifiedLabel(store.MethodAgent, agent.Name)
			if _, _, err := Merge(tx, orgID, c.ID, m.ContactID, actor, reason, now); err != nil {
				return err
			}
		}
		var linkField, verifiedField string
		for _, fc := range p.Fields {
			id := fc.existingField
			if id == "" {
				id = store.NewID()
				if err := tx.InsertField(store.Field{ID: id, OrgID: orgID, ContactID: c.ID, Kind: fc.Kind, ValueNorm: fc.Norm,
					ValueDisplay: fc.Value, CreatedAt: now}); err != nil {
					return err
				}
			}
			if linkField == "" {
				linkField = id
			}
			if fc.verify {
				if err := s.vouch(tx, agent, p.conv, id, now); err != nil {
					return err
				}
				if verifiedField == "" {
					verifiedField = id
				}
			}
		}
		for _, f := range p.verify {
			if err := s.vouch(tx, agent, p.conv, f.ID, now); err != nil {
				return err
			}
			if f.ID == p.conv.LinkFieldID {
				verifiedField = f.ID
			}
		}
		if err := tx.Audit(orgID, actor, "contact.edit", "contacts", c.ID, map[string]any{"added": len(p.Fields),
			"verified": len(p.verify), "merged": len(p.Merges), "conversation": e.ConversationID}); err != nil {
			return err
		}
		if err := s.link(tx, agent, p.conv, c.ID, linkField, verifiedField, now); err != nil {
			return err
		}
		targetID = c.ID
		if p.conv.ID != "" {
			touched = append(touched, p.conv.ID)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	s.changed(agent.OrgID, "")
	for _, id := range touched {
		s.changed(agent.OrgID, id)
	}
	return targetID, nil
}

// vouch records the agent's verification of a field; when the edit was opened from a
// conversation whose link rests on that field, the customer's browser there proved it too, as
// "Mark verified" does.
func (s *Service) vouch(tx *store.Tx, agent store.User, conv store.Conversation, fieldID string, now time.Time) error {
	p := Proof{OrgID: agent.OrgID, FieldID: fieldID, Method: store.MethodAgent, Actor: store.AgentActor(agent.ID),
		ActorName: agent.Name, ConversationID: conv.ID}
	if conv.ID != "" && conv.DeviceID != "" && conv.LinkFieldID == fieldID {
		p.DeviceID = conv.DeviceID
	}
	_, err := RecordProof(tx, p, now)
	return err
}

// link ties the conversation the edit came from to the contact: a conversation without one is
// linked (verified when the agent verified a field, else preliminary on the first new field);
// one whose link field the agent just verified becomes verified.
func (s *Service) link(tx *store.Tx, agent store.User, conv store.Conversation, contactID, firstField, verifiedField string, now time.Time) error {
	if conv.ID == "" {
		return nil
	}
	cur, err := tx.Conversation(agent.OrgID, conv.ID)
	if err != nil {
		return err
	}
	switch {
	case cur.ContactID == "" && verifiedField != "":
		return tx.SetLink(agent.OrgID, cur.ID, contactID, verifiedField, store.LinkVerified)
	case cur.ContactID == "" && firstField != "":
		return tx.SetLink(agent.OrgID, cur.ID, contactID, firstField, store.LinkPreliminary)
	case cur.ContactID == contactID && verifiedField != "" && verifiedField == cur.LinkFieldID:
		return tx.SetLink(agent.OrgID, cur.ID, contactID, verifiedField, store.LinkVerified)
	}
	return nil
}

// RemoveVerification withdraws a field's standing verifications (recorded with the agent and
// time); browsers that proved it are no longer recognised, and open chats resting on it drop
// to preliminary. It returns the field's contact.
func (s *Service) RemoveVerification(ctx context.Context, agent store.User, fieldID string) (string, error) {
	now := s.now()
	var contactID string
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		f, err := tx.Field(agent.OrgID, fieldID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("This email or phone is no longer on the contact.")
		}
		if err != nil {
			return err
		}
		n, err := tx.RevokeFieldVerifications(agent.OrgID, f.ID, agent.ID, now)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.Conflict("It is not verified.")
		}
		contactID = f.ContactID
		return tx.Audit(agent.OrgID, store.AgentActor(agent.ID), "field.unverify", "contact_fields", f.ID, map[string]any{"revoked": n})
	})
	if err != nil {
		return "", err
	}
	s.changed(agent.OrgID, "")
	return contactID, nil
}

// UndoMerge splits a merged contact back out; it returns the survivor's id.
func (s *Service) UndoMerge(ctx context.Context, agent store.User, mergeID string) (string, error) {
	now := s.now()
	var survivor string
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		m, _, err := UndoMerge(tx, agent.OrgID, mergeID, store.AgentActor(agent.ID), now)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return apperr.NotFound("This merge does not exist.")
		case errors.Is(err, ErrUndoOrder):
			return &apperr.Error{Code: CodeUndoOrder, Message: "This contact was merged into another one since; undo that merge first."}
		case err != nil:
			return err
		}
		survivor = m.SurvivorID
		return nil
	})
	if err != nil {
		return "", err
	}
	s.changed(agent.OrgID, "")
	return survivor, nil
}
