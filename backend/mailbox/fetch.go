package mailbox

import (
	"context"
	"fmt"
	"math"
	"runtime/debug"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fetchChunk is how many messages one FETCH asks for: at most fetchChunk*fetchBytes (2.5 MiB)
// in memory at a time, even when thousands of messages are new.
const fetchChunk = 10

// fetchNew hands the messages past the checkpoint to the handler, in UID order.
//
// Each pass re-opens the mailbox (EXAMINE): one round trip that returns UIDVALIDITY and UIDNEXT,
// so an unchanged mailbox costs nothing more (no SEARCH, no FETCH), a mailbox that was deleted or
// re-created is noticed even when the server says nothing about it, and the new view carries no
// stale state.
func (w *Watcher) fetchNew(ctx context.Context, s *session) (int, error) {
	data, err := s.examine(ctx)
	if err != nil {
		return 0, err
	}
	w.setStatus(func(st *Status) { st.Connected = true })
	uidNext := uint32(data.UIDNext)
	if uidNext == 0 {
		// UIDNEXT is required (RFC 3501 6.3.1), but a server that leaves it out still works.
		if uidNext, err = w.findUIDNext(ctx, s); err != nil {
			return 0, err
		}
	}

	switch {
	case w.uidValidity == 0:
		w.uidValidity, w.lastUID = data.UIDValidity, uidNext-1-min(w.cfg.Lookback, uidNext-1)
		w.log.Info("mailbox watcher: first look at this mailbox; handing over only the newest mail already there and what arrives from now on",
			"uidvalidity", w.uidValidity, "last_uid", w.lastUID, "lookback", w.cfg.Lookback)
		if err := w.saveLocked(ctx, ""); err != nil {
			return 0, err
		}
	case data.UIDValidity != w.uidValidity:
		w.log.Warn("mailbox watcher: the server renumbered the mailbox (UIDVALIDITY changed); continuing from its current end, without handing over the mail already in it",
			"old_uidvalidity", w.uidValidity, "uidvalidity", data.UIDValidity, "old_last_uid", w.lastUID, "last_uid", uidNext-1)
		w.uidValidity, w.lastUID = data.UIDValidity, uidNext-1
		if err := w.saveLocked(ctx, ""); err != nil {
			return 0, err
		}
	case uidNext-1 < w.lastUID:
		// The checkpoint is past the mailbox's end, which a server keeping its UIDs never allows
		// (a restored backup, a checkpoint from another server). Waiting for UIDs to catch up
		// would silently ignore the next messages: start again at the end instead.
		w.log.Warn("mailbox watcher: the checkpoint is past the end of the mailbox; continuing from its current end",
			"uidvalidity", w.uidValidity, "old_last_uid", w.lastUID, "last_uid", uidNext-1)
		w.lastUID = uidNext - 1
		if err := w.saveLocked(ctx, ""); err != nil {
			return 0, err
		}
	}
	if uidNext-1 <= w.lastUID || w.lastUID == math.MaxUint32 {
		return 0, w.saveLocked(ctx, "")
	}

	uids, err := w.newUIDs(ctx, s)
	if err != nil {
		return 0, err
	}
	n := 0
	for len(uids) > 0 {
		chunk := uids[:min(len(uids), fetchChunk)]
		uids = uids[len(chunk):]
		msgs, err := w.fetchMessages(ctx, s, chunk)
		if err != nil {
			return n, err
		}
		for _, uid := range chunk {
			buf, ok := msgs[uid]
			if !ok {
				w.lastUID = uid // expunged since the SEARCH: nothing to hand over
				continue
			}
			m := parseMessage(uid, buf.FindBodySection(bodySection), buf.InternalDate)
			if err := w.deliver(ctx, m); err != nil {
				msg := fmt.Sprintf("the message with UID %d (%q) was not processed and will be offered again: %v", uid, m.Subject, err)
				if serr := w.saveLocked(ctx, msg); serr != nil {
					return n, serr
				}
				return n, &Error{Kind: ErrHandler, Msg: msg, Err: err}
			}
			w.lastUID = uid
			n++
			w.setStatus(func(st *Status) { st.LastUID = uid })
			w.log.Debug("mailbox watcher: message handed over", "uid", uid)
			if err := w.saveLocked(ctx, ""); err != nil {
				return n, err
			}
		}
	}
	// Every message below UIDNEXT that exists was found by the SEARCH (which ran after EXAMINE),
	// and a UID below UIDNEXT is never given to a later message: the next pass can start there.
	w.lastUID = max(w.lastUID, uidNext-1)
	return n, w.saveLocked(ctx, "")
}

// deliver calls the handler; a panic in it is an error, not the end of the watcher.
func (w *Watcher) deliver(ctx context.Context, m Message) (err error) {
	defer func() {
		if v := recover(); v != nil {
			w.log.Error("mailbox watcher: the handler panicked", "uid", m.UID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("the handler panicked: %v", v)
		}
	}()
	return w.h(ctx, m)
}

// newUIDs returns the UIDs above the checkpoint, ascending.
func (w *Watcher) newUIDs(ctx context.Context, s *session) ([]uint32, error) {
	var found []imap.UID
	err := s.guard(ctx, stepCommand, func() error {
		// UID lastUID+1:* ; "*" is the highest UID, so when lastUID+1 is above it the server
		// answers with the last message anyway: the filter below drops it.
		crit := &imap.SearchCriteria{UID: []imap.UIDSet{{{Start: imap.UID(w.lastUID + 1), Stop: 0}}}}
		data, err := s.c.UIDSearch(crit, nil).Wait()
		if err != nil {
			return err
		}
		found = data.AllUIDs()
		return nil
	})
	if err != nil {
		return nil, err
	}
	uids := make([]uint32, 0, len(found))
	for _, u := range found {
		if uint32(u) > w.lastUID {
			uids = append(uids, uint32(u))
		}
	}
	slices.Sort(uids)
	return slices.Compact(uids), nil
}

// bodySection is the first fetchBytes of each message, without setting \Seen.
var bodySection = &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: fetchBytes}}

// fetchMessages fetches the start of each message of uids, by UID.
func (w *Watcher) fetchMessages(ctx context.Context, s *session, uids []uint32) (map[uint32]*imapclient.FetchMessageBuffer, error) {
	set := imap.UIDSet{}
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	opts := &imap.FetchOptions{UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{bodySection}}
	var bufs []*imapclient.FetchMessageBuffer
	// Bodies take longer than a command: allow twice the timeout.
	err := s.guardFor(ctx, 2*w.cfg.Timeout, stepCommand, func() error {
		var err error
		bufs, err = s.c.Fetch(set, opts).Collect()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[uint32]*imapclient.FetchMessageBuffer, len(bufs))
	for _, b := range bufs {
		if b.UID != 0 {
			out[uint32(b.UID)] = b
		}
	}
	return out, nil
}

// findUIDNext is UIDNEXT for a server that did not send it: one more than the highest UID.
func (w *Watcher) findUIDNext(ctx context.Context, s *session) (uint32, error) {
	var top uint32
	err := s.guard(ctx, stepCommand, func() error {
		data, err := s.c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
		if err != nil {
			return err
		}
		for _, u := range data.AllUIDs() {
			top = max(top, uint32(u))
		}
		return nil
	})
	return top + 1, err
}
