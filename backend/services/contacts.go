package services

import (
	"vouchdesk/backend/contacts"
)

// Contacts is the agent's side of contacts: the list with search as you type, the contact view
// with its timeline, Manage Contact Information (edit, add and verify fields, merges), removing a
// verification and undoing a merge. Every call acts as the signed-in agent. The Go side emits
// "chat:changed" after a write, so open views reload.
type Contacts struct{ b *Backend }

// NewContacts returns the Contacts service.
func NewContacts(b *Backend) *Contacts { return &Contacts{b: b} }

// Search returns the contacts whose name, email or phone contains query (at most 50, the
// best matches first); an empty query lists contacts by name.
func (c *Contacts) Search(query string) (ContactSearch, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactSearch{}, c.b.jsError("contacts.search", err)
	}
	out, err := e.Contacts.Search(ctx, ws.Me, query)
	return out, c.b.jsError("contacts.search", err)
}

// Get returns one contact. A merged contact's detail names its survivor (MergedInto).
func (c *Contacts) Get(id string) (ContactDetail, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.get", err)
	}
	d, err := e.Contacts.Detail(ctx, ws.Me, id)
	return d, c.b.jsError("contacts.get", err)
}

// Timeline returns a page (50 items) of the contact's timeline, newest first, from cursor
// ("" for the first page).
func (c *Contacts) Timeline(id, cursor string) (TimelinePage, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return TimelinePage{}, c.b.jsError("contacts.timeline", err)
	}
	p, err := e.Contacts.Timeline(ctx, ws.Me, id, cursor)
	return p, c.b.jsError("contacts.timeline", err)
}

func (c *Contacts) edit(in ContactEdit) contacts.Edit {
	e := contacts.Edit{ContactID: in.ContactID, ConversationID: in.ConversationID, Name: in.Name, Verify: in.Verify}
	for _, f := range in.Add {
		e.Add = append(e.Add, contacts.NewField{Kind: f.Kind, Value: f.Value, Verify: f.Verify})
	}
	return e
}

// PreviewEdit checks an edit without saving it: each added field normalized or refused with
// the reason, and the contacts Save would merge into this one.
func (c *Contacts) PreviewEdit(edit ContactEdit) (EditPreview, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return EditPreview{}, c.b.jsError("contacts.preview", err)
	}
	p, err := e.Contacts.Preview(ctx, ws.Me, c.edit(edit))
	if err != nil {
		return EditPreview{}, c.b.jsError("contacts.preview", err)
	}
	out := EditPreview{Fields: []FieldCheck{}, Merges: []MergePreview{}, OK: p.OK}
	for _, f := range p.Fields {
		out.Fields = append(out.Fields, FieldCheck{Kind: f.Kind, Input: f.Input, Value: f.Value, Norm: f.Norm, Problem: f.Problem})
	}
	for _, m := range p.Merges {
		out.Merges = append(out.Merges, MergePreview{ContactID: m.ContactID, Name: m.Name, Because: m.Because,
			Conversations: m.Conversations, Fields: m.Fields, NameConflict: m.NameConflict})
	}
	return out, nil
}

// Save applies an edit in one transaction: the name, the added fields, the verifications, and
// the merges they bring. It refuses the whole edit when any field is refused.
func (c *Contacts) Save(edit ContactEdit) (ContactDetail, error) {
	if out, ok, err := forward[ContactDetail](c.b, "contacts.save", RouteSaveEdit.At(), edit); ok {
		return out, err
	}
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.save", err)
	}
	id, err := e.Contacts.Save(ctx, ws.Me, c.edit(edit))
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.save", err)
	}
	d, err := e.Contacts.Detail(ctx, ws.Me, id)
	return d, c.b.jsError("contacts.save", err)
}

// RemoveVerification withdraws the standing verification of a field (recorded; the device
// tokens that proved it stop working).
func (c *Contacts) RemoveVerification(fieldID string) (ContactDetail, error) {
	if out, ok, err := forward[ContactDetail](c.b, "contacts.unverify", RouteUnverifyField.At(fieldID), nil); ok {
		return out, err
	}
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.unverify", err)
	}
	id, err := e.Contacts.RemoveVerification(ctx, ws.Me, fieldID)
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.unverify", err)
	}
	d, err := e.Contacts.Detail(ctx, ws.Me, id)
	return d, c.b.jsError("contacts.unverify", err)
}

// UndoMerge splits a merged contact back out of its survivor: what moved goes back, what
// happened since stays. It returns the survivor.
func (c *Contacts) UndoMerge(mergeID string) (ContactDetail, error) {
	if out, ok, err := forward[ContactDetail](c.b, "contacts.undo", RouteUndoMerge.At(mergeID), nil); ok {
		return out, err
	}
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.undo", err)
	}
	id, err := e.Contacts.UndoMerge(ctx, ws.Me, mergeID)
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.undo", err)
	}
	d, err := e.Contacts.Detail(ctx, ws.Me, id)
	return d, c.b.jsError("contacts.undo", err)
}
