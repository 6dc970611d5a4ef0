package bounce

import (
	"strings"
	"testing"
)

// crlf turns a sample written with \n into a wire message.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// The samples below were written for these tests in the shape each kind of server uses; the
// addresses and ids are made up.

const rfc3464Unknown = `Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: desk@shop.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="B1"

--B1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<ghost@customer.example>: host mx.customer.example said: 550 5.1.1
    <ghost@customer.example>: Recipient address rejected: User unknown

--B1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Thu,  3 Dec 2026 10:00:00 +0000

Final-Recipient: rfc822; ghost@customer.example
Original-Recipient: rfc822;ghost@customer.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.customer.example
Diagnostic-Code: smtp; 550 5.1.1 <ghost@customer.example>: Recipient address
    rejected: User unknown

--B1
Content-Description: Undelivered Message
Content-Type: message/rfc822

Return-Path: <desk@shop.example>
From: Shop <desk@shop.example>
To: ghost@customer.example
Subject: Your verification code
Message-ID: <0190aaaa-bbbb@shop.example>

Your code is hidden.

--B1--
`

const rfc3464Full = `From: Mail Delivery Subsystem <mailer-daemon@big.example>
To: desk@shop.example
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; boundary="outer"; report-type="delivery-status"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=UTF-8

Your message wasn't delivered because the recipient's inbox is full.

--alt
Content-Type: text/html; charset=UTF-8

<p>Your message wasn't delivered because the recipient's inbox is full.</p>

--alt--

--outer
Content-Type: message/delivery-status

Reporting-MTA: dns; big.example

Final-Recipient: rfc822; hoarder@big.example
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 The recipient's inbox is out of storage space.

--outer
Content-Type: text/rfc822-headers

From: desk@shop.example
To: hoarder@big.example
Message-ID:
 <full-1@shop.example>
Subject: Your chat transcript

--outer--
`

const rfc3464Spam = `From: postmaster@strict.example
To: desk@shop.example
Subject: Undeliverable: Your sign-in link
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="x"

--x
Content-Type: text/plain

Delivery has failed to these recipients or groups.

--x
Content-Type: message/delivery-status
Content-Transfer-Encoding: base64

` + "UmVwb3J0aW5nLU1UQTogZG5zO3N0cmljdC5leGFtcGxlCgpGaW5hbC1SZWNpcGllbnQ6IHJmYzgy\nMjtib3NzQHN0cmljdC5leGFtcGxlCkFjdGlvbjogZmFpbGVkClN0YXR1czogNS43LjEKRGlhZ25v\nc3RpYy1Db2RlOiBzbXRwOyA1NTAgNS43LjEgTWVzc2FnZSByZWplY3RlZCBhcyBzcGFtCg==" + `

--x
Content-Type: message/rfc822

Message-ID: <spam-1@shop.example>
Subject: Your sign-in link

hidden

--x--
`

const rfc3464Delayed = `From: MAILER-DAEMON@mx.example.net
To: desk@shop.example
Subject: Delayed Mail (still being retried)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="d"

--d
Content-Type: text/plain

This is the mail system at host mx.example.net.
Your message could not be delivered for 4 hours. It will be retried until it is 5 days old.

--d
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; slow@far.example
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.far.example[192.0.2.9]:25: Connection timed out

--d
Content-Type: text/rfc822-headers

Message-ID: <slow-1@shop.example>

--d--
`

const rfc3464Success = `From: MAILER-DAEMON@mx.example.net
To: desk@shop.example
Subject: Successful Mail Delivery Report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="s"

--s
Content-Type: text/plain

Your message was successfully delivered.

--s
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; happy@customer.example
Action: delivered
Status: 2.0.0

--s--
`

const gmailStyleText = `From: Mail Delivery Subsystem <mailer-daemon@mail.example>
To: desk@shop.example
Subject: Delivery Status Notification (Failure)
Content-Type: text/plain; charset=UTF-8

Delivery to the following recipient failed permanently:

     nobody.here@mail.example

Technical details of permanent failure:
The email account that you tried to reach does not exist. 550 5.1.1 please check the address.

----- Original message -----

From: desk@shop.example
To: nobody.here@mail.example
Message-ID: <gm-1@shop.example>
Subject: Your verification code
`

const exchangeStyleText = `From: postmaster@corp.example
To: desk@shop.example
Subject: Undeliverable: Your chat transcript
Content-Type: multipart/mixed; boundary="ex"

--ex
Content-Type: text/plain; charset=us-ascii

Delivery has failed to these recipients or groups:

Jane Roe (jane.roe@corp.example)
The email address you entered couldn't be found.

Diagnostic information for administrators:
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found'

--ex
Content-Type: message/rfc822

Message-ID: <ex-1@shop.example>
From: desk@shop.example
To: jane.roe@corp.example
Subject: Your chat transcript

hello

--ex--
`

const qmailStyleText = `From: MAILER-DAEMON@old.example
To: desk@shop.example
Subject: failure notice

Hi. This is the qmail-send program at old.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<vanished@old.example>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <desk@shop.example>
Message-ID: <qm-1@shop.example>
From: desk@shop.example
To: vanished@old.example
Subject: Your sign-in code
`

const eximStyleText = `From: Mail Delivery System <Mailer-Daemon@relay.example>
To: desk@shop.example
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: quota.user@relay.example

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a temporary error. The following address(es) failed:

  quota.user@relay.example
    SMTP error from remote mail server after RCPT TO:<quota.user@relay.example>:
    452 mailbox over quota

------ This is a copy of the message, including all the headers. ------

Message-ID: <ex-q-1@shop.example>
Subject: Your verification code
`

// customerWithWords is a customer who pastes a bounce's wording into a normal email: not a bounce.
const customerWithWords = `From: Pat <pat@customer.example>
To: desk@shop.example
Subject: Undeliverable: my order?
Content-Type: text/plain

Delivery has failed to these recipients or groups: 550 5.1.1 unknown
Message-ID: <0190aaaa-bbbb@shop.example>
`

// outOfOffice is an automatic reply with an empty Return-Path: from a robot, but not a bounce.
const outOfOffice = `Return-Path: <>
From: Pat <pat@customer.example>
To: desk@shop.example
Subject: Out of office
Auto-Submitted: auto-replied

I am away until Monday.
`

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want *Report // nil: not a bounce
	}{
		{"rfc3464 unknown mailbox", rfc3464Unknown, &Report{Recipient: "ghost@customer.example", Action: "failed",
			Status: "5.1.1", Kind: Hard, Reason: "mailbox unknown", OriginalMessageID: "0190aaaa-bbbb@shop.example",
			Diagnostic: "550 5.1.1 <ghost@customer.example>: Recipient address rejected: User unknown"}},
		{"rfc3464 mailbox full, nested human part, folded Message-ID", rfc3464Full, &Report{Recipient: "hoarder@big.example",
			Action: "failed", Status: "5.2.2", Kind: Soft, Reason: "mailbox full", OriginalMessageID: "full-1@shop.example",
			Diagnostic: "552 5.2.2 The recipient's inbox is out of storage space."}},
		{"rfc3464 spam, base64 status part", rfc3464Spam, &Report{Recipient: "boss@strict.example", Action: "failed",
			Status: "5.7.1", Kind: Hard, Reason: "rejected as spam or by policy", OriginalMessageID: "spam-1@shop.example",
			Diagnostic: "550 5.7.1 Message rejected as spam"}},
		{"rfc3464 delayed", rfc3464Delayed, &Report{Recipient: "slow@far.example", Action: "delayed", Status: "4.4.1",
			Kind: Delayed, Reason: "delayed: network or routing problem", OriginalMessageID: "slow-1@shop.example",
			Diagnostic: "connect to mx.far.example[192.0.2.9]:25: Connection timed out"}},
		{"rfc3464 success report", rfc3464Success, &Report{Recipient: "happy@customer.example", Action: "delivered",
			Status: "2.0.0", Kind: None}},
		{"gmail-style text", gmailStyleText, &Report{Recipient: "nobody.here@mail.example", Action: "failed",
			Status: "5.1.1", Kind: Hard, Reason: "mailbox unknown", OriginalMessageID: "gm-1@shop.example",
			Diagnostic: "The email account that you tried to reach does not exist. 550 5.1.1 please check the address."}},
		{"exchange-style text", exchangeStyleText, &Report{Recipient: "jane.roe@corp.example", Action: "failed",
			Status: "5.1.10", Kind: Hard, Reason: "mailbox unknown", OriginalMessageID: "ex-1@shop.example",
			Diagnostic: "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found'"}},
		{"qmail-style text", qmailStyleText, &Report{Recipient: "vanished@old.example", Action: "failed",
			Status: "5.1.1", Kind: Hard, Reason: "mailbox unknown", OriginalMessageID: "qm-1@shop.example",
			Diagnostic: "Sorry, no mailbox here by that name. (#5.1.1)"}},
		{"exim-style text, 4xx without enhanced code", eximStyleText, &Report{Recipient: "quota.user@relay.example",
			Action: "failed", Kind: Soft, Reason: "mailbox full", OriginalMessageID: "ex-q-1@shop.example",
			Diagnostic: "452 mailbox over quota"}},
		{"customer quoting bounce words", customerWithWords, nil},
		{"out of office reply", outOfOffice, nil},
		{"not a message at all", "\x00\x01garbage", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Parse(crlf(tc.raw))
			switch {
			case tc.want == nil && got != nil:
				t.Fatalf("Parse(%s) = %v, want not a bounce", tc.name, got)
			case tc.want != nil && got == nil:
				t.Fatalf("Parse(%s) = not a bounce, want %v", tc.name, tc.want)
			case tc.want != nil && *got != *tc.want:
				t.Fatalf("Parse(%s) =\n  %v\nwant\n  %v", tc.name, got, tc.want)
			}
		})
	}
}

// TestSummary checks the words the delivery log shows for the common codes, and that the remote
// server's words decide only where the code says little.
func TestSummary(t *testing.T) {
	tests := []struct {
		status, action, diag string
		kind                 Kind
		summary              string
	}{
		{"5.1.1", "failed", "", Hard, "mailbox unknown (5.1.1)"},
		{"5.2.2", "failed", "", Soft, "mailbox full (5.2.2)"},
		{"4.2.2", "failed", "", Soft, "mailbox full (4.2.2)"},
		{"5.7.1", "failed", "550 blocked by policy", Hard, "rejected as spam or by policy (5.7.1)"},
		{"5.7.1", "failed", "550 relaying denied for this user", Hard, "refused by the recipient's server (5.7.1)"},
		{"4.4.7", "delayed", "", Delayed, "delayed: delivery timed out (4.4.7)"},
		{"5.0.0", "failed", "550 no such user here", Hard, "mailbox unknown (5.0.0)"},
		{"5.1.10", "failed", "556 5.1.10 domain has a null MX", Hard, "the domain accepts no mail (5.1.10)"},
		{"5.3.0", "failed", "", Hard, "the recipient's mail system has a problem (5.3.0)"},
		{"", "failed", "550 no such user here", Hard, "mailbox unknown"},
	}
	for _, tc := range tests {
		r := Report{Status: tc.status, Action: tc.action, Diagnostic: tc.diag}
		r.classify()
		if r.Kind != tc.kind || r.Summary() != tc.summary {
			t.Errorf("classify(%s %s %q) = %s %q, want %s %q", tc.status, tc.action, tc.diag, r.Kind, r.Summary(), tc.kind, tc.summary)
		}
	}
}
