package calls_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"vouchdesk/backend/calls"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

const authToken = "test-auth-token-0123456789abcdef"

type env struct {
	t       *testing.T
	st      *store.Store
	srv     *httptest.Server
	org     store.Organization
	inbox   store.Inbox
	changed int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, st: testutil.NewStore(t)}
	now := time.Now()
	e.org = store.Organization{ID: store.NewID(), Name: "Northwind", DefaultRegion: "US", CreatedAt: now, UpdatedAt: now}
	e.inbox = store.Inbox{ID: store.NewID(), OrgID: e.org.ID, Kind: store.InboxPhone, Name: "Support line", PhoneNumber: "+12025550100", CreatedAt: now, UpdatedAt: now}
	ref := calls.SecretRef(e.inbox.ID)
	if err := e.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertOrganization(e.org); err != nil {
			return err
		}
		return tx.InsertPhoneInbox(e.inbox, ref)
	}); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	sec := secrets.Env{Getenv: func(k string) string { return vars[k] }}
	vars["VOUCHD_"+strings.ToUpper(strings.ReplaceAll(ref, "-", "_"))+"_PASSWORD"] = authToken
	mux := http.NewServeMux()
	var public string
	svc := calls.New(e.st, sec, time.Now, func() string { return public }, nil)
	svc.Changed = func(string, string) { e.changed++ }
	svc.Routes(mux)
	e.srv = httptest.NewServer(mux)
	public = e.srv.URL
	t.Cleanup(e.srv.Close)
	return e
}

// post sends a webhook signed with token ("" sends no signature).
func (e *env) post(path string, form url.Values, token string) (int, string) {
	e.t.Helper()
	full := e.srv.URL + "/calls/" + e.inbox.ID + "/" + path
	req, _ := http.NewRequest("POST", full, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set(calls.SignatureHeader, calls.Signature(token, full, form))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func callForm(sid, from, status string) url.Values {
	return url.Values{"CallSid": {sid}, "AccountSid": {"AC0123"}, "From": {from}, "To": {"+12025550100"},
		"CallStatus": {status}, "Direction": {"inbound"}}
}

func (e *env) counts() map[string]int {
	e.t.Helper()
	db := testutil.OpenRaw(e.t, e.st.Path())
	out := map[string]int{}
	for _, tb := range []string{"contacts", "contact_fields", "verifications", "conversations", "audit_log", "changes"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + tb).Scan(&n); err != nil {
			e.t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

func (e *env) call(sid string) store.Conversation {
	e.t.Helper()
	var c store.Call
	if err := e.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.CallByExternalID(e.org.ID, e.inbox.ID, sid)
		return err
	}); err != nil {
		e.t.Fatalf("call %s: %v", sid, err)
	}
	conv, err := e.st.ConversationByID(ctx, e.org.ID, c.ConversationID)
	if err != nil {
		e.t.Fatal(err)
	}
	return conv
}

func TestIncomingCallMakesAVerifiedCallOnTheCallersContact(t *testing.T) {
	e := newEnv(t)
	status, body := e.post("voice", callForm("CA0001", "(202) 555-0143", "ringing"), authToken)
	if status != 200 || !strings.Contains(body, "<Response") {
		t.Fatalf("voice = %d %q", status, body)
	}
	conv := e.call("CA0001")
	if conv.Kind != store.ConversationCall || conv.Status != store.ConversationOpen || conv.LinkState != store.LinkVerified || conv.ContactID == "" {
		t.Fatalf("call = %+v", conv)
	}
	fs, err := e.st.ContactFieldStates(ctx, e.org.ID, conv.ContactID)
	if err != nil || len(fs) != 1 || fs[0].ValueNorm != "+12025550143" || fs[0].Verified.Method != store.MethodSystem {
		t.Fatalf("caller's fields = %+v, %v", fs, err)
	}
	// The end: status ended with the duration.
	end := callForm("CA0001", "(202) 555-0143", "completed")
	end.Set("CallDuration", "192")
	if status, _ := e.post("status", end, authToken); status != 200 {
		t.Fatalf("status = %d", status)
	}
	var c store.Call
	e.st.Read(ctx, func(tx *store.Tx) error { c, _ = tx.CallByExternalID(e.org.ID, e.inbox.ID, "CA0001"); return nil })
	if !c.Ended || c.Duration != 192 || c.Status != "completed" {
		t.Errorf("after completed: %+v", c)
	}
	// A second call from the number: the same contact, no second verification.
	before := e.counts()
	e.post("voice", callForm("CA0002", "+12025550143", "ringing"), authToken)
	if got := e.call("CA0002").ContactID; got != conv.ContactID {
		t.Errorf("second call on %s, want %s", got, conv.ContactID)
	}
	after := e.counts()
	if after["contacts"] != before["contacts"] || after["verifications"] != before["verifications"] || after["conversations"] != before["conversations"]+1 {
		t.Errorf("a second call: %v -> %v", before, after)
	}
	if e.changed < 3 {
		t.Errorf("the desktop was told %d times", e.changed)
	}
}

func TestBadOrMissingSignatureStoresNothing(t *testing.T) {
	e := newEnv(t)
	before := e.counts()
	form := callForm("CA0003", "+12025550143", "ringing")
	for name, send := range map[string]func() int{
		"missing":     func() int { s, _ := e.post("voice", form, ""); return s },
		"wrong token": func() int { s, _ := e.post("voice", form, "not-the-token"); return s },
		"tampered": func() int {
			full := e.srv.URL + "/calls/" + e.inbox.ID + "/voice"
			sig := calls.Signature(authToken, full, form)
			bad := callForm("CA0003", "+12025559999", "ringing")
			req, _ := http.NewRequest("POST", full, strings.NewReader(bad.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(calls.SignatureHeader, sig)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		},
	} {
		if s := send(); s != 403 {
			t.Errorf("%s signature: %d, want 403", name, s)
		}
	}
	if after := e.counts(); !equal(before, after) {
		t.Errorf("refused webhooks wrote: %v -> %v", before, after)
	}
}

func equal(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestReplayedWebhookCreatesNothingTwice(t *testing.T) {
	e := newEnv(t)
	form := callForm("CA0004", "+12025550143", "ringing")
	e.post("voice", form, authToken)
	before := e.counts()
	for range 3 {
		if s, _ := e.post("voice", form, authToken); s != 200 {
			t.Fatalf("replay = %d", s)
		}
	}
	after := e.counts()
	if after["conversations"] != before["conversations"] || after["contacts"] != before["contacts"] || after["verifications"] != before["verifications"] {
		t.Errorf("replays: %v -> %v", before, after)
	}
	// A late "ringing" after the end does not reopen the call.
	end := callForm("CA0004", "+12025550143", "completed")
	e.post("status", end, authToken)
	e.post("voice", form, authToken)
	if c := e.call("CA0004"); c.Status != store.ConversationEnded {
		t.Errorf("a replay after the end reopened the call: %+v", c)
	}
}

func TestWithheldAndBadInput(t *testing.T) {
	e := newEnv(t)
	if s, _ := e.post("voice", callForm("CA0005", "anonymous", "ringing"), authToken); s != 200 {
		t.Fatalf("withheld = %d", s)
	}
	if c := e.call("CA0005"); c.ContactID != "" || c.LinkState != store.LinkNone || c.VisitorName != "anonymous" {
		t.Errorf("withheld call = %+v", c)
	}
	for name, form := range map[string]url.Values{
		"no call id":     {"From": {"+12025550143"}, "To": {"+12025550100"}, "CallStatus": {"ringing"}},
		"bad call id":    callForm("CA 0006<script>", "+12025550143", "ringing"),
		"other number":   {"CallSid": {"CA0007"}, "From": {"+12025550143"}, "To": {"+12025550101"}, "CallStatus": {"ringing"}},
		"unknown status": callForm("CA0008", "+12025550143", "exploded"),
		"bad duration": func() url.Values {
			f := callForm("CA0009", "+12025550143", "completed")
			f.Set("CallDuration", "-5")
			return f
		}(),
	} {
		if s, _ := e.post("voice", form, authToken); s != 400 {
			t.Errorf("%s: %d, want 400", name, s)
		}
	}
	if s, _ := e.post("voice", callForm("CA0010", "+12025550143", "ringing"), authToken); s != 200 {
		t.Errorf("a good call after bad ones = %d", s)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/calls/nope/voice", strings.NewReader("CallSid=CA1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 404 {
		t.Errorf("unknown inbox = %v %v", res, err)
	}
}

func TestForwardingInboxDialsTheNumberOnTheVoiceWebhookOnly(t *testing.T) {
	e := newEnv(t)
	status, body := e.post("voice", callForm("CA0001", "+12025550143", "ringing"), authToken)
	if status != 200 || body != calls.TwiML {
		t.Fatalf("without forwarding the voice answer is %d %q, want the empty response", status, body)
	}
	svc := calls.New(e.st, secrets.Env{Getenv: func(string) string { return "" }}, time.Now, func() string { return "" }, nil)
	admin := store.User{ID: store.NewID(), OrgID: e.org.ID, Name: "Ada Admin", Email: "ada@northwind.test", Role: store.RoleAdmin, CreatedAt: time.Now()}
	agent := store.User{ID: store.NewID(), OrgID: e.org.ID, Name: "Al Agent", Email: "al@northwind.test", Role: store.RoleAgent, CreatedAt: time.Now()}
	if err := e.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertUser(admin); err != nil {
			return err
		}
		return tx.InsertUser(agent)
	}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetForward(ctx, agent, e.inbox.ID, "+14155550123"); err == nil {
		t.Fatal("an agent (not an admin) set the forwarding number")
	}
	if err := svc.SetForward(ctx, admin, e.inbox.ID, "+14155550123"); err != nil {
		t.Fatal(err)
	}
	status, body = e.post("voice", callForm("CA0002", "+12025550143", "ringing"), authToken)
	if want := `<Response><Dial>+14155550123</Dial></Response>`; status != 200 || !strings.Contains(body, want) {
		t.Fatalf("forwarding voice answer %d %q, want it to contain %s", status, body, want)
	}
	// A status update never dials, nor does a voice webhook for a call already over.
	if _, body = e.post("status", callForm("CA0002", "+12025550143", "in-progress"), authToken); body != calls.TwiML {
		t.Fatalf("status answer %q", body)
	}
	if _, body = e.post("voice", callForm("CA0003", "+12025550143", "completed"), authToken); body != calls.TwiML {
		t.Fatalf("voice answer for an ended call %q", body)
	}
	// The database refuses what is not E.164.
	if err := svc.SetForward(ctx, admin, e.inbox.ID, "+1 415<Say>"); err == nil {
		t.Fatal("a forward number with markup was stored")
	}
}
