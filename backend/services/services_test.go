package services

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/testutil"
)

func newBackend(t *testing.T) *Backend {
	t.Helper()
	ctx := context.Background()
	e, err := engine.Open(ctx, engine.Config{DatabasePath: testutil.DBPath(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(ctx) })
	b := NewBackend("test", "/data", nil)
	b.Attach(ctx, soloDeps(e))
	engines.Store(b, e)
	return b
}

// soloDeps wires the services to an in-process engine, as app.go does.
func soloDeps(e *engine.Engine) Deps {
	return Deps{Org: e.Org(), Conversations: e.Conversations(), Chat: e.Chat(), Verify: e.Verify(), Contacts: e.Contacts(),
		Senders: e.Senders(), Mail: e.Mail(), Outbox: e.Outbox(), MailRuntime: e, Calls: e.Calls(), Transcripts: e.Transcripts(),
		Backup: e.Backup()}
}

// engines are the test backends' engines, for tests that arrange data below the services.
var engines sync.Map

func eng(b *Backend) *engine.Engine {
	e, _ := engines.Load(b)
	return e.(*engine.Engine)
}

type jsErr struct {
	Code, Message, Field string
}

func parse(t *testing.T, err error) jsErr {
	t.Helper()
	var e jsErr
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	if jerr := json.Unmarshal([]byte(err.Error()), &e); jerr != nil {
		t.Fatalf("error %q is not JSON: %v", err, jerr)
	}
	return e
}

func TestFirstRunThenOverview(t *testing.T) {
	b := newBackend(t)
	setup, ws := NewSetup(b), NewWorkspace(b)
	st, err := setup.State()
	if err != nil || !st.NeedsSetup || st.Problem != nil || st.Version != "test" {
		t.Fatalf("State() before setup = %+v, %v", st, err)
	}
	if _, err := ws.Overview(); parse(t, err).Code != "needs_setup" {
		t.Errorf("Overview() before setup error = %v, want needs_setup", err)
	}
	_, err = setup.Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "bad"})
	if e := parse(t, err); e.Code != "invalid_input" || e.Field != "ownerEmail" || e.Message == "" {
		t.Errorf("Complete(bad email) error = %+v", e)
	}
	st, err = setup.Complete(SetupRequest{OrganizationName: "Acme <b>Parcels</b>", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil || st.NeedsSetup || st.Me == nil || st.Me.Role != "owner" || st.Organization.Name != "Acme <b>Parcels</b>" {
		t.Fatalf("Complete() = %+v, %v", st, err)
	}
	ov, err := ws.Overview()
	if err != nil || len(ov.Inboxes) != 1 || ov.SenderEmail != nil || ov.Counts.Contacts != 0 {
		t.Errorf("Overview() = %+v, %v", ov, err)
	}
	if _, err := setup.Complete(SetupRequest{OrganizationName: "Again", OwnerName: "O", OwnerEmail: "o@a.test"}); parse(t, err).Code != "conflict" {
		t.Errorf("second Complete() error = %v, want conflict", err)
	}
}

func TestStartupProblemIsReported(t *testing.T) {
	ctx := context.Background()
	path := testutil.DBPath(t)
	first, err := engine.Open(ctx, engine.Config{DatabasePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close(ctx)
	_, err = engine.Open(ctx, engine.Config{DatabasePath: path})
	b := NewBackend("test", "/data", nil)
	b.Fail(ctx, err)
	st, serr := NewSetup(b).State()
	if serr != nil || st.Problem == nil || st.Problem.Code != "db_locked" || st.Problem.Path != path || st.Problem.Title == "" {
		t.Fatalf("State() with a locked database = %+v (%+v), %v", st, st.Problem, serr)
	}
	if _, err := NewWorkspace(b).Overview(); parse(t, err).Code != "not_started" {
		t.Errorf("Overview() without engine error = %v, want not_started", err)
	}
}

// newChat is a set-up backend with one chat from Ada in its first inbox.
func newChat(t *testing.T) (*Backend, chat.Session) {
	t.Helper()
	b := newBackend(t)
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"}); err != nil {
		t.Fatal(err)
	}
	ctx, _, ws, err := b.workspace()
	if err != nil {
		t.Fatal(err)
	}
	e := eng(b)
	inboxes, _ := e.Store().InboxesByOrg(ctx, ws.Organization.ID)
	s, err := e.Chat().Start(ctx, ws.Organization.ID, chat.StartInput{InboxID: inboxes[0].ID, Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	return b, s
}
