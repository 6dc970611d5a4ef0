package contacts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
	"vouchdesk/backend/wiretime"
)

// The contact views: search as you type, a contact, its timeline. Reads only; what an agent may
// see of a contact from a chat is gated in backend/conversations.

// TimelinePageSize is how many timeline items one page holds.
const TimelinePageSize = 50

// SearchLimit is how many contacts one search returns.
const SearchLimit = 50

// maxQuery is the longest search text used; longer input is cut (no contact field is longer).
const maxQuery = 320

// Search returns the contacts whose name, email or phone contains query (at most 50, the
// best matches first); an empty query lists contacts by name.
func (s *Service) Search(ctx context.Context, agent store.User, query string) (ContactSearch, error) {
	if len(query) > maxQuery {
		query = strings.ToValidUTF8(query[:maxQuery], "")
	}
	hits, more, err := s.st.SearchContacts(ctx, agent.OrgID, query, SearchLimit)
	if err != nil {
		return ContactSearch{}, err
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

// Detail returns one contact of the agent's organization with how each field was verified and
// the merges into it. A merged contact's detail names its survivor (MergedInto).
func (s *Service) Detail(ctx context.Context, agent store.User, id string) (ContactDetail, error) {
	orgID := agent.OrgID
	ct, err := s.st.ContactByID(ctx, orgID, id)
	if errors.Is(err, store.ErrNotFound) {
		return ContactDetail{}, apperr.NotFound("This contact does not exist.")
	}
	if err != nil {
		return ContactDetail{}, err
	}
	d := ContactDetail{ID: ct.ID, Name: ct.Name, Status: ct.Status, MergedInto: ct.MergedInto, CreatedAt: wiretime.Format(ct.CreatedAt),
		Fields: []ContactField{}, OtherNames: []string{}, Merges: []MergeRecord{}}
	states, err := s.st.ContactFieldStates(ctx, orgID, ct.ID)
	if err != nil {
		return ContactDetail{}, err
	}
	for _, fs := range states {
		f := ContactField{ID: fs.ID, Kind: fs.Kind, Value: fs.ValueDisplay, Norm: fs.ValueNorm, VerifiedLabel: NotVerified}
		if fs.Verified.ID != "" {
			f.Verified, f.Method, f.VerifiedAt = true, fs.Verified.Method, wiretime.Format(fs.Verified.VerifiedAt)
			f.VerifiedLabel = VerifiedLabel(fs.Verified.Method, fs.Verified.ActorName)
			if fs.Verified.Method == store.MethodAgent {
				f.VerifiedBy = fs.Verified.ActorName
			}
		} else if fs.Revoked.ID != "" {
			by := fs.RevokedBy
			if by == "" {
				by = "an agent"
			}
			f.RemovedNote = fmt.Sprintf("%s removed by %s on %s", VerifiedLabel(fs.Revoked.Method, fs.Revoked.ActorName),
				by, fs.RevokedAt.UTC().Format("2 Jan 2006 15:04 UTC"))
		}
		if fs.Kind == store.FieldEmail {
			b, ok, err := s.st.LastBounceTo(ctx, orgID, fs.ValueNorm)
			if err != nil {
				return ContactDetail{}, err
			}
			// A proof of the address after the bounce (a code or link it received) outweighs it.
			if ok && (fs.Verified.ID == "" || fs.Verified.VerifiedAt.Before(b.At)) {
				f.Bounced = fmt.Sprintf("This address bounced on %s: %s", b.At.UTC().Format("2 Jan 2006 15:04 UTC"), b.Reason)
			}
		}
		d.Fields = append(d.Fields, f)
	}
	merges, err := s.st.MergesOf(ctx, orgID, ct.ID)
	if err != nil {
		return ContactDetail{}, err
	}
	seen := map[string]bool{strings.ToLower(ct.Name): true}
	for _, m := range merges {
		if m.SurvivorID != ct.ID {
			continue
		}
		d.Merges = append(d.Merges, MergeRecord{ID: m.ID, MergedID: m.MergedID, MergedName: m.Moved.MergedName, Reason: m.Reason,
			ActorName: m.ActorName, At: wiretime.Format(m.CreatedAt), Conversations: len(m.Moved.Conversations), Fields: len(m.Moved.Fields),
			UndoneAt: wiretime.Format(m.UndoneAt), UndoneBy: m.UndoneName})
		if n := m.Moved.MergedName; m.UndoneAt.IsZero() && n != "" && !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			d.OtherNames = append(d.OtherNames, n)
		}
	}
	if d.Conversations, _, err = s.st.ContactCounts(ctx, orgID, ct.ID); err != nil {
		return ContactDetail{}, err
	}
	return d, nil
}

// Timeline returns a page (TimelinePageSize items) of a contact's timeline, newest first, from
// cursor ("" for the first page).
func (s *Service) Timeline(ctx context.Context, agent store.User, id, cursor string) (TimelinePage, error) {
	from, err := parseCursor(cursor)
	if err != nil {
		return TimelinePage{}, err
	}
	entries, next, err := s.st.Timeline(ctx, agent.OrgID, id, from, TimelinePageSize)
	if err != nil {
		return TimelinePage{}, err
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

// CallLength writes a call's length as the views show it: "45s", "3m 12s".
func CallLength(sec int) string {
	if sec < 60 {
		return fmt.Sprintf("%ds", sec)
	}
	return fmt.Sprintf("%dm %02ds", sec/60, sec%60)
}

func timelineItem(en store.TimelineEntry) TimelineItem {
	it := TimelineItem{ID: en.Key, Kind: en.Kind, At: wiretime.Format(en.At), Channel: en.InboxName, ConversationID: en.ConversationID,
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
			it.Title += " (" + CallLength(en.Duration) + ")"
		}
	case store.TimelineTranscript:
		it.Title, it.Detail = "Transcript emailed to "+en.FieldValue, en.Status
	case store.TimelineVerification:
		it.Method = en.Method
		it.Title = kind + " " + en.FieldValue + " " + strings.ToLower(VerifiedLabel(en.Method, en.ActorName)[:1]) +
			VerifiedLabel(en.Method, en.ActorName)[1:]
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
