package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// fakeTransport is a Transport without SMTP: Dial fails with dialErr, or each Send returns the next
// of sendErrs (nil = delivered).
type fakeTransport struct {
	dialErr  error
	sendErrs []error
	sent     []string // recipient of each delivered message
}

func (f *fakeTransport) Dial(context.Context) (outbox.Conn, error) {
	if f.dialErr != nil {
		return nil, f.dialErr
	}
	return f, nil
}

func (f *fakeTransport) Send(m store.OutboxMessage) error {
	var err error
	if len(f.sendErrs) > 0 {
		err, f.sendErrs = f.sendErrs[0], f.sendErrs[1:]
	}
	if err == nil {
		f.sent = append(f.sent, m.ToAddr)
	}
	return err
}

func (f *fakeTransport) Close() error { return nil }

func TestWorkerFollowsTheTransportsVerdict(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tr         *fakeTransport
		wantStatus string
		wantError  string // in the stored LastError
	}{
		{"delivered", &fakeTransport{}, store.OutboxSent, ""},
		{"settings problem at dial stays queued", &fakeTransport{dialErr: &outbox.SendError{Kind: outbox.ErrConfig, Msg: "check the password"}},
			store.OutboxRetrying, "check the password"},
		{"permanent refusal fails", &fakeTransport{sendErrs: []error{&outbox.SendError{Kind: outbox.ErrPermanent, Code: 550, Msg: "no such user"}}},
			store.OutboxFailed, "no such user"},
		{"unclassified error is temporary", &fakeTransport{sendErrs: []error{errors.New("something odd")}},
			store.OutboxRetrying, "something odd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, orgID := setup(t)
			id := enqueue(t, st, email(orgID, 1))
			w := outbox.NewWorker(st, func(string) (outbox.Transport, error) { return tc.tr, nil }, nil, nil)
			w.DeliverDue(ctx)
			m, err := st.OutboxByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != tc.wantStatus || !strings.Contains(m.LastError, tc.wantError) {
				t.Errorf("stored %s %q, want %s %q", m.Status, m.LastError, tc.wantStatus, tc.wantError)
			}
			if wantSent := tc.wantStatus == store.OutboxSent; (len(tc.tr.sent) == 1) != wantSent {
				t.Errorf("transport delivered %v, want delivered = %v", tc.tr.sent, wantSent)
			}
		})
	}
}

// heldTransport is a HeldConn without SMTP: at the moment it "accepts" a message (after its
// release) it reads the database and notes every earlier accepted message not yet recorded sent.
// sendErrs works as in fakeTransport.
type heldTransport struct {
	fakeTransport
	st         *store.Store
	accepted   []string // ids, in order
	unrecorded []string // "<earlier id> when <id> was accepted"
}

func (h *heldTransport) Dial(context.Context) (outbox.Conn, error) { return h, nil }

func (h *heldTransport) SendHeld(m store.OutboxMessage, release <-chan struct{}) error {
	if err := h.fakeTransport.Send(m); err != nil {
		return err
	}
	if release != nil {
		<-release
	}
	for _, id := range h.accepted {
		if got, err := h.st.OutboxByID(ctx, id); err != nil || got.Status != store.OutboxSent {
			h.unrecorded = append(h.unrecorded, id+" when "+m.ID+" was accepted")
		}
	}
	h.accepted = append(h.accepted, m.ID)
	return nil
}

// TestEachMessageIsRecordedBeforeTheNextIsAccepted: with a transport that holds each message's
// end of data, the worker releases a message only once the one accepted before it is recorded
// sent, so a kill can leave at most one message accepted and not recorded; a refused message in
// between changes nothing. Every outcome is recorded at the end of the pass.
func TestEachMessageIsRecordedBeforeTheNextIsAccepted(t *testing.T) {
	st, orgID := setup(t)
	const n = 12
	ids := make([]string, n)
	for i := range ids {
		ids[i] = enqueue(t, st, email(orgID, i))
	}
	errs := make([]error, 5)
	errs[4] = &outbox.SendError{Kind: outbox.ErrPermanent, Code: 550, Msg: "no such user"} // the fifth is refused
	h := &heldTransport{fakeTransport: fakeTransport{sendErrs: errs}, st: st}
	w := outbox.NewWorker(st, func(string) (outbox.Transport, error) { return h, nil }, nil, nil)
	sent, err := w.DeliverDue(ctx)
	if err != nil || sent != n-1 {
		t.Fatalf("DeliverDue() = %d, %v; want %d, nil", sent, err, n-1)
	}
	if len(h.unrecorded) > 0 {
		t.Errorf("accepted before the previous message was recorded: %v", h.unrecorded)
	}
	c, _ := st.OutboxCounts(ctx, orgID)
	if c[store.OutboxSent] != n-1 || c[store.OutboxFailed] != 1 {
		t.Errorf("OutboxCounts() = %v, want %d sent and 1 failed", c, n-1)
	}
}

// connsTransport hands out a heldTransport per Dial, so each connection's order can be checked.
type connsTransport struct {
	st    *store.Store
	mu    sync.Mutex
	conns []*heldTransport
}

func (c *connsTransport) Dial(context.Context) (outbox.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := &heldTransport{st: c.st}
	c.conns = append(c.conns, h)
	return h, nil
}

// TestABacklogGoesOverTwoConnections: a few due messages go over one connection; a backlog over
// two at once, each message on the connection its id picks (outbox.ConnectionOf), each
// connection in claim order and releasing a message only once its previous one is recorded, so
// a kill leaves at most one message per connection accepted and not recorded.
func TestABacklogGoesOverTwoConnections(t *testing.T) {
	for _, tc := range []struct {
		due       int
		wantConns int
	}{{outbox.MinPerConnection*2 - 1, 1}, {40, 2}} {
		t.Run(fmt.Sprint(tc.due), func(t *testing.T) {
			st, orgID := setup(t)
			var claimOrder []string
			for i := range tc.due {
				claimOrder = append(claimOrder, enqueue(t, st, email(orgID, i)))
			}
			tr := &connsTransport{st: st}
			w := outbox.NewWorker(st, func(string) (outbox.Transport, error) { return tr, nil }, nil, nil)
			if sent, err := w.DeliverDue(ctx); err != nil || sent != tc.due {
				t.Fatalf("DeliverDue() = %d, %v; want %d, nil", sent, err, tc.due)
			}
			if len(tr.conns) != tc.wantConns {
				t.Fatalf("%d connections for %d due messages, want %d", len(tr.conns), tc.due, tc.wantConns)
			}
			for _, h := range tr.conns {
				if len(h.unrecorded) > 0 {
					t.Errorf("accepted before the previous message on its connection was recorded: %v", h.unrecorded)
				}
				if len(h.accepted) == 0 {
					t.Fatal("a connection carried nothing")
				}
				// The connection's share: every message whose id picks the same connection as its
				// first one, in claim order.
				mine := outbox.ConnectionOf(h.accepted[0], tc.wantConns)
				var want []string
				for _, id := range claimOrder {
					if outbox.ConnectionOf(id, tc.wantConns) == mine {
						want = append(want, id)
					}
				}
				if !slices.Equal(h.accepted, want) {
					t.Errorf("connection %d carried %v, want %v", mine, h.accepted, want)
				}
			}
		})
	}
}
