package engine_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"vouchdesk/backend/signin/google/googletest"
	"vouchdesk/backend/store"
	"vouchdesk/backend/verify"
)

const acmeClientID = "1234567890-acmechat.apps.googleusercontent.com"

// newGoogleEnv is a signinEnv with Google Sign-In on, checked against a local issuer.
func newGoogleEnv(t *testing.T, email bool) (*signinEnv, *googletest.Issuer) {
	t.Helper()
	iss := googletest.Start(t)
	return newSigninEnv(t, signinOptions{email: email, google: true, issuer: iss.URL(), clientID: acmeClientID}), iss
}

// google posts /signin/google with a credential.
func (s *signinEnv) google(credential, device string) reply {
	s.t.Helper()
	return s.do("POST", "/api/widget/v1/signin/google", "", map[string]any{"inbox": s.inbox, "credential": credential,
		"deviceToken": device, "timezone": "Europe/Berlin"})
}

// TestGoogleSigninStartsTheChatVerified: a good ID token starts the chat verified by Google
// Sign-In, makes the contact if none has the address, and signs in once. Identity is keyed by
// sub: the same Google account with a changed address lands on the same contact.
func TestGoogleSigninStartsTheChatVerified(t *testing.T) {
	s, iss := newGoogleEnv(t, true)

	in := s.do("GET", "/api/widget/v1/inboxes/"+s.inbox, "", nil)
	sign, _ := in.json["signin"].(map[string]any)
	g, _ := sign["google"].(map[string]any)
	if sign["email"] != true || g["clientId"] != acmeClientID || g["scriptUrl"] != "https://accounts.google.com/gsi/client" {
		t.Fatalf("GET /inboxes = %s, want email and google (client ID, Google's script)", in.raw)
	}

	claims := iss.Claims(acmeClientID, s.clk.Now())
	tok := iss.Sign(claims)
	r := s.google(tok, "")
	st := r.state()
	if r.status != 201 || r.str("session") == "" || r.str("deviceToken") == "" || st["verified"] != true || st["email"] != "ada@example.com" {
		t.Fatalf("POST /signin/google = %d %s, want 201 verified", r.status, r.raw)
	}
	p := s.panel(r.str("conversation"))
	if p.State != verify.PanelVerified || verify.Label(p.Verification) != "Verified by Google Sign-In" ||
		p.Verification.Evidence != claims["sub"] || p.Contact.Status != store.ContactActive || p.Contact.Name != "Ada Lovelace" {
		t.Fatalf("panel = %+v (%q), want verified by Google Sign-In, keyed by sub, a new active contact named from Google",
			p, verify.Label(p.Verification))
	}
	if msgs := s.messages(r.str("session")); len(msgs) != 1 || msgs[0]["body"] != "Signed in as ada@example.com with Google." {
		t.Errorf("messages = %v", msgs)
	}
	if n := s.count(`SELECT count(*) FROM outbox WHERE kind = 'double_opt_in'`); n != 0 {
		t.Errorf("%d double opt-in emails queued; Google proved the address", n)
	}

	// One token signs in once.
	convs := s.conversations()
	if again := s.google(tok, ""); again.status != 409 || again.errCode() != verify.CodeGoogleUsed {
		t.Errorf("the same token again = %d %s, want 409 google_token_used", again.status, again.raw)
	}
	if s.conversations() != convs || s.refusals(verify.CodeGoogleUsed) != 1 {
		t.Errorf("a replayed token: conversations %d (want %d), refusals recorded %d (want 1)", s.conversations(), convs, s.refusals(verify.CodeGoogleUsed))
	}

	// The same account (sub) with another address: the same contact, which gains the address;
	// the device token from the first sign-in is recognised.
	s.clk.Advance(time.Minute)
	moved := iss.Claims(acmeClientID, s.clk.Now())
	moved["email"] = "ada.lovelace@example.org"
	r2 := s.google(iss.Sign(moved), r.str("deviceToken"))
	if r2.status != 201 || r2.json["deviceRecognized"] != true || r2.state()["email"] != "ada.lovelace@example.org" {
		t.Fatalf("the same account with a new address = %d %s", r2.status, r2.raw)
	}
	if p2 := s.panel(r2.str("conversation")); p2.Contact.ID != p.Contact.ID {
		t.Errorf("the same Google account landed on contact %s, want %s (keyed by sub)", p2.Contact.ID, p.Contact.ID)
	}
	if n := s.count(`SELECT count(*) FROM contact_fields WHERE contact_id = ? AND removed_at IS NULL`, p.Contact.ID); n != 2 {
		t.Errorf("the contact has %d addresses, want 2", n)
	}

	// Another account with an unknown address: a new contact.
	other := iss.Claims(acmeClientID, s.clk.Now())
	other["sub"], other["email"], other["name"] = "2000", "grace@example.com", "Grace <i>Hopper</i>"
	r3 := s.google(iss.Sign(other), "")
	p3 := s.panel(r3.str("conversation"))
	if r3.status != 201 || p3.Contact.ID == p.Contact.ID || p3.Contact.Name != "Grace <i>Hopper</i>" {
		t.Fatalf("another account = %d %s, panel %+v; want a new contact", r3.status, r3.raw, p3)
	}

	// Ada's account now shows Grace's address: the chat follows the address (one address, one
	// contact), and the move is recorded for an agent to merge.
	s.clk.Advance(time.Minute)
	clash := iss.Claims(acmeClientID, s.clk.Now())
	clash["email"] = "grace@example.com"
	r4 := s.google(iss.Sign(clash), "")
	if p4 := s.panel(r4.str("conversation")); r4.status != 201 || p4.Contact.ID != p3.Contact.ID {
		t.Errorf("an account whose address belongs to another contact = %d %s, linked to %s; want %s", r4.status, r4.raw, p4.Contact.ID, p3.Contact.ID)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.google' AND json_extract(detail, '$.previousContact') = ?`, p.Contact.ID); n != 1 {
		t.Errorf("audit rows naming the account's previous contact = %d, want 1", n)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.google'`); n != 4 {
		t.Errorf("signin.google audit rows = %d, want 4", n)
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// handMade is a token whose header and signature the test writes itself: alg none (no
// signature), or HS256 keyed with the issuer's public key (the algorithm-confusion forgery).
func handMade(t *testing.T, iss *googletest.Issuer, alg string, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]any{"alg": alg, "typ": "JWT", "kid": iss.SigningKey().ID})
	c, _ := json.Marshal(claims)
	signing := b64(h) + "." + b64(c)
	if alg == "none" {
		return signing + "."
	}
	der, err := x509.MarshalPKIXPublicKey(&iss.SigningKey().Private.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	mac.Write([]byte(signing))
	return signing + "." + b64(mac.Sum(nil))
}

// TestGoogleSigninRefusesBadTokens: every bad token is refused with the widget's error, starts
// no chat, and is recorded with its reason; an issuer that cannot be reached is "unavailable",
// not the customer's fault, and not recorded as a refusal.
func TestGoogleSigninRefusesBadTokens(t *testing.T) {
	s, iss := newGoogleEnv(t, false)

	// The keys cannot be fetched: unavailable; once they can, the same kind of token works.
	iss.SetJWKSStatus(503)
	if r := s.google(iss.Sign(iss.Claims(acmeClientID, s.clk.Now())), ""); r.status != 503 || r.errCode() != verify.CodeSigninUnavailable {
		t.Errorf("a token while the issuer's keys are down = %d %s, want 503 signin_unavailable", r.status, r.raw)
	}
	iss.SetJWKSStatus(0)
	s.clk.Advance(10 * time.Second) // the verifier's floor between key requests
	if r := s.google(iss.Sign(iss.Claims(acmeClientID, s.clk.Now())), ""); r.status != 201 {
		t.Fatalf("a good token once the keys are back = %d %s", r.status, r.raw)
	}
	convs := s.conversations()

	now := s.clk.Now()
	with := func(change func(map[string]any)) map[string]any {
		c := iss.Claims(acmeClientID, now)
		change(c)
		return c
	}
	good := func(map[string]any) {}
	cases := []struct {
		name, token, code, reason string
		status                    int
	}{
		{"forged (signed with another key under the issuer's key id)", iss.SignWith(googletest.NewKey(t, iss.SigningKey().ID), with(good)),
			verify.CodeGoogleInvalid, "signature", 400},
		{"expired", iss.Sign(with(func(c map[string]any) {
			c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Second).Unix()
		})),
			verify.CodeGoogleExpired, "expired", 400},
		{"wrong audience", iss.Sign(with(func(c map[string]any) { c["aud"] = "999-other.apps.googleusercontent.com" })),
			verify.CodeGoogleInvalid, "audience", 400},
		{"wrong issuer", iss.Sign(with(func(c map[string]any) { c["iss"] = "https://accounts.google.com" })),
			verify.CodeGoogleInvalid, "issuer", 400},
		{"alg none", handMade(t, iss, "none", with(good)), verify.CodeGoogleInvalid, "algorithm", 400},
		{"alg HS256 keyed with the public key", handMade(t, iss, "HS256", with(good)), verify.CodeGoogleInvalid, "algorithm", 400},
		{"unknown key", iss.SignWith(googletest.NewKey(t, "key-unpublished"), with(good)), verify.CodeGoogleInvalid, "unknown_key", 400},
		{"email_verified false", iss.Sign(with(func(c map[string]any) { c["email_verified"] = false })),
			verify.CodeGoogleUnverified, "email_not_verified", 403},
		{"no email", iss.Sign(with(func(c map[string]any) { delete(c, "email") })), verify.CodeGoogleInvalid, "missing_claim", 400},
		{"an email we cannot use", iss.Sign(with(func(c map[string]any) { c["email"] = "Ada <ada@example.com>" })),
			verify.CodeGoogleInvalid, "malformed", 400},
		{"not a token", "not.a.token", verify.CodeGoogleInvalid, "malformed", 400},
		{"empty", "", verify.CodeGoogleInvalid, "malformed", 400},
	}
	for _, tc := range cases {
		before := s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.refused' AND json_extract(detail, '$.token') = ?`, tc.reason)
		r := s.google(tc.token, "")
		if r.status != tc.status || r.errCode() != tc.code || r.errMessage() == "" {
			t.Errorf("%s: = %d %s, want %d %s", tc.name, r.status, r.raw, tc.status, tc.code)
		}
		after := s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.refused' AND json_extract(detail, '$.token') = ?
			AND json_extract(detail, '$.method') = 'google' AND json_extract(detail, '$.reason') = ?`, tc.reason, tc.code)
		if after != before+1 {
			t.Errorf("%s: refusals recorded with reason %s = %d, want %d", tc.name, tc.reason, after, before+1)
		}
	}
	if s.conversations() != convs {
		t.Errorf("bad tokens started %d chats", s.conversations()-convs)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.refused' AND json_extract(detail, '$.token') = 'unavailable'`); n != 0 {
		t.Errorf("an unreachable issuer was recorded as a refusal %d times", n)
	}
}

// TestSigninOffAndUnreachableIssuer: an inbox offers only the sign-ins it is set up for (Google
// needs the organization's client ID); without any, chats start as before. An issuer that cannot
// be reached at all is unavailable.
func TestSigninOffAndUnreachableIssuer(t *testing.T) {
	gone := googletest.Start(t)
	gone.Close()
	s := newSigninEnv(t, signinOptions{google: true, issuer: gone.URL(), script: "http://127.0.0.1:9/fake/gsi.js"}) // no client ID
	in := s.do("GET", "/api/widget/v1/inboxes/"+s.inbox, "", nil)
	if in.status != 200 || in.json["signin"] != nil {
		t.Fatalf("GET /inboxes with Google on but no client ID = %s, want signin null", in.raw)
	}
	if r := s.session(map[string]any{"name": "Ada"}); r.status != 201 {
		t.Errorf("POST /sessions without any sign-in offered = %d %s", r.status, r.raw)
	}
	if r := s.google("x.y.z", ""); r.status != 409 || r.errCode() != verify.CodeSigninOff {
		t.Errorf("POST /signin/google without a client ID = %d %s, want 409 signin_off", r.status, r.raw)
	}
	if r := s.askCode("ada@example.com", ""); r.status != 409 || r.errCode() != verify.CodeSigninOff {
		t.Errorf("POST /signin/email with email sign-in off = %d %s, want 409 signin_off", r.status, r.raw)
	}
	if r := s.do("POST", "/api/widget/v1/signin/google", "", map[string]any{"inbox": "nope", "credential": "x"}); r.status != 404 {
		t.Errorf("POST /signin/google for an unknown inbox = %d %s, want 404", r.status, r.raw)
	}

	if err := s.e.Store().Write(context.Background(), func(tx *store.Tx) error {
		return tx.SetGoogleClientID(s.ws.Organization.ID, acmeClientID, s.clk.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if r := s.session(map[string]any{"name": "Ada"}); r.status != 403 || r.errCode() != verify.CodeSigninRequired {
		t.Errorf("POST /sessions once Google is set up = %d %s, want signin_required", r.status, r.raw)
	}
	in = s.do("GET", "/api/widget/v1/inboxes/"+s.inbox, "", nil)
	if g, _ := in.json["signin"].(map[string]any)["google"].(map[string]any); g["scriptUrl"] != "http://127.0.0.1:9/fake/gsi.js" {
		t.Errorf("GET /inboxes = %s, want the configured script URL", in.raw)
	}
	if r := s.google("x.y.z", ""); r.status != 503 || r.errCode() != verify.CodeSigninUnavailable {
		t.Errorf("POST /signin/google with the issuer gone = %d %s, want 503 signin_unavailable", r.status, r.raw)
	}
}
