package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// International addresses through the real Postfix (smtputf8_enable = yes) into Dovecot: an
// address with non-ASCII letters before the @ goes out with SMTPUTF8 and arrives with the address
// intact, and an address's case is kept in the To header (the outbox mails it as given).
func TestInternationalAddressesDelivered(t *testing.T) {
	e := env(t)
	domain := e.user[strings.LastIndexByte(e.user, '@')+1:]
	// The one customer with a non-ASCII local part the test Postfix delivers (scripts/mailservers.sh).
	utf8User := os.Getenv("VOUCHDESK_IT_UTF8_USER")
	if utf8User == "" {
		t.Fatal("VOUCHDESK_IT_UTF8_USER is not set: start the servers with scripts/mailservers.sh")
	}
	st, orgID := newOrg(t)
	for i, to := range []string{utf8User, "Ada.Case@" + domain} {
		t.Run(to, func(t *testing.T) {
			box := openMailboxAs(t, e, to)
			m := enqueue(t, st, testEmail(orgID, to, "intl-"+strconv.Itoa(i)))[0]
			w := outbox.NewWorker(st, transport(e.smtpConfig()), nil, nil)
			if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
				got, _ := st.OutboxByID(ctx, m.ID)
				t.Fatalf("DeliverDue() = %d, %v; want 1, nil (row %s %q)", n, err, got.Status, got.LastError)
			}
			if got, _ := st.OutboxByID(ctx, m.ID); got.Status != store.OutboxSent || got.ToAddr != to {
				t.Errorf("row = %s to %q, want sent to %q", got.Status, got.ToAddr, to)
			}
			exactlyOnce(t, []string{msgID(m)}, box.waitFor([]string{msgID(m)}, 15*time.Second), tolerance{})
			env, uid := box.find(msgID(m))
			if env == nil {
				t.Fatalf("Message-ID %s not in %s's mailbox", m.MessageID, to)
			}
			hdr := box.header(uid)
			if !strings.Contains(hdr, "\r\nTo: "+to+"\r\n") {
				t.Errorf("the To header is not %q:\n%s", to, hdr)
			}
			for _, line := range strings.Split(hdr, "\r\n") {
				if (strings.HasPrefix(line, "To:") || strings.HasPrefix(line, "From:")) && strings.Contains(line, "=?") {
					t.Errorf("an encoded-word in an address header: %q", line)
				}
			}
			if len(env.To) != 1 || env.To[0].Addr() != to {
				t.Errorf("IMAP envelope To = %+v, want %s", env.To, to)
			}
		})
	}
}
