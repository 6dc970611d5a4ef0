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
// an unknown address gets a confirmation email each time it is typed in a chat, and a known one
// must spend the same budget, or the sign-in's "This address got several emails" tells them
// apart. (Timing is measured by backend/widget/enumtiming, not asserted here.)

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
	steps := []struct {
		name string
		call func(addr string) reply
	}{
		{"POST /sessions with the email", func(addr string) reply {
			return s.session(map[string]any{"inbox": plain, "name": "Someone", "email": addr, "consent": true})
		}},
		{"POST /email", func(addr string) reply {
			sess := s.mustSession(map[string]any{"inbox": plain, "name": "Someone"}).str("session")
			return s.do("POST", "/api/widget/v1/email", sess, map[string]any{"email": addr, "consent": true})
		}},
		{"POST /email (again)", func(addr string) reply {
			sess := s.mustSession(map[string]any{"inbox": plain, "name": "Someone"}).str("session")
			return s.do("POST", "/api/widget/v1/email", sess, map[string]any{"email": addr, "consent": true})
		}},
		{"POST /email (a third time)", func(addr string) reply {
			sess := s.mustSession(map[string]any{"inbox": plain, "name": "Someone"}).str("session")
			return s.do("POST", "/api/widget/v1/email", sess, map[string]any{"email": addr, "consent": true})
		}},
		// Four of the address's five sends are spent (a confirmation each for an unknown address).
		{"POST /signin/email (the fifth send)", func(addr string) reply { return s.askCode(addr, "") }},
		// The budget is spent: both are refused, with the same wait.
		{"POST /signin/email (over the address's budget)", func(addr string) reply { return s.askCode(addr, "") }},
		{"POST /email (over the budget)", func(addr string) reply {
			sess := s.mustSession(map[string]any{"inbox": plain, "name": "Someone"}).str("session")
			return s.do("POST", "/api/widget/v1/email", sess, map[string]any{"email": addr, "consent": true})
		}},
		{"POST /signin/email (still over)", func(addr string) reply { return s.askCode(addr, "") }},
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
	// The work behind the answers: both addresses spent the same challenges (the budget's
	// records), although only the unknown one was sent confirmation emails.
	challenges := func(addr string) int {
		return s.count(`SELECT count(*) FROM challenges WHERE target_value = ? AND created_at > ?`, addr, s.clk.Now().Add(-time.Hour).UnixMilli())
	}
	if k, u := challenges(known), challenges(unknown); k != u || k != 5 {
		t.Errorf("challenges in the last hour: known %d, unknown %d; want 5 each", k, u)
	}
	optIns := func(addr string) int {
		return s.count(`SELECT count(*) FROM outbox WHERE kind = 'double_opt_in' AND lower(to_addr) LIKE ?`, "%"+addr+"%")
	}
	if k, u := optIns(known), optIns(unknown); k != 0 || u != 4 {
		t.Errorf("confirmation emails: known %d, unknown %d; want 0 and 4", k, u)
	}
}
