package engine_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Enumeration through the widget API (docs/verification.md, "What the customer is told"): an
// attacker with only the documented calls types an address that belongs to a verified contact
// and one that belongs to nobody, the same calls in the same order, and compares what comes
// back. The answers must be byte for byte the same once the address, ids and tokens are masked,
// including the rate-limited ones after the address's send budget is spent: under double opt-in
// an unknown address gets confirmation emails when it is typed in chats and a known one does
// not, so if those counted in the budget the sign-in's "This address got several emails" would
// tell them apart. (Timing is measured by backend/widget/enumtiming, not asserted here.)

// masked is an answer with the address, ids and tokens replaced, and the headers an attacker can
// read.
func masked(r reply, addr string) string {
	s := string(r.raw)
	for _, k := range []string{"session", "conversation", "deviceToken", "signin"} {
		if v := r.str(k); v != "" {
			s = strings.ReplaceAll(s, v, "<"+k+">")
		}
	}
	s = strings.ReplaceAll(s, addr, "<email>")
	h := func(k string) string { return k + "=" + r.header.Get(k) }
	return strings.Join([]string{http.StatusText(r.status), h("Content-Type"), h("Retry-After"), h("Cache-Control"), s}, " | ")
}

func TestEnumerationKnownAndUnknownAnswerAlike(t *testing.T) {
	s := newSigninEnv(t, signinOptions{email: true}) // double opt-in on
	plain := s.addPlainInbox()
	const known, unknown = "grace@example.com", "ada@example.com"

	// grace@ becomes a verified contact the way a customer does: signing in with a code.
	h := s.mustAskCode(known, "")
	if r := s.typeCode(h, s.signinCode(known), ""); r.status != 201 || r.state()["verified"] != true {
		t.Fatalf("signing in as %s = %d %s", known, r.status, r.raw)
	}
	if n := s.count(`SELECT count(*) FROM contact_fields WHERE value_norm = ?`, known); n != 1 {
		t.Fatalf("contact fields with %s = %d, want 1", known, n)
	}
	s.clk.Advance(2 * time.Hour) // that sign-in's code leaves the address's budget window

	// The same calls for both addresses, interleaved; each answer compared.
	typed := func(addr string) reply {
		sess := s.mustSession(map[string]any{"inbox": plain, "name": "Someone"}).str("session")
		return s.do("POST", "/api/widget/v1/email", sess, map[string]any{"email": addr, "consent": true})
	}
	asked := func(addr string) reply { return s.askCode(addr, "") }
	steps := []struct {
		name string
		call func(addr string) reply
	}{
		{"POST /sessions with the email", func(addr string) reply {
			return s.session(map[string]any{"inbox": plain, "name": "Someone", "email": addr, "consent": true})
		}},
		// Typed in three more chats: the unknown address gets confirmations, the known one none.
		{"POST /email", typed}, {"POST /email (again)", typed}, {"POST /email (a third time)", typed},
		// Five sign-in codes spend the address's budget; the sixth is refused, with the same wait.
		{"POST /signin/email (1)", asked}, {"POST /signin/email (2)", asked}, {"POST /signin/email (3)", asked},
		{"POST /signin/email (4)", asked}, {"POST /signin/email (5)", asked},
		{"POST /signin/email (over the address's budget)", asked},
		{"POST /email (over the budget)", typed},
		{"POST /signin/email (still over)", asked},
	}
	for i, st := range steps {
		var a, b reply
		if i%2 == 0 { // neither address goes first every time
			a, b = st.call(known), st.call(unknown)
		} else {
			b, a = st.call(unknown), st.call(known)
		}
		if ma, mb := masked(a, known), masked(b, unknown); ma != mb {
			t.Errorf("%s: known address answers\n  %s\nunknown address\n  %s\nwant the same", st.name, ma, mb)
		}
	}
	if r := s.askCode(unknown, ""); r.status != 429 || r.errCode() != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Errorf("POST /signin/email after the budget = %d %s, want 429 rate_limited with Retry-After", r.status, r.raw)
	}
	// Both spent the same sign-in codes; only the unknown address was sent confirmations (at
	// most 2 an hour, a budget no call reads back).
	sends := func(addr, purpose string) int {
		return s.count(`SELECT count(*) FROM challenges WHERE target_value = ? AND purpose = ? AND created_at > ?`,
			addr, purpose, s.clk.Now().Add(-time.Hour).UnixMilli())
	}
	if k, u := sends(known, "signin_code"), sends(unknown, "signin_code"); k != 5 || u != 5 {
		t.Errorf("sign-in codes in the last hour: known %d, unknown %d; want 5 each", k, u)
	}
	optIns := func(addr string) int {
		return s.count(`SELECT count(*) FROM outbox WHERE kind = 'double_opt_in' AND lower(to_addr) LIKE ?`, "%"+addr+"%")
	}
	if k, u := optIns(known), optIns(unknown); k != 0 || u != 2 {
		t.Errorf("confirmation emails: known %d, unknown %d; want 0 and 2", k, u)
	}
	if k := sends(known, "double_opt_in"); k != 0 {
		t.Errorf("confirmation challenges left for the known address = %d, want 0 (its padding is undone)", k)
	}
}
