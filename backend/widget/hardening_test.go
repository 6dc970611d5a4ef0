package widget_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"vouchdesk/backend/store"
	"vouchdesk/backend/widget"
)

// postRaw sends a body as is.
func (e *chatEnv) postRaw(path, body string) (*http.Response, string) {
	e.t.Helper()
	res, err := http.Post(e.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestBodyWithTrailingDataIsRefused: a body is one JSON object; anything after it but whitespace
// is bad_request and nothing is created, while unknown fields are ignored.
func TestBodyWithTrailingDataIsRefused(t *testing.T) {
	e := newChatEnv(t, widget.Limits{})
	conversations := func() int {
		n, err := e.st.CountsByOrg(context.Background(), e.ws.Organization.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n.Conversations
	}
	obj := `{"inbox":"` + e.inbox + `","name":"Ada"}`
	for _, body := range []string{
		obj + `{"inbox":"` + e.inbox + `"}`, // a second object
		obj + ` x`,                          // stray text
		obj + `}`,                           // a stray brace
		obj + ` "more"`,                     // a second value
		obj + ` []`,
	} {
		res, out := e.postRaw("/api/widget/v1/sessions", body)
		if res.StatusCode != 400 || !strings.Contains(out, `"code":"bad_request"`) {
			t.Errorf("POST /sessions %q = %d %s, want 400 bad_request", body, res.StatusCode, out)
		}
	}
	if n := conversations(); n != 0 {
		t.Fatalf("conversations after refused bodies = %d, want 0", n)
	}
	for _, body := range []string{obj, obj + " \r\n\t ", `{"inbox":"` + e.inbox + `","name":"Ada","favouriteColour":"teal"}`} {
		if res, out := e.postRaw("/api/widget/v1/sessions", body); res.StatusCode != 201 {
			t.Errorf("POST /sessions %q = %d %s, want 201", body, res.StatusCode, out)
		}
	}
	// The same rule on a call with a session.
	s := e.start(nil)
	sess, _ := s["session"].(string)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/widget/v1/messages", strings.NewReader(`{"clientMsgId":"c1","body":"hi"} {"clientMsgId":"c2","body":"again"}`))
	req.Header.Set("Authorization", "Bearer "+sess)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("POST /messages with two objects = %d, want 400", res.StatusCode)
	}
}

// TestPagesForbidFraming: the demo page and the link pages carry a Content-Security-Policy that
// forbids framing and scripts from elsewhere, and every answer says nosniff and no-referrer.
func TestPagesForbidFraming(t *testing.T) {
	e := newChatEnv(t, widget.Limits{})
	get := func(path string) *http.Response {
		res, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	demo := get("/demo")
	csp := demo.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "frame-ancestors 'none'", "connect-src 'self'",
		"base-uri 'none'", "object-src 'none'"} {
		if demo.StatusCode != 200 || !strings.Contains(csp+";", want) {
			t.Errorf("GET /demo = %d, Content-Security-Policy %q; want it to contain %q", demo.StatusCode, csp, want)
		}
	}
	if strings.Contains(csp, "google") {
		t.Errorf("GET /demo CSP = %q, want no Google origin while Google Sign-In is off", csp)
	}
	for _, path := range []string{"/demo", "/verify/email/not-a-token", "/confirm/not-a-token", "/api/widget/v1/inboxes/" + e.inbox} {
		res := get(path)
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s X-Content-Type-Options = %q, want nosniff", path, got)
		}
		if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("GET %s Referrer-Policy = %q, want no-referrer", path, got)
		}
		if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s Content-Security-Policy = %q, want frame-ancestors 'none'", path, res.Header.Get("Content-Security-Policy"))
		}
	}

	// With Google Sign-In offered on the demo's inbox, Google's script origin is allowed, and
	// nothing else from elsewhere.
	ctx := context.Background()
	orgID := e.ws.Organization.ID
	if err := e.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetGoogleClientID(orgID, "123-abc.apps.googleusercontent.com", e.clock.Now()); err != nil {
			return err
		}
		return tx.SetInboxToggle(orgID, e.inbox, "googleSignin", true, e.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	csp = get("/demo").Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' https://accounts.google.com;", "frame-src https://accounts.google.com;", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("GET /demo with Google Sign-In: CSP %q, want it to contain %q", csp, want)
		}
	}
}

// TestChatInboxLookup: an inbox is found by its id in whichever organization it is; an unknown
// id, a phone inbox and a deleted one answer inbox_not_found, as before.
func TestChatInboxLookup(t *testing.T) {
	e := newChatEnv(t, widget.Limits{})
	ctx := context.Background()
	now := e.clock.Now()
	other := store.Organization{ID: store.NewID(), Name: "Other Org", CreatedAt: now, UpdatedAt: now}
	chatIn := store.Inbox{ID: store.NewID(), OrgID: other.ID, Kind: store.InboxChat, Name: "Other chat", IdleEndMinutes: 30, CreatedAt: now, UpdatedAt: now}
	phoneIn := store.Inbox{ID: store.NewID(), OrgID: other.ID, Kind: store.InboxPhone, Name: "Other phone", PhoneNumber: "+4930123456", CreatedAt: now, UpdatedAt: now}
	if err := e.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertOrganization(other); err != nil {
			return err
		}
		if err := tx.InsertInbox(chatIn); err != nil {
			return err
		}
		return tx.InsertInbox(phoneIn)
	}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{e.inbox: "Acme", chatIn.ID: "Other Org"} {
		res, out := e.call("GET", "/api/widget/v1/inboxes/"+id, "", nil)
		if res.StatusCode != 200 || out["id"] != id || out["organization"] != want {
			t.Errorf("GET /inboxes/%s = %d %v, want 200 of %s", id, res.StatusCode, out, want)
		}
	}
	for _, id := range []string{store.NewID(), phoneIn.ID, "not-an-id", ""} {
		res, out := e.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": id})
		if res.StatusCode != 404 || errCode(out) != "inbox_not_found" {
			t.Errorf("POST /sessions to inbox %q = %d %v, want 404 inbox_not_found", id, res.StatusCode, out)
		}
	}
}

// TestJoinPage: an invitation link's page loads only its own script, keeps the token out of the
// request (it is after "#"), and the script writes the token as text and as a URL component only.
func TestJoinPage(t *testing.T) {
	e := newChatEnv(t, widget.Limits{})
	res, err := http.Get(e.srv.URL + "/join")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET /join = %d, CSP %q, Cache-Control %q", res.StatusCode, csp, res.Header.Get("Cache-Control"))
	}
	if !strings.Contains(string(body), `<script src="/join.js"></script>`) || strings.Contains(string(body), "<script>") {
		t.Errorf("GET /join: want only the page's own script file, no inline script")
	}
	res, err = http.Get(e.srv.URL + "/join.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") ||
		!strings.Contains(string(js), "textContent") || strings.Contains(string(js), "innerHTML") ||
		!strings.Contains(string(js), "encodeURIComponent(location.origin)") {
		t.Errorf("GET /join.js = %d %q:\n%s", res.StatusCode, res.Header.Get("Content-Type"), js)
	}
}
