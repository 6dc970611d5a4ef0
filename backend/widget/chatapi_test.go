package widget_test

import (
	"context"
	"strings"
	"testing"

	"vouchdesk/backend/widget"
)

// TestCORSExposesRetryAfter: a browser page on another origin can read Retry-After only when the
// answer lists it in Access-Control-Expose-Headers; a 429 must carry both.
func TestCORSExposesRetryAfter(t *testing.T) {
	e := newChatEnv(t, widget.Limits{IP: widget.Rate{PerSecond: 0.001, Burst: 1}})
	exposes := func(v string) bool {
		for _, h := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(h), "Retry-After") {
				return true
			}
		}
		return false
	}
	res, _ := e.call("GET", "/api/widget/v1/inboxes/"+e.inbox, "", nil)
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "*" || !exposes(res.Header.Get("Access-Control-Expose-Headers")) {
		t.Errorf("first GET = %d, headers %v; want 200 with Retry-After exposed", res.StatusCode, res.Header)
	}
	res, out := e.call("GET", "/api/widget/v1/inboxes/"+e.inbox, "", nil)
	if res.StatusCode != 429 || errCode(out) != "rate_limited" {
		t.Fatalf("second GET over the IP budget = %d %v, want 429 rate_limited", res.StatusCode, out)
	}
	if res.Header.Get("Retry-After") == "" || res.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!exposes(res.Header.Get("Access-Control-Expose-Headers")) {
		t.Errorf("429 headers = %v, want Retry-After, Access-Control-Allow-Origin and Retry-After exposed", res.Header)
	}
}

// TestDeviceTokenComesOnlyFromSessions pins the documented contract: POST /sessions hands a token
// to a browser it does not recognise and none to one it does; a proof (here the agent's, then a
// code) attaches to the device on the server and sends no new token.
func TestDeviceTokenComesOnlyFromSessions(t *testing.T) {
	e := newChatEnv(t, widget.Limits{})
	ctx := context.Background()
	first := e.start(map[string]any{"email": "ada@example.com", "consent": true})
	device, _ := first["deviceToken"].(string)
	if len(device) != 43 || first["deviceRecognized"] != false {
		t.Fatalf("first session = %v, want a new 43-character device token, not recognised", first)
	}
	if err := e.verify.MarkVerified(ctx, e.ws.Me, first["conversation"].(string), "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	back := e.start(map[string]any{"email": "ada@example.com", "consent": true, "deviceToken": device})
	st, _ := back["state"].(map[string]any)
	if _, has := back["deviceToken"]; has || back["deviceRecognized"] != true || st["verified"] != true {
		t.Fatalf("return session = %v, want recognised, verified, and no new token", back)
	}

	// A forged token is ignored: a new device and a new token, unverified.
	forged := e.start(map[string]any{"email": "ada@example.com", "consent": true, "deviceToken": strings.Repeat("A", 43)})
	st, _ = forged["state"].(map[string]any)
	if tok, _ := forged["deviceToken"].(string); tok == "" || tok == device || forged["deviceRecognized"] != false || st["verified"] != false {
		t.Fatalf("forged-token session = %v, want a fresh token and unverified", forged)
	}

	// A right code answers the state only: the token the browser has now proves the email.
	session := forged["session"].(string)
	if err := e.verify.SendCode(ctx, e.ws.Me, forged["conversation"].(string)); err != nil {
		t.Fatal(err)
	}
	res, out := e.call("POST", "/api/widget/v1/code", session, map[string]string{"code": e.lastCode()})
	st, _ = out["state"].(map[string]any)
	if res.StatusCode != 200 || st["verified"] != true || len(out) != 1 {
		t.Fatalf("POST /code = %d %v, want 200 with only the state, verified", res.StatusCode, out)
	}
	again := e.start(map[string]any{"email": "ada@example.com", "consent": true, "deviceToken": forged["deviceToken"]})
	st, _ = again["state"].(map[string]any)
	if again["deviceRecognized"] != true || st["verified"] != true {
		t.Errorf("session with the token from the forged-token visit = %v, want recognised and verified", again)
	}
}

// TestTooManyWrongCodesAnswers429: the address's wrong-code limit reaches the widget as a 429
// with its own code and the exact Retry-After, and the right code is refused while it lasts.
func TestTooManyWrongCodesAnswers429(t *testing.T) {
	e := newChatEnv(t, widget.Limits{Verify: widget.Rate{PerSecond: 1000, Burst: 1000}})
	ctx := context.Background()
	s := e.start(map[string]any{"email": "ada@example.com", "consent": true})
	session, conversation := s["session"].(string), s["conversation"].(string)
	try := func(code string) (int, map[string]any) {
		res, out := e.call("POST", "/api/widget/v1/code", session, map[string]string{"code": code})
		return res.StatusCode, out
	}
	wrong := func(code string) string {
		if code == "000000" {
			return "111111"
		}
		return "000000"
	}
	var code string
	for i := 1; i <= 9; i++ {
		if i == 1 || i == 6 { // the 5th used the first code up: the agent sends another
			if err := e.verify.SendCode(ctx, e.ws.Me, conversation); err != nil {
				t.Fatal(err)
			}
			code = e.lastCode()
		}
		status, out := try(wrong(code))
		switch {
		case i == 5:
			if status != 410 || errCode(out) != "code_expired" {
				t.Fatalf("wrong code #5 = %d %v, want 410 code_expired", status, out)
			}
		case i < 10:
			if status != 422 || errCode(out) != "code_wrong" {
				t.Fatalf("wrong code #%d = %d %v, want 422 code_wrong", i, status, out)
			}
		}
	}
	// The 10th wrong code, and the right one after it (the second code is used up by now too):
	// the lock, with the time until it lifts. The first code stopped working at the 5th attempt,
	// on this clock now: an hour to wait.
	for _, c := range []string{wrong(code), code} {
		res, out := e.call("POST", "/api/widget/v1/code", session, map[string]string{"code": c})
		if res.StatusCode != 429 || errCode(out) != "too_many_wrong_codes" {
			t.Fatalf("code %s after 9 wrong ones = %d %v, want 429 too_many_wrong_codes", c, res.StatusCode, out)
		}
		if got := res.Header.Get("Retry-After"); got != "3600" {
			t.Errorf("Retry-After = %q, want 3600", got)
		}
	}
	if _, out := e.call("GET", "/api/widget/v1/conversation", session, nil); out["state"].(map[string]any)["verified"] != false {
		t.Errorf("state after a refused right code = %v, want unverified", out["state"])
	}
}

// TestServerWideStartsAreCapped: chats started from many places at once hit the server's own
// budget (ServerStarts), whatever each client's: the next start is refused with 429 and a reason,
// and nothing is created for it.
func TestServerWideStartsAreCapped(t *testing.T) {
	loose := widget.Rate{PerSecond: 1000, Burst: 1000}
	e := newChatEnv(t, widget.Limits{IP: loose, Sessions: loose, Signin: loose, ServerStarts: widget.Rate{PerSecond: 0.001, Burst: 3}})
	for i := range 3 {
		res, out := e.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": e.inbox, "name": "Ada"})
		if res.StatusCode != 201 {
			t.Fatalf("start %d = %d %v, want 201", i+1, res.StatusCode, out)
		}
	}
	res, out := e.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": e.inbox, "name": "Ada"})
	if res.StatusCode != 429 || errCode(out) != "rate_limited" || res.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth start = %d %v, want 429 rate_limited with Retry-After", res.StatusCode, out)
	}
	res, out = e.call("POST", "/api/widget/v1/signin/email", "", map[string]any{"inbox": e.inbox, "email": "ada@example.com"})
	if res.StatusCode != 429 {
		t.Fatalf("a sign-in code over the server's budget = %d %v, want 429", res.StatusCode, out)
	}
}
