package outbox_test

import (
	"context"
	"errors"
	"strings"
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
