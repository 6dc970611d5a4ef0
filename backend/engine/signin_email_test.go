package engine_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
	"vouchdesk/backend/widget"
)

// Sign-in at chat start through the real widget API: an engine on a settable clock with a
// verified sender (codes go out over in-process SMTP) and, for Google, a local OpenID Connect
// issuer (signin_google_test.go). The per-IP sign-in throttle is raised so the tests can make
// many calls from loopback; the limits that matter here are the stored ones.

// signinEnv is a faultEnv (chat_faults_test.go) built with the sign-in options.
type signinEnv struct {
	*faultEnv
	inbox string // the chat inbox made at setup, with sign-in switched on as asked
}

type signinOptions struct {
	email, google bool
	issuer        string // engine.Config.GoogleIssuerURL
	script        string // engine.Config.GoogleScriptURL
	clientID      string // the organization's Google client ID
	consentText   string
	sealKey       []byte // engine.Config.SealKey
}

func newSigninEnv(t *testing.T, o signinOptions) *signinEnv {
	t.Helper()
	ctx := context.Background()
	clk := testutil.NewClock(time.Now().UTC().Truncate(time.Millisecond))
	loose := widget.Rate{PerSecond: 1000, Burst: 1000}
	c := newEnv(t, envOptions{now: clk.Now, limits: widget.Limits{Signin: loose, Sessions: loose},
		googleIssuer: o.issuer, googleScript: o.script,
		doubleOptIn: true, // double opt-in on: sign-in needs none
		signin:      true, googleClientID: o.clientID, consentText: o.consentText, sealKey: o.sealKey})
	s := &signinEnv{faultEnv: withDB(t, c, clk), inbox: c.inboxID()}
	for toggle, on := range map[string]bool{"emailSignin": o.email, "googleSignin": o.google} {
		if _, err := c.e.Org().SetInboxToggle(ctx, c.ws.Me, s.inbox, toggle, on); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// askCode posts /signin/email for the inbox; handle is "" for a new sign-in.
func (s *signinEnv) askCode(email, handle string) reply {
	s.t.Helper()
	return s.do("POST", "/api/widget/v1/signin/email", "", map[string]any{"inbox": s.inbox, "email": email,
		"consent": true, "signin": handle})
}

// mustAskCode is askCode that must answer 202; it returns the sign-in handle.
func (s *signinEnv) mustAskCode(email, handle string) string {
	s.t.Helper()
	r := s.askCode(email, handle)
	if r.status != 202 || r.str("signin") == "" {
		s.t.Fatalf("POST /signin/email %s = %d %s", email, r.status, r.raw)
	}
	return r.str("signin")
}

// typeCode posts /signin/code.
func (s *signinEnv) typeCode(handle, code, device string) reply {
	s.t.Helper()
	return s.do("POST", "/api/widget/v1/signin/code", "", map[string]any{"inbox": s.inbox, "signin": handle, "code": code,
		"name": "Ada <b>Lovelace</b>", "deviceToken": device, "timezone": "Europe/Berlin"})
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// signinCode is the newest sign-in code queued for an address, read from the email as the SMTP
// server received it.
func (s *signinEnv) signinCode(to string) string {
	s.t.Helper()
	log, err := s.e.Store().OutboxLog(context.Background(), s.ws.Organization.ID, 500)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, m := range log { // newest first
		if m.Kind == outbox.KindSigninCode && strings.Contains(strings.ToLower(m.ToAddr), strings.ToLower(to)) {
			if code := sixDigits.FindString(s.deliveredText(m)); code != "" {
				return code
			}
		}
	}
	s.t.Fatalf("no sign-in code queued for %s", to)
	return ""
}

// refusals counts the recorded sign-in refusals with a reason.
func (s *signinEnv) refusals(reason string) int {
	return s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.refused' AND json_extract(detail, '$.reason') = ?`, reason)
}

func (s *signinEnv) conversations() int {
	return s.count(`SELECT count(*) FROM conversations`)
}

// TestEmailSigninStartsTheChatVerified: with email sign-in on, a chat starts only through it. The
// code is mailed from the verified sender; the right one starts the chat verified by Email OTP,
// linked to a contact made active at once (sign-in proves the address: no double opt-in email)
// with the consent the customer gave; the device token is issued, and recognised later.
func TestEmailSigninStartsTheChatVerified(t *testing.T) {
	s := newSigninEnv(t, signinOptions{email: true, consentText: "We keep your email to answer you."})
	ctx := context.Background()

	in := s.do("GET", "/api/widget/v1/inboxes/"+s.inbox, "", nil)
	sign, _ := in.json["signin"].(map[string]any)
	if in.status != 200 || sign["email"] != true || sign["google"] != nil {
		t.Fatalf("GET /inboxes = %d %s, want signin {email: true, google: null}", in.status, in.raw)
	}
	if r := s.session(map[string]any{"name": "Ada"}); r.status != 403 || r.errCode() != verify.CodeSigninRequired {
		t.Fatalf("POST /sessions on a sign-in inbox = %d %s, want 403 signin_required", r.status, r.raw)
	}
	if r := s.do("POST", "/api/widget/v1/signin/email", "", map[string]any{"inbox": s.inbox, "email": "ada@example.com"}); r.status != 400 ||
		r.errCode() != "consent_required" {
		t.Errorf("POST /signin/email without consent = %d %s, want consent_required", r.status, r.raw)
	}
	if r := s.askCode("not an address", ""); r.status != 400 || r.errCode() != "invalid_email" {
		t.Errorf("POST /signin/email with a bad address = %d %s, want invalid_email", r.status, r.raw)
	}

	r := s.askCode("Ada@Example.com", "")
	if r.status != 202 || r.str("email") != "Ada@Example.com" || r.json["codeExpiresIn"] != float64(600) || r.json["resendIn"] != float64(30) {
		t.Fatalf("POST /signin/email = %d %s", r.status, r.raw)
	}
	handle := r.str("signin")
	mail := s.nextEmail()
	code := s.signinCode("Ada@Example.com")
	if !strings.Contains(mail, code) || !strings.Contains(mail, "From: \"Acme\" <support@acme.test>") || !regexp.MustCompile(`(?im)^To: <?ada@example\.com>?\r?$`).MatchString(mail) {
		t.Fatalf("the sign-in email (code %s) is not from the verified sender to the address:\n%s", code, mail)
	}
	if s.conversations() != 0 {
		t.Fatal("a conversation exists before the sign-in succeeded")
	}

	if w := s.typeCode(handle, wrongCode(code), ""); w.status != 422 || w.errCode() != "code_wrong" || w.json["attemptsLeft"] != float64(4) {
		t.Fatalf("a wrong code = %d %s, want 422 code_wrong with 4 left", w.status, w.raw)
	}
	ok := s.typeCode(handle, code[:3]+" "+code[3:], "")
	st := ok.state()
	if ok.status != 201 || ok.str("session") == "" || ok.str("deviceToken") == "" || ok.json["deviceRecognized"] != false ||
		st["verified"] != true || st["email"] != "Ada@Example.com" || st["status"] != "open" {
		t.Fatalf("the right code = %d %s, want 201, a session, a new device token and a verified state", ok.status, ok.raw)
	}
	conv, device := ok.str("conversation"), ok.str("deviceToken")
	p := s.panel(conv)
	if p.State != verify.PanelVerified || verify.Label(p.Verification) != "Verified by Email OTP" || p.Contact.Status != store.ContactActive {
		t.Fatalf("panel = %+v (%q), want verified by Email OTP with an active contact", p, verify.Label(p.Verification))
	}
	if n := s.count(`SELECT count(*) FROM contacts WHERE id = ? AND consent_text = ? AND consented_at IS NOT NULL AND confirmed_at IS NULL`,
		p.Contact.ID, "We keep your email to answer you."); n != 1 {
		t.Error("the contact does not record the consent text the customer agreed to")
	}
	if n := s.count(`SELECT count(*) FROM outbox WHERE kind = 'double_opt_in'`); n != 0 {
		t.Errorf("%d double opt-in emails were queued; sign-in proves the address", n)
	}
	cv, err := s.e.Store().ConversationByID(ctx, s.ws.Organization.ID, conv)
	if err != nil || cv.VisitorName != "Ada <b>Lovelace</b>" || cv.CustomerTZ != "Europe/Berlin" || cv.InboxID != s.inbox {
		t.Errorf("conversation = %+v, %v", cv, err)
	}
	msgs := s.messages(ok.str("session"))
	if len(msgs) != 1 || msgs[0]["from"] != "system" || msgs[0]["body"] != "Signed in as Ada@Example.com with a code sent by email." {
		t.Errorf("messages = %v, want the sign-in note", msgs)
	}
	if m := s.do("POST", "/api/widget/v1/messages", ok.str("session"), map[string]string{"clientMsgId": "m1", "body": "Hello"}); m.status != 201 {
		t.Errorf("a message after signing in = %d %s", m.status, m.raw)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.email_otp' AND entity_id = ?`, conv); n != 1 {
		t.Errorf("signin.email_otp audit rows = %d, want 1", n)
	}

	// The code is single use.
	if again := s.typeCode(handle, code, ""); again.status != 410 || again.errCode() != "code_expired" {
		t.Errorf("the code again = %d %s, want 410 code_expired", again.status, again.raw)
	}

	// The next chat on this browser: its device is recognised, and it proved the address.
	s.clk.Advance(time.Minute)
	h2 := s.mustAskCode("ada@example.com", "")
	next := s.typeCode(h2, s.signinCode("ada@example.com"), device)
	if next.status != 201 || next.json["deviceRecognized"] != true || next.str("deviceToken") != "" {
		t.Fatalf("the next sign-in with the device token = %d %s, want it recognised", next.status, next.raw)
	}
	if p2 := s.panel(next.str("conversation")); p2.Contact.ID != p.Contact.ID {
		t.Errorf("the second sign-in is linked to contact %s, want %s", p2.Contact.ID, p.Contact.ID)
	}
	// An inbox without sign-in: the same browser giving the address is verified at once.
	plain := store.Inbox{ID: store.NewID(), OrgID: s.ws.Organization.ID, Kind: store.InboxChat, Name: "No sign-in",
		PrechatAskName: true, PrechatAskEmail: true, IdleEndMinutes: 30, CreatedAt: s.clk.Now(), UpdatedAt: s.clk.Now()}
	if err := s.e.Store().Write(ctx, func(tx *store.Tx) error { return tx.InsertInbox(plain) }); err != nil {
		t.Fatal(err)
	}
	back := s.session(map[string]any{"inbox": plain.ID, "email": "ADA@example.com", "consent": true, "deviceToken": device})
	if back.status != 201 || back.json["deviceRecognized"] != true || back.state()["verified"] != true {
		t.Errorf("POST /sessions on another inbox with the device token = %d %s, want recognised and verified", back.status, back.raw)
	}
	if fresh := s.session(map[string]any{"inbox": plain.ID, "email": "ada@example.com", "consent": true}); fresh.state()["verified"] != false {
		t.Errorf("another browser = %s, want unverified", fresh.raw)
	}
}

// TestEmailSigninAnswersTheSameForKnownAndUnknown: asking for a code, and typing it, answer
// the same whether the address belongs to a contact or not.
func TestEmailSigninAnswersTheSameForKnownAndUnknown(t *testing.T) {
	s := newSigninEnv(t, signinOptions{email: true})
	ctx := context.Background()
	// grace@ belongs to a contact (verified in an earlier chat); nobody has ada@.
	if err := s.e.Store().Write(ctx, func(tx *store.Tx) error {
		now := s.clk.Now()
		c := store.Contact{ID: store.NewID(), OrgID: s.ws.Organization.ID, Name: "Grace", Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
		if err := tx.InsertRegisteredContact(c, "", time.Time{}); err != nil {
			return err
		}
		return tx.InsertField(store.Field{ID: store.NewID(), OrgID: c.OrgID, ContactID: c.ID, Kind: store.FieldEmail,
			ValueNorm: "grace@example.com", ValueDisplay: "grace@example.com", CreatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	shape := func(r reply) string {
		r.json["signin"] = "<handle>"
		delete(r.json, "state")
		b, _ := json.Marshal(r.json) // keys sorted
		return strconv.Itoa(r.status) + " " + string(b) + " Retry-After=" + r.header.Get("Retry-After")
	}
	known, unknown := s.askCode("grace@example.com", ""), s.askCode("ada@example.com", "")
	known.json["email"], unknown.json["email"] = "x", "x"
	if a, b := shape(known), shape(unknown); a != b {
		t.Errorf("asking for a code: known address %s, unknown %s; want the same", a, b)
	}
	for _, who := range []string{"grace@example.com", "ada@example.com"} {
		h := s.mustAskCode(who, "")
		code := s.signinCode(who)
		w := s.typeCode(h, wrongCode(code), "")
		if w.status != 422 || w.json["attemptsLeft"] != float64(4) {
			t.Errorf("%s: a wrong code = %d %s", who, w.status, w.raw)
		}
		ok := s.typeCode(h, code, "")
		st := ok.state()
		if ok.status != 201 || st["verified"] != true || st["email"] != who || st["request"] != nil {
			t.Errorf("%s: the right code = %d %s", who, ok.status, ok.raw)
		}
	}
	// Both chats are linked: grace to her contact, ada to a new one.
	if n := s.count(`SELECT count(*) FROM contacts WHERE status = 'active'`); n != 2 {
		t.Errorf("active contacts = %d, want 2 (grace's and the one made for ada)", n)
	}
}

// addPlainInbox adds a chat inbox without sign-in.
func (s *signinEnv) addPlainInbox() string {
	s.t.Helper()
	now := s.clk.Now()
	in := store.Inbox{ID: store.NewID(), OrgID: s.ws.Organization.ID, Kind: store.InboxChat, Name: "No sign-in",
		PrechatAskName: true, PrechatAskEmail: true, IdleEndMinutes: 30, CreatedAt: now, UpdatedAt: now}
	if err := s.e.Store().Write(context.Background(), func(tx *store.Tx) error { return tx.InsertInbox(in) }); err != nil {
		s.t.Fatal(err)
	}
	return in.ID
}

// TestEmailSigninRefusesBadCodes: unknown sign-ins, expired, reused, wrong-purpose (a chat code
// at sign-in and a sign-in code in a chat) and brute-forced codes are refused with the widget's
// errors, start no chat, and are recorded.
func TestEmailSigninRefusesBadCodes(t *testing.T) {
	s := newSigninEnv(t, signinOptions{email: true})
	ctx := context.Background()

	// A sign-in nobody asked a code for.
	for _, handle := range []string{randomToken(t), "not-a-handle", ""} {
		if r := s.typeCode(handle, "123456", ""); r.status != 409 || r.errCode() != "no_code_pending" {
			t.Errorf("a code for sign-in %q = %d %s, want 409 no_code_pending", handle, r.status, r.raw)
		}
	}
	if n := s.refusals("no_code_pending"); n != 3 {
		t.Errorf("no_code_pending refusals recorded = %d, want 3", n)
	}

	// Expired: 10 minutes on the engine's clock.
	h := s.mustAskCode("exp@example.com", "")
	code := s.signinCode("exp@example.com")
	s.clk.Advance(verify.CodeLife)
	if r := s.typeCode(h, code, ""); r.status != 410 || r.errCode() != "code_expired" {
		t.Errorf("an expired code = %d %s, want 410 code_expired", r.status, r.raw)
	}

	// Reused.
	h = s.mustAskCode("used@example.com", "")
	code = s.signinCode("used@example.com")
	if r := s.typeCode(h, code, ""); r.status != 201 {
		t.Fatalf("the right code = %d %s", r.status, r.raw)
	}
	if r := s.typeCode(h, code, ""); r.status != 410 || r.errCode() != "code_expired" {
		t.Errorf("a used code = %d %s, want 410 code_expired", r.status, r.raw)
	}
	if n := s.refusals("code_expired"); n != 2 {
		t.Errorf("code_expired refusals recorded = %d, want 2 (expired, used)", n)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.refused' AND CAST(json_extract(detail, '$.used') AS TEXT) IN ('1', 'true')`); n != 1 {
		t.Errorf("refusals recorded as a used code = %d, want 1", n)
	}

	// Wrong purpose: a chat code (an agent sent it in a chat of an inbox without sign-in) typed at
	// sign-in, and the sign-in code typed in that chat, are wrong codes; each right one still works
	// where it belongs.
	plain := s.addPlainInbox()
	chatSess := s.session(map[string]any{"inbox": plain, "email": "wp@example.com"})
	if err := s.e.Verify().SendCode(ctx, s.ws.Me, chatSess.str("conversation")); err != nil {
		t.Fatal(err)
	}
	chatCode := s.codeFor(chatSess.str("conversation"))
	h = s.mustAskCode("wp@example.com", "")
	signinCode := s.signinCode("wp@example.com")
	if chatCode == signinCode {
		t.Skip("the two random codes are equal (one in a million)")
	}
	if r := s.typeCode(h, chatCode, ""); r.status != 422 || r.errCode() != "code_wrong" {
		t.Errorf("a chat code at sign-in = %d %s, want 422 code_wrong", r.status, r.raw)
	}
	if r := s.do("POST", "/api/widget/v1/code", chatSess.str("session"), map[string]string{"code": signinCode}); r.status != 422 ||
		r.errCode() != "code_wrong" {
		t.Errorf("a sign-in code in a chat = %d %s, want 422 code_wrong", r.status, r.raw)
	}
	if r := s.do("POST", "/api/widget/v1/code", chatSess.str("session"), map[string]string{"code": chatCode}); r.status != 200 ||
		r.state()["verified"] != true {
		t.Errorf("the chat code in its chat = %d %s", r.status, r.raw)
	}
	if r := s.typeCode(h, signinCode, ""); r.status != 201 || r.state()["verified"] != true {
		t.Errorf("the sign-in code at sign-in = %d %s", r.status, r.raw)
	}

	// Brute force: 5 attempts per code, then 10 wrong codes per address per hour across codes.
	convsBefore := s.conversations()
	h = s.mustAskCode("brute@example.com", "")
	code = s.signinCode("brute@example.com")
	for i := 1; i <= 5; i++ {
		r := s.typeCode(h, wrongCode(code), "")
		if i < 5 && (r.status != 422 || r.json["attemptsLeft"] != float64(5-i)) {
			t.Fatalf("wrong code #%d = %d %s, want code_wrong with %d left", i, r.status, r.raw, 5-i)
		}
		if i == 5 && (r.status != 410 || r.errCode() != "code_expired") {
			t.Fatalf("wrong code #5 = %d %s, want code_expired (the code is used up)", r.status, r.raw)
		}
	}
	if r := s.typeCode(h, code, ""); r.status != 410 {
		t.Fatalf("the right code after 5 wrong ones = %d %s, want 410", r.status, r.raw)
	}
	s.clk.Advance(verify.SigninResendGap)
	if again := s.mustAskCode("brute@example.com", h); again != h {
		t.Errorf("a resend answered handle %q, want the same sign-in %q", again, h)
	}
	code = s.signinCode("brute@example.com")
	for i := 6; i <= 9; i++ {
		if r := s.typeCode(h, wrongCode(code), ""); r.status != 422 || r.json["attemptsLeft"] != float64(min(10-i, 5-(i-5))) {
			t.Fatalf("wrong code #%d = %d %s", i, r.status, r.raw)
		}
	}
	locked := s.typeCode(h, wrongCode(code), "")
	if locked.status != 429 || locked.errCode() != "too_many_wrong_codes" || locked.header.Get("Retry-After") == "" {
		t.Fatalf("wrong code #10 = %d %s, want 429 too_many_wrong_codes with Retry-After", locked.status, locked.raw)
	}
	if r := s.typeCode(h, code, ""); r.status != 429 || r.errCode() != "too_many_wrong_codes" {
		t.Errorf("the right code while the address is locked = %d %s, want too_many_wrong_codes", r.status, r.raw)
	}
	if s.conversations() != convsBefore {
		t.Error("a refused code started a chat")
	}
	if n := s.refusals("too_many_wrong_codes"); n != 2 {
		t.Errorf("too_many_wrong_codes refusals recorded = %d, want 2", n)
	}
	if n := s.count(`SELECT count(*) FROM audit_log WHERE action = 'signin.refused' AND CAST(json_extract(detail, '$.locked') AS TEXT) IN ('1', 'true')`); n != 1 {
		t.Errorf("refusals recorded as locking the address = %d, want 1", n)
	}
	if n := s.refusals("code_wrong"); n != 1+8 {
		t.Errorf("code_wrong refusals recorded = %d, want 9 (one wrong purpose, eight brute force)", n)
	}
}

// TestEmailSigninSendLimits: codes of one sign-in are 30 s apart and at most 3 per 10 minutes;
// an address gets at most 5 emails an hour (across sign-ins); a client gets at most 10 sign-in
// codes an hour. Each refusal says when to try again.
func TestEmailSigninSendLimits(t *testing.T) {
	s := newSigninEnv(t, signinOptions{email: true})
	limited := func(what string, r reply, retry string) {
		t.Helper()
		if r.status != 429 || r.errCode() != "rate_limited" || r.header.Get("Retry-After") != retry {
			t.Errorf("%s = %d %s (Retry-After %q), want 429 rate_limited, Retry-After %s", what, r.status, r.raw, r.header.Get("Retry-After"), retry)
		}
	}
	h := s.mustAskCode("ada@example.com", "")
	first := s.signinCode("ada@example.com")
	limited("a resend at once", s.askCode("ada@example.com", h), "30")
	s.clk.Advance(29 * time.Second)
	limited("a resend after 29 s", s.askCode("ada@example.com", h), "1")
	s.clk.Advance(time.Second)
	if again := s.mustAskCode("ada@example.com", h); again != h {
		t.Errorf("a resend answered sign-in %q, want %q", again, h)
	}
	second := s.signinCode("ada@example.com")
	s.clk.Advance(30 * time.Second)
	s.mustAskCode("Ada@example.com", h)
	s.clk.Advance(30 * time.Second)
	limited("a fourth code within 10 minutes", s.askCode("ada@example.com", h), "510")
	// A newer code replaces the older ones.
	if first != second {
		if r := s.typeCode(h, first, ""); r.status != 422 {
			t.Errorf("a replaced code = %d %s, want code_wrong", r.status, r.raw)
		}
	}

	// The address: 3 sent, 2 more in new sign-ins, then refused for the rest of the hour.
	s.mustAskCode("ada@example.com", "")
	s.mustAskCode("ada@example.com", "")
	r := s.askCode("ada@example.com", "")
	if r.status != 429 || r.errCode() != "rate_limited" || !strings.Contains(r.errMessage(), "This address") {
		t.Errorf("a 6th email to the address within the hour = %d %s", r.status, r.raw)
	}
	// The client: 5 codes so far from here; 5 more to other addresses, then refused.
	for i := range 5 {
		s.mustAskCode("c"+strconv.Itoa(i)+"@example.com", "")
	}
	r = s.askCode("other@example.com", "")
	if r.status != 429 || r.errCode() != "rate_limited" || !strings.Contains(r.errMessage(), "from here") {
		t.Errorf("an 11th code from one client within the hour = %d %s", r.status, r.raw)
	}
	if n := s.count(`SELECT count(*) FROM challenges WHERE purpose = 'signin_code'`); n != 10 {
		t.Errorf("sign-in codes stored = %d, want the 10 sent", n)
	}
	// An hour after the first, there is room again.
	s.clk.Advance(time.Hour)
	s.mustAskCode("ada@example.com", "")
}
