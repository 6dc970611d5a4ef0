package contacts_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

type env struct {
	t      *testing.T
	st     *store.Store
	clock  *testutil.Clock
	svc    *contacts.Service
	org    store.Organization
	agent  store.User
	chat   store.Inbox
	phone  store.Inbox
	events atomic.Int64 // Changed calls: saves run concurrently in some tests
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, st: testutil.NewStore(t), clock: testutil.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))}
	e.svc = contacts.New(e.st, e.clock.Now)
	e.svc.Changed = func(string, string) { e.events.Add(1) }
	now := e.clock.Now()
	e.org = store.Organization{ID: store.NewID(), Name: "Northwind", DefaultRegion: "US", CreatedAt: now, UpdatedAt: now}
	e.agent = store.User{ID: store.NewID(), OrgID: e.org.ID, Name: "Olive Owner", Email: "olive@northwind.test", Role: store.RoleOwner, CreatedAt: now}
	e.chat = store.Inbox{ID: store.NewID(), OrgID: e.org.ID, Kind: store.InboxChat, Name: "Website chat", CreatedAt: now, UpdatedAt: now}
	e.phone = store.Inbox{ID: store.NewID(), OrgID: e.org.ID, Kind: store.InboxPhone, Name: "Support line", PhoneNumber: "+12025550100", CreatedAt: now, UpdatedAt: now}
	e.write(func(tx *store.Tx) error {
		for _, f := range []func() error{
			func() error { return tx.InsertOrganization(e.org) },
			func() error { return tx.InsertUser(e.agent) },
			func() error { return tx.InsertInbox(e.chat) },
			func() error { return tx.InsertInbox(e.phone) },
		} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
	return e
}

func (e *env) write(fn func(tx *store.Tx) error) {
	e.t.Helper()
	if err := e.st.Write(ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

// person makes a contact with one field (verified by method when given) and n conversations of
// kind resting on that field.
func (e *env) person(orgID, name, kind, norm, display, method, convKind string, n int) (store.Contact, store.Field, []string) {
	e.t.Helper()
	now := e.clock.Now()
	c := store.Contact{ID: store.NewID(), OrgID: orgID, Name: name, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
	f := store.Field{ID: store.NewID(), OrgID: orgID, ContactID: c.ID, Kind: kind, ValueNorm: norm, ValueDisplay: display, CreatedAt: now}
	var convs []string
	e.write(func(tx *store.Tx) error {
		if err := tx.InsertContact(c); err != nil {
			return err
		}
		if err := tx.InsertField(f); err != nil {
			return err
		}
		if method != "" {
			v := store.Verification{ID: store.NewID(), OrgID: orgID, FieldID: f.ID, Method: method, VerifiedAt: now}
			if method == store.MethodAgent {
				v.ActorUserID = e.agent.ID
			}
			if err := tx.InsertVerification(v); err != nil {
				return err
			}
		}
		for i := range n {
			id, err := e.conversation(tx, orgID, convKind, c.ID, f.ID, now.Add(time.Duration(i)*time.Minute))
			if err != nil {
				return err
			}
			convs = append(convs, id)
		}
		return nil
	})
	e.clock.Advance(time.Hour)
	return c, f, convs
}

func (e *env) conversation(tx *store.Tx, orgID, kind, contactID, fieldID string, at time.Time) (string, error) {
	inbox := e.chat.ID
	if kind == store.ConversationCall {
		inbox = e.phone.ID
	}
	c := store.Conversation{ID: store.NewID(), OrgID: orgID, InboxID: inbox, Kind: kind, Status: store.ConversationEnded,
		ContactID: contactID, LinkState: store.LinkVerified, StartedAt: at, LastActivityAt: at, EndedAt: at.Add(time.Minute)}
	if contactID == "" {
		c.LinkState = store.LinkNone
	}
	if err := tx.InsertConversation(c); err != nil {
		return "", err
	}
	if contactID != "" {
		return c.ID, tx.SetLink(orgID, c.ID, contactID, fieldID, store.LinkVerified)
	}
	return c.ID, nil
}

func (e *env) contact(id string) store.Contact {
	e.t.Helper()
	c, err := e.st.ContactByID(ctx, e.org.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) owner(convID string) string {
	e.t.Helper()
	c, err := e.st.ConversationByID(ctx, e.org.ID, convID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ContactID
}

func (e *env) count(table string) int {
	e.t.Helper()
	db := testutil.OpenRaw(e.t, e.st.Path())
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) fieldStates(contactID string) map[string]store.FieldState {
	e.t.Helper()
	fs, err := e.st.ContactFieldStates(ctx, e.org.ID, contactID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]store.FieldState{}
	for _, f := range fs {
		out[f.ValueNorm] = f
	}
	return out
}

func TestSaveAddsNormalizedFieldsWithTheAgentsVerification(t *testing.T) {
	e := newEnv(t)
	ada, _, _ := e.person(e.org.ID, "Ada", store.FieldEmail, "ada@example.com", "ada@example.com", store.MethodEmailOTP, store.ConversationChat, 1)
	id, err := e.svc.Save(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: "  Ada   Lovelace ",
		Add: []contacts.NewField{{Kind: store.FieldPhone, Value: "(202) 555-0143", Verify: true}, {Kind: store.FieldEmail, Value: " Ada.L@Example.COM "}}})
	if err != nil || id != ada.ID {
		t.Fatalf("Save = %q, %v", id, err)
	}
	if got := e.contact(ada.ID).Name; got != "Ada Lovelace" {
		t.Errorf("name = %q", got)
	}
	fs := e.fieldStates(ada.ID)
	phone, ok := fs["+12025550143"]
	if !ok || phone.ValueDisplay != "+1 202-555-0143" || phone.Verified.Method != store.MethodAgent || phone.Verified.ActorName != "Olive Owner" {
		t.Errorf("phone = %+v", phone)
	}
	if l := contacts.VerifiedLabel(phone.Verified.Method, phone.Verified.ActorName); l != "Verified by Olive Owner" {
		t.Errorf("phone label = %q", l)
	}
	if em := fs["ada.l@example.com"]; em.ID == "" || em.Verified.ID != "" || em.ValueDisplay != "Ada.L@Example.COM" {
		t.Errorf("unverified email = %+v", em)
	}
	if l := contacts.VerifiedLabel(fs["ada@example.com"].Verified.Method, ""); l != "Verified by Email OTP" {
		t.Errorf("email label = %q", l)
	}
}

func TestSaveRefusesBadInputAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	ada, _, _ := e.person(e.org.ID, "Ada", store.FieldEmail, "ada@example.com", "ada@example.com", store.MethodEmailOTP, store.ConversationChat, 1)
	bob, _, _ := e.person(e.org.ID, "Bob", store.FieldPhone, "+12025550199", "+1 202-555-0199", store.MethodSystem, store.ConversationCall, 2)
	before := map[string]int{}
	tables := []string{"contacts", "contact_fields", "verifications", "merges", "conversations", "changes"}
	for _, tb := range tables {
		before[tb] = e.count(tb)
	}
	for name, add := range map[string][]contacts.NewField{
		"bad phone":             {{Kind: store.FieldPhone, Value: "1-800-FLOWERS", Verify: true}},
		"bad email":             {{Kind: store.FieldEmail, Value: "ada@@example.com"}},
		"header injection":      {{Kind: store.FieldEmail, Value: "x@example.com\r\nBcc: y@example.com"}},
		"valid then bad":        {{Kind: store.FieldPhone, Value: "+1 202 555 0111", Verify: true}, {Kind: store.FieldPhone, Value: "12"}},
		"another's, unverified": {{Kind: store.FieldPhone, Value: "202-555-0199"}},
		"twice":                 {{Kind: store.FieldEmail, Value: "new@example.com"}, {Kind: store.FieldEmail, Value: "NEW@example.com"}},
		"unknown kind":          {{Kind: "fax", Value: "123"}},
	} {
		p, err := e.svc.Preview(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: "Ada", Add: add})
		if err != nil || p.OK {
			t.Errorf("%s: Preview ok=%v, %v; want a problem", name, p.OK, err)
		}
		_, err = e.svc.Save(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: "Ada", Add: add})
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.CodeInvalid {
			t.Errorf("%s: Save err = %v; want invalid_input", name, err)
		}
	}
	p, _ := e.svc.Preview(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Add: []contacts.NewField{{Kind: store.FieldPhone, Value: "202-555-0199"}}})
	if len(p.Fields) != 1 || !strings.Contains(p.Fields[0].Problem, "belongs to another contact") || len(p.Merges) != 0 {
		t.Errorf("unverified value of another contact: %+v", p)
	}
	if _, err := e.svc.Save(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: strings.Repeat("x", 201)}); err == nil {
		t.Error("a 201-character name was saved")
	}
	for _, tb := range tables {
		if n := e.count(tb); n != before[tb] {
			t.Errorf("%s: %d rows, want %d (a refused edit wrote)", tb, n, before[tb])
		}
	}
	if e.contact(bob.ID).Status != store.ContactActive {
		t.Error("Bob was touched by a refused edit")
	}
}

func TestVerifiedPhoneOfAnotherContactMergesAndUndoRestores(t *testing.T) {
	e := newEnv(t)
	ada, adaEmail, chats := e.person(e.org.ID, "Ada Lovelace", store.FieldEmail, "ada@example.com", "ada@example.com", store.MethodEmailOTP, store.ConversationChat, 2)
	caller, phone, calls := e.person(e.org.ID, "", store.FieldPhone, "+12025550143", "+1 202-555-0143", store.MethodSystem, store.ConversationCall, 3)
	edit := contacts.Edit{ContactID: ada.ID, ConversationID: chats[1], Name: "Ada Lovelace",
		Add: []contacts.NewField{{Kind: store.FieldPhone, Value: "202 555 0143", Verify: true}}}
	p, err := e.svc.Preview(ctx, e.agent, edit)
	if err != nil || !p.OK || len(p.Merges) != 1 {
		t.Fatalf("Preview = %+v, %v", p, err)
	}
	if m := p.Merges[0]; m.ContactID != caller.ID || m.Conversations != 3 || m.Fields != 1 || m.Because != "+1 202-555-0143" {
		t.Errorf("merge preview = %+v", m)
	}
	if _, err := e.svc.Save(ctx, e.agent, edit); err != nil {
		t.Fatal(err)
	}
	if c := e.contact(caller.ID); c.Status != store.ContactMerged || c.MergedInto != ada.ID {
		t.Errorf("caller after merge = %+v", c)
	}
	for _, id := range append(append([]string{}, chats...), calls...) {
		if got := e.owner(id); got != ada.ID {
			t.Errorf("conversation %s on %s after merge, want Ada", id, got)
		}
	}
	fs := e.fieldStates(ada.ID)
	if fs["+12025550143"].ID != phone.ID || fs["+12025550143"].Verified.Method != store.MethodAgent {
		t.Errorf("phone after merge = %+v", fs["+12025550143"])
	}
	entries, _, err := e.st.Timeline(ctx, e.org.ID, ada.ID, store.TimelineCursor{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	var merge store.TimelineEntry
	for _, en := range entries {
		kinds[en.Kind]++
		if en.Kind == store.TimelineMerge {
			merge = en
		}
	}
	if kinds["chat"] != 2 || kinds["call"] != 3 || kinds["merge"] != 1 || kinds["verification"] != 3 {
		t.Errorf("timeline kinds = %v", kinds)
	}
	if merge.Moved != 3 || !merge.Survivor || merge.ActorName != "Olive Owner" || !strings.Contains(merge.Reason, "+1 202-555-0143") {
		t.Errorf("merge entry = %+v", merge)
	}

	// Later activity: a call from the moved number and a chat on Ada's email.
	e.clock.Advance(time.Hour)
	var laterCall, laterChat string
	e.write(func(tx *store.Tx) error {
		var err error
		if laterCall, err = e.conversation(tx, e.org.ID, store.ConversationCall, ada.ID, phone.ID, e.clock.Now()); err != nil {
			return err
		}
		laterChat, err = e.conversation(tx, e.org.ID, store.ConversationChat, ada.ID, adaEmail.ID, e.clock.Now())
		return err
	})
	e.clock.Advance(time.Hour)
	if _, err := e.svc.UndoMerge(ctx, e.agent, merge.MergeID); err != nil {
		t.Fatal(err)
	}
	if c := e.contact(caller.ID); c.Status != store.ContactActive || c.MergedInto != "" {
		t.Errorf("caller after undo = %+v", c)
	}
	for _, id := range append(calls, laterCall) {
		if got := e.owner(id); got != caller.ID {
			t.Errorf("call %s on %s after undo, want the caller", id, got)
		}
	}
	for _, id := range append(chats, laterChat) {
		if got := e.owner(id); got != ada.ID {
			t.Errorf("chat %s on %s after undo, want Ada", id, got)
		}
	}
	if fs := e.fieldStates(caller.ID); fs["+12025550143"].ID != phone.ID || fs["+12025550143"].Verified.ID == "" {
		t.Errorf("caller's phone after undo = %+v (the agent's verification goes with it)", fs["+12025550143"])
	}
	if _, ok := e.fieldStates(ada.ID)["+12025550143"]; ok {
		t.Error("Ada kept the phone after undo")
	}
	// Undo is recorded, and a second undo does nothing.
	if _, err := e.svc.UndoMerge(ctx, e.agent, merge.MergeID); err != nil {
		t.Errorf("second undo: %v", err)
	}
	entries, _, _ = e.st.Timeline(ctx, e.org.ID, ada.ID, store.TimelineCursor{}, 100)
	unmerges := 0
	for _, en := range entries {
		if en.Kind == store.TimelineUnmerge {
			unmerges++
		}
		if en.Kind == store.TimelineMerge && !en.MergeUndone {
			t.Error("the merge entry does not say it was undone")
		}
	}
	if unmerges != 1 {
		t.Errorf("unmerge entries = %d, want 1", unmerges)
	}
}

func TestMergeKeepsBothNamesAndTakesOneWhenMissing(t *testing.T) {
	e := newEnv(t)
	ada, _, _ := e.person(e.org.ID, "Ada Lovelace", store.FieldEmail, "ada@example.com", "ada@example.com", store.MethodEmailOTP, store.ConversationChat, 1)
	_, _, _ = e.person(e.org.ID, "A. King", store.FieldEmail, "ada.king@example.com", "ada.king@example.com", store.MethodGoogle, store.ConversationChat, 1)
	p, err := e.svc.Preview(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: "Ada Lovelace",
		Add: []contacts.NewField{{Kind: store.FieldEmail, Value: "ada.king@example.com", Verify: true}}})
	if err != nil || len(p.Merges) != 1 || !p.Merges[0].NameConflict {
		t.Fatalf("preview = %+v, %v; want a name conflict", p, err)
	}
	if _, err := e.svc.Save(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: "Ada Lovelace",
		Add: []contacts.NewField{{Kind: store.FieldEmail, Value: "ada.king@example.com", Verify: true}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.contact(ada.ID).Name; got != "Ada Lovelace" {
		t.Errorf("survivor's name = %q; a merge must not overwrite it", got)
	}
	ms, err := e.st.MergesOf(ctx, e.org.ID, ada.ID)
	if err != nil || len(ms) != 1 || ms[0].Moved.MergedName != "A. King" {
		t.Errorf("merges = %+v, %v; the other name is kept with the merge", ms, err)
	}

	// A nameless survivor takes the name, and gives it back on undo.
	nameless, _, _ := e.person(e.org.ID, "", store.FieldPhone, "+12025550188", "+1 202-555-0188", store.MethodSystem, store.ConversationCall, 1)
	_, _, _ = e.person(e.org.ID, "Grace Hopper", store.FieldEmail, "grace@example.com", "grace@example.com", store.MethodEmailOTP, store.ConversationChat, 1)
	if _, err := e.svc.Save(ctx, e.agent, contacts.Edit{ContactID: nameless.ID,
		Add: []contacts.NewField{{Kind: store.FieldEmail, Value: "grace@example.com", Verify: true}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.contact(nameless.ID).Name; got != "Grace Hopper" {
		t.Errorf("nameless survivor's name = %q", got)
	}
	ms, _ = e.st.MergesOf(ctx, e.org.ID, nameless.ID)
	if _, err := e.svc.UndoMerge(ctx, e.agent, ms[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := e.contact(nameless.ID).Name; got != "" {
		t.Errorf("name after undo = %q, want it given back", got)
	}
}

func TestConcurrentMergesOfOnePairMakeOneMerge(t *testing.T) {
	e := newEnv(t)
	ada, _, _ := e.person(e.org.ID, "Ada", store.FieldEmail, "ada@example.com", "ada@example.com", store.MethodEmailOTP, store.ConversationChat, 1)
	bob, _, _ := e.person(e.org.ID, "", store.FieldPhone, "+12025550143", "+1 202-555-0143", store.MethodSystem, store.ConversationCall, 5)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half the agents edit Ada adding Bob's phone, half edit Bob adding Ada's email.
			if i%2 == 0 {
				_, errs[i] = e.svc.Save(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: "Ada",
					Add: []contacts.NewField{{Kind: store.FieldPhone, Value: "+12025550143", Verify: true}}})
			} else {
				_, errs[i] = e.svc.Save(ctx, e.agent, contacts.Edit{ContactID: bob.ID,
					Add: []contacts.NewField{{Kind: store.FieldEmail, Value: "ada@example.com", Verify: true}}})
			}
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if ae, is := apperr.As(err); !is || ae.Code != contacts.CodeMergedAway {
			t.Errorf("concurrent save: %v", err)
		}
	}
	if ok == 0 {
		t.Error("no save went through")
	}
	if n := e.count("merges"); n != 1 {
		t.Errorf("%d merges, want 1", n)
	}
	a, b := e.contact(ada.ID), e.contact(bob.ID)
	if (a.Status == store.ContactMerged) == (b.Status == store.ContactMerged) {
		t.Errorf("statuses %s/%s: exactly one must be merged into the other", a.Status, b.Status)
	}
}

func TestNothingMergesAcrossOrganizations(t *testing.T) {
	e := newEnv(t)
	other := store.Organization{ID: store.NewID(), Name: "Other", DefaultRegion: "US", CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	e.write(func(tx *store.Tx) error { return tx.InsertOrganization(other) })
	theirs, _, _ := e.person(other.ID, "Theirs", store.FieldPhone, "+12025550143", "+1 202-555-0143", store.MethodSystem, "", 0)
	ada, _, _ := e.person(e.org.ID, "Ada", store.FieldEmail, "ada@example.com", "ada@example.com", store.MethodEmailOTP, store.ConversationChat, 1)
	p, err := e.svc.Preview(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: "Ada", Add: []contacts.NewField{{Kind: store.FieldPhone, Value: "+12025550143", Verify: true}}})
	if err != nil || !p.OK || len(p.Merges) != 0 {
		t.Fatalf("preview = %+v, %v; want a plain add", p, err)
	}
	if _, err := e.svc.Save(ctx, e.agent, contacts.Edit{ContactID: ada.ID, Name: "Ada", Add: []contacts.NewField{{Kind: store.FieldPhone, Value: "+12025550143", Verify: true}}}); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.st.ContactByID(ctx, other.ID, theirs.ID); c.Status != store.ContactActive {
		t.Errorf("the other organization's contact = %+v", c)
	}
	if _, err := e.st.ContactByID(ctx, e.org.ID, theirs.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another organization's contact read through this one: %v", err)
	}
}

func TestRemoveVerificationRevokesDeviceProofs(t *testing.T) {
	e := newEnv(t)
	ada, f, chats := e.person(e.org.ID, "Ada", store.FieldEmail, "ada@example.com", "ada@example.com", "", store.ConversationChat, 1)
	device := store.NewID()
	e.write(func(tx *store.Tx) error {
		if err := tx.InsertDevice(device, e.org.ID, make32(), "test", e.clock.Now()); err != nil {
			return err
		}
		v := store.Verification{ID: store.NewID(), OrgID: e.org.ID, FieldID: f.ID, Method: store.MethodEmailOTP, ConversationID: chats[0], VerifiedAt: e.clock.Now()}
		if err := tx.InsertVerification(v); err != nil {
			return err
		}
		return tx.InsertDeviceProof(store.NewID(), e.org.ID, device, f.ID, v.ID, e.clock.Now())
	})
	proven := func() bool {
		var ok bool
		e.write(func(tx *store.Tx) error {
			_, err := tx.DeviceProof(e.org.ID, device, f.ID)
			ok = err == nil
			return nil
		})
		return ok
	}
	if !proven() {
		t.Fatal("the device did not prove the email before")
	}
	if _, err := e.svc.RemoveVerification(ctx, e.agent, f.ID); err != nil {
		t.Fatal(err)
	}
	if proven() {
		t.Error("the device still proves the email after the verification was removed")
	}
	fs := e.fieldStates(ada.ID)["ada@example.com"]
	if fs.Verified.ID != "" || fs.Revoked.Method != store.MethodEmailOTP || fs.RevokedBy != "Olive Owner" {
		t.Errorf("field after removal = %+v", fs)
	}
	if _, err := e.svc.RemoveVerification(ctx, e.agent, f.ID); err == nil {
		t.Error("removing a verification twice succeeded")
	}
	entries, _, _ := e.st.Timeline(ctx, e.org.ID, ada.ID, store.TimelineCursor{}, 50)
	if entries[0].Kind != store.TimelineUnverification || entries[0].ActorName != "Olive Owner" {
		t.Errorf("newest timeline entry = %+v", entries[0])
	}
}

func make32() []byte {
	b := make([]byte, 32)
	copy(b, store.NewID())
	return b
}

func TestTimelinePagesCoverEverythingOnceNewestFirst(t *testing.T) {
	e := newEnv(t)
	ada, _, convs := e.person(e.org.ID, "Ada", store.FieldEmail, "ada@example.com", "ada@example.com", store.MethodEmailOTP, store.ConversationChat, 137)
	seen := map[string]bool{}
	var cur store.TimelineCursor
	var last time.Time
	pages := 0
	for {
		entries, next, err := e.st.Timeline(ctx, e.org.ID, ada.ID, cur, 50)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, en := range entries {
			if seen[en.Key] {
				t.Errorf("%s twice", en.Key)
			}
			seen[en.Key] = true
			if !last.IsZero() && en.At.After(last) {
				t.Errorf("%s at %v after %v: not newest first", en.Key, en.At, last)
			}
			last = en.At
		}
		if next.Key == "" {
			break
		}
		cur = next
	}
	if want := len(convs) + 1; len(seen) != want || pages != 3 {
		t.Errorf("%d entries in %d pages, want %d in 3", len(seen), pages, want)
	}
}
