package contacts

import (
	"errors"
	"fmt"
	"time"

	"vouchdesk/backend/store"
)

// The rules of merging live here; the store only moves rows (store.Tx.MoveContactRows,
// UnmergeRows). docs/decisions.md says why device proofs follow a merged contact.

// Why a merge or its undo cannot go ahead.
var (
	// ErrMergeOrgs: the two contacts are not of one organization (nothing merges across them).
	ErrMergeOrgs = errors.New("contacts: contacts of different organizations")
	// ErrUndoOrder: the survivor has since been merged into another contact; that merge must be
	// undone first, or what moved would land on a contact nobody sees.
	ErrUndoOrder = errors.New("contacts: undo the later merge first")
)

// Merge makes mergedID part of survivorID in the caller's transaction, for evidence that one
// person holds both (an agent's verified field, a customer proving in one chat two addresses two
// contacts have). Only verified evidence may call it; a merely typed value never merges.
//
// Both ids are first resolved to the contacts they live on, so merging twice, or two agents
// merging the same pair at once (the writer serializes them), gives one merge: done is false when
// there was nothing left to merge. Everything of the merged contact moves (conversations, fields
// with their verifications and device proofs, emailed transcripts); nothing is deleted. The
// survivor keeps its name and takes the merged one's when it has none; a pending survivor becomes
// active when the merged contact was (verified evidence on the other side confirms the person).
// The merge is recorded with its actor and reason, and can be undone (UndoMerge).
func Merge(tx *store.Tx, orgID, survivorID, mergedID string, actor store.Actor, reason string, now time.Time) (store.Merge, bool, error) {
	surv, err := tx.LiveContact(orgID, survivorID)
	if err != nil {
		return store.Merge{}, false, err
	}
	gone, err := tx.LiveContact(orgID, mergedID)
	if err != nil {
		return store.Merge{}, false, err
	}
	if surv.OrgID != orgID || gone.OrgID != orgID {
		return store.Merge{}, false, ErrMergeOrgs
	}
	if surv.ID == gone.ID {
		return store.Merge{}, false, nil
	}
	moved, err := tx.MoveContactRows(orgID, surv.ID, gone.ID, now)
	if err != nil {
		return store.Merge{}, false, err
	}
	moved.MergedStatus, moved.SurvivorStatus, moved.MergedName = gone.Status, surv.Status, gone.Name
	name, status := surv.Name, surv.Status
	if name == "" && gone.Name != "" {
		name, moved.NameTaken = gone.Name, gone.Name
	}
	if status == store.ContactPending && gone.Status == store.ContactActive {
		status = store.ContactActive
	}
	if err := tx.SetContactNameStatus(orgID, surv.ID, name, status, now); err != nil {
		return store.Merge{}, false, err
	}
	m := store.Merge{ID: store.NewID(), OrgID: orgID, SurvivorID: surv.ID, MergedID: gone.ID, ActorUserID: actor.UserID,
		Reason: reason, Moved: moved, CreatedAt: now}
	if err := tx.InsertMerge(m); err != nil {
		return store.Merge{}, false, err
	}
	err = tx.Audit(orgID, actor, "contact.merge", "contacts", surv.ID, map[string]any{"merge": m.ID, "merged": gone.ID, "reason": reason,
		"conversations": len(moved.Conversations), "fields": len(moved.Fields), "outbox": len(moved.Outbox)})
	return m, true, err
}

// UndoMerge splits a merged contact out of its survivor again, inside the caller's transaction:
// what the merge moved goes back where it is still on the survivor, and so do the conversations
// that came later through a moved field (store.Tx.UnmergeRows). The merged contact is active
// again (pending if it was pending before the merge); a name the survivor took from it is given
// back. Undoing an undone merge does nothing (done false); a survivor merged away since must have
// that merge undone first (ErrUndoOrder).
func UndoMerge(tx *store.Tx, orgID, mergeID string, actor store.Actor, now time.Time) (m store.Merge, done bool, err error) {
	m, err = tx.Merge(orgID, mergeID)
	if err != nil {
		return store.Merge{}, false, err
	}
	if !m.UndoneAt.IsZero() {
		return m, false, nil
	}
	surv, err := tx.Contact(orgID, m.SurvivorID)
	if err != nil {
		return store.Merge{}, false, err
	}
	if surv.Status == store.ContactMerged {
		return store.Merge{}, false, ErrUndoOrder
	}
	gone, err := tx.Contact(orgID, m.MergedID)
	if err != nil {
		return store.Merge{}, false, err
	}
	if gone.Status != store.ContactMerged || gone.MergedInto != surv.ID {
		return store.Merge{}, false, fmt.Errorf("contacts: undo merge %s: the merged contact is no longer part of the survivor", m.ID)
	}
	status := m.Moved.MergedStatus
	if status != store.ContactPending {
		status = store.ContactActive
	}
	later, err := tx.UnmergeRows(m, status, actor, now)
	if err != nil {
		return store.Merge{}, false, err
	}
	if m.Moved.NameTaken != "" && surv.Name == m.Moved.NameTaken {
		if err := tx.SetContactName(orgID, surv.ID, "", now); err != nil {
			return store.Merge{}, false, err
		}
	}
	m.UndoneAt, m.UndoneBy = now, actor.UserID
	err = tx.Audit(orgID, actor, "contact.unmerge", "contacts", surv.ID, map[string]any{"merge": m.ID, "merged": gone.ID,
		"conversations": len(m.Moved.Conversations) + len(later), "fields": len(m.Moved.Fields)})
	return m, true, err
}
