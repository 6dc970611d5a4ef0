package services

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
)

// Contacts is the agent's side of contacts: the list with search as you type, the contact view
// with its timeline, Manage Contact Information (edit, add and verify fields, merges), removing a
// verification and undoing a merge. Every call acts as the signed-in agent. The Go side emits
// "chat:changed" after a write, so open views reload.
type Contacts struct{ b *Backend }

// NewContacts returns the Contacts service.
func NewContacts(b *Backend) *Contacts { return &Contacts{b: b} }

// TimelinePageSize is how many timeline items one page holds.
const TimelinePageSize = 50

// SearchLimit is how many contacts one search returns.
const SearchLimit = 50

// maxQuery is the longest search text used; longer input is cut (no contact field is longer).
const maxQuery = 320

// Search returns the contacts whose name, email or phone contains query (at most 50, the
// best matches first); an empty query lists contacts by name.
func (c *Contacts) Search(query string) (ContactSearch, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactSearch{}, c.b.jsError("contacts.search", err)
	}
	if len(query) > maxQuery {
		query = strings.ToValidUTF8(query[:maxQuery], "")
	}
	hits, more, err := e.Store.SearchContacts(ctx, ws.Organization.ID, query, SearchLimit)
	if err != nil {
		return ContactSearch{}, c.b.jsError("contacts.search", err)
	}
	out := ContactSearch{Query: query, Contacts: make([]ContactSummary, len(hits)), More: more}
	for i, h := range hits {
		out.Contacts[i] = ContactSummary{ID: h.ID, Name: h.Name, Emails: nonNil(h.Emails), Phones: nonNil(h.Phones),
			Verified: h.Verified, Status: h.Status}
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Get returns one contact. A merged contact's detail names its survivor (MergedInto).
func (c *Contacts) Get(id string) (ContactDetail, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.get", err)
	}
	d, err := contactDetail(ctx, e, ws, id)
	return d, c.b.jsError("contacts.get", err)
}

func contactDetail(ctx context.Context, e *engine.Engine, ws org.Workspace, id string) (ContactDetail, error) {
	orgID := ws.Organization.ID
	ct, err := e.Store.ContactByID(ctx, orgID, id)
	if errors.Is(err, store.ErrNotFound) {
		return ContactDetail{}, apperr.NotFound("This contact does not exist.")
	}
	if err != nil {
		return ContactDetail{}, err
	}
	d := ContactDetail{ID: ct.ID, Name: ct.Name, Status: ct.Status, MergedInto: ct.MergedInto, CreatedAt: stamp(ct.CreatedAt),
		Fields: []ContactField{}, OtherNames: []string{}, Merges: []MergeRecord{}}
	states, err := e.Store.ContactFieldStates(ctx, orgID, ct.ID)
	if err != nil {
		return ContactDetail{}, err
	}
	for _, fs := range states {
		f := ContactField{ID: fs.ID, Kind: fs.Kind, Value: fs.ValueDisplay, Norm: fs.ValueNorm, VerifiedLabel: contacts.NotVerified}
		if fs.Verified.ID != "" {
			f.Verified, f.Method, f.VerifiedAt = true, fs.Verified.Method, stamp(fs.Verified.VerifiedAt)
			f.VerifiedLabel = contacts.VerifiedLabel(fs.Verified.Method, fs.Verified.ActorName)
			if fs.Verified.Method == store.MethodAgent {
				f.VerifiedBy = fs.Verified.ActorName
			}
		} else if fs.Revoked.ID != "" {
			by := fs.RevokedBy
			if by == "" {
				by = "an agent"
			}
			f.RemovedNote = fmt.Sprintf("%s removed by %s on %s", contacts.VerifiedLabel(fs.Revoked.Method, fs.Revoked.ActorName),
				by, fs.RevokedAt.UTC().Format("2 Jan 2006 15:04 UTC"))
		}
		d.Fields = append(d.Fields, f)
	}
	merges, err := e.Store.MergesOf(ctx, orgID, ct.ID)
	if err != nil {
		return ContactDetail{}, err
	}
	seen := map[string]bool{strings.ToLower(ct.Name): true}
	for _, m := range merges {
		if m.SurvivorID != ct.ID {
			continue
		}
		d.Merges = append(d.Merges, MergeRecord{ID: m.ID, MergedID: m.MergedID, MergedName: m.Moved.MergedName, Reason: m.Reason,
			ActorName: m.ActorName, At: stamp(m.CreatedAt), Conversations: len(m.Moved.Conversations), Fields: len(m.Moved.Fields),
			UndoneAt: stamp(m.UndoneAt), UndoneBy: m.UndoneName})
		if n := m.Moved.MergedName; m.UndoneAt.IsZero() && n != "" && !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			d.OtherNames = append(d.OtherNames, n)
		}
	}
	if d.Conversations, _, err = e.Store.ContactCounts(ctx, orgID, ct.ID); err != nil {
		return ContactDetail{}, err
	}
	return d, nil
}

// Timeline returns a page (50 items) of the contact's timeline, newest first, from cursor
// ("" for the first page).
func (c *Contacts) Timeline(id, cursor string) (TimelinePage, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return TimelinePage{}, c.b.jsError("contacts.timeline", err)
	}
	from, err := parseCursor(cursor)
	if err != nil {
		return TimelinePage{}, c.b.jsError("contacts.timeline", err)
	}
	entries, next, err := e.Store.Timeline(ctx, ws.Organization.ID, id, from, TimelinePageSize)
	if err != nil {
		return TimelinePage{}, c.b.jsError("contacts.timeline", err)
	}
	page := TimelinePage{Items: make([]TimelineItem, len(entries))}
	for i, en := range entries {
		page.Items[i] = timelineItem(en)
	}
	if next.Key != "" {
		page.Next = strconv.FormatInt(next.At, 10) + "." + next.Key
	}
	return page, nil
}

func parseCursor(s string) (store.TimelineCursor, error) {
	if s == "" {
		return store.TimelineCursor{}, nil
	}
	at, key, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || key == "" {
		return store.TimelineCursor{}, apperr.Invalid("cursor", "This page of the timeline cannot be found; reload it.")
	}
	return store.TimelineCursor{At: n, Key: key}, nil
}

func duration(sec int) string {
	if sec < 60 {
		return fmt.Sprintf("%ds", sec)
	}
	return fmt.Sprintf("%dm %02ds", sec/60, sec%60)
}

func timelineItem(en store.TimelineEntry) TimelineItem {
	it := TimelineItem{ID: en.Key, Kind: en.Kind, At: stamp(en.At), Channel: en.InboxName, ConversationID: en.ConversationID,
		Status: en.Status, DurationSecond: en.Duration, MergeID: en.MergeID}
	kind := map[string]string{store.FieldEmail: "Email", store.FieldPhone: "Phone"}[en.FieldKind]
	switch en.Kind {
	case store.TimelineChat:
		it.Title, it.Method, it.Detail = "Chat in "+en.InboxName, en.LinkState, en.Preview
		if en.FieldValue != "" {
			it.Title += " as " + en.FieldValue
		}
	case store.TimelineCall:
		from := en.FieldValue
		if from == "" {
			from = "a withheld number"
		}
		it.Title, it.Method, it.Detail = "Call from "+from, en.LinkState, en.CallStatus
		if en.Duration > 0 {
			it.Title += " (" + duration(en.Duration) + ")"
		}
	case store.TimelineTranscript:
		it.Title, it.Detail = "Transcript emailed to "+en.FieldValue, en.Status
	case store.TimelineVerification:
		it.Method = en.Method
		it.Title = kind + " " + en.FieldValue + " " + strings.ToLower(contacts.VerifiedLabel(en.Method, en.ActorName)[:1]) +
			contacts.VerifiedLabel(en.Method, en.ActorName)[1:]
	case store.TimelineUnverification:
		by := en.ActorName
		if by == "" {
			by = "an agent"
		}
		it.Method, it.Title = en.Method, "Verification of "+strings.ToLower(kind)+" "+en.FieldValue+" removed by "+by
	case store.TimelineMerge, store.TimelineUnmerge:
		other := en.OtherName
		if other == "" {
			other = "an unnamed contact"
		}
		verb := "Merged with "
		if en.Kind == store.TimelineUnmerge {
			verb = "Merge undone: split from "
		} else if !en.Survivor {
			verb = "Merged into "
		}
		it.Title, it.Detail = verb+other, en.Reason
		if en.Kind == store.TimelineMerge && en.Survivor {
			noun := "conversations"
			if en.Moved == 1 {
				noun = "conversation"
			}
			it.Detail = fmt.Sprintf("%s; %d %s came with it", en.Reason, en.Moved, noun)
			it.CanUndo = !en.MergeUndone
		}
		if en.ActorName != "" {
			it.Detail += " (" + en.ActorName + ")"
		}
	}
	return it
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
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.save", err)
	}
	id, err := e.Contacts.Save(ctx, ws.Me, c.edit(edit))
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.save", err)
	}
	d, err := contactDetail(ctx, e, ws, id)
	return d, c.b.jsError("contacts.save", err)
}

// RemoveVerification withdraws the standing verification of a field (recorded; the device
// tokens that proved it stop working).
func (c *Contacts) RemoveVerification(fieldID string) (ContactDetail, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.unverify", err)
	}
	id, err := e.Contacts.RemoveVerification(ctx, ws.Me, fieldID)
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.unverify", err)
	}
	d, err := contactDetail(ctx, e, ws, id)
	return d, c.b.jsError("contacts.unverify", err)
}

// UndoMerge splits a merged contact back out of its survivor: what moved goes back, what
// happened since stays. It returns the survivor.
func (c *Contacts) UndoMerge(mergeID string) (ContactDetail, error) {
	ctx, e, ws, err := c.b.workspace()
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.undo", err)
	}
	id, err := e.Contacts.UndoMerge(ctx, ws.Me, mergeID)
	if err != nil {
		return ContactDetail{}, c.b.jsError("contacts.undo", err)
	}
	d, err := contactDetail(ctx, e, ws, id)
	return d, c.b.jsError("contacts.undo", err)
}
