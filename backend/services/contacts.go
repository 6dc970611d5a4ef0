package services

import "vouchdesk/backend/apperr"

// Contacts is the agent's side of contacts: the list with search as you type, the contact view
// with its timeline, Manage Contact Information (edit, add and verify fields, merges), removing a
// verification and undoing a merge. Every call acts as the signed-in agent. The Go side emits
// "chat:changed" after a write, so open views reload.
type Contacts struct{ b *Backend }

// NewContacts returns the Contacts service.
func NewContacts(b *Backend) *Contacts { return &Contacts{b: b} }

var errNotYet = &apperr.Error{Code: "unavailable", Message: "Contacts are being built."}

// Search returns the contacts whose name, email or phone contains query (at most 50, the
// best matches first); an empty query lists contacts by name.
func (c *Contacts) Search(query string) (ContactSearch, error) { return ContactSearch{}, errNotYet }

// Get returns one contact. A merged contact's detail names its survivor (MergedInto).
func (c *Contacts) Get(id string) (ContactDetail, error) { return ContactDetail{}, errNotYet }

// Timeline returns a page (50 items) of the contact's timeline, newest first, from cursor
// ("" for the first page).
func (c *Contacts) Timeline(id, cursor string) (TimelinePage, error) { return TimelinePage{}, errNotYet }

// PreviewEdit checks an edit without saving it: each added field normalized or refused with
// the reason, and the contacts Save would merge into this one.
func (c *Contacts) PreviewEdit(edit ContactEdit) (EditPreview, error) { return EditPreview{}, errNotYet }

// Save applies an edit in one transaction: the name, the added fields, the verifications, and
// the merges they bring. It refuses the whole edit when any field is refused.
func (c *Contacts) Save(edit ContactEdit) (ContactDetail, error) { return ContactDetail{}, errNotYet }

// RemoveVerification withdraws the standing verification of a field (recorded; the device
// tokens that proved it stop working).
func (c *Contacts) RemoveVerification(fieldID string) (ContactDetail, error) {
	return ContactDetail{}, errNotYet
}

// UndoMerge splits a merged contact back out of its survivor: what moved goes back, what
// happened since stays. It returns the survivor.
func (c *Contacts) UndoMerge(mergeID string) (ContactDetail, error) { return ContactDetail{}, errNotYet }
