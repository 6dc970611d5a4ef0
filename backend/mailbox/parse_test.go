package mailbox

import (
	"strings"
	"testing"
	"time"
)

func TestParseMessage(t *testing.T) {
	arrived := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	const head = "From: \"Vouch Desk\" <noreply@vouchdesk.example>\r\nTo: a@example.com, B <b@example.com>\r\n" +
		"Subject: Verify your sender address\r\nMessage-ID: <abc.123@vouchdesk.example>\r\n" +
		"Date: Tue, 03 Mar 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
	long := strings.Repeat("é", maxText) // 2 bytes each: twice the limit
	tests := []struct {
		name string
		raw  string
		want Message
	}{
		{"plain text", head + "Content-Type: text/plain; charset=utf-8\r\n\r\nOpen https://x.example/v/TOKEN\r\n",
			Message{From: "noreply@vouchdesk.example", To: "a@example.com, b@example.com", Subject: "Verify your sender address",
				MessageID: "abc.123@vouchdesk.example", Date: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC),
				Text: "Open https://x.example/v/TOKEN\n"}},
		{"no Content-Type is text/plain", "From: a@b.example\r\nSubject: hi\r\n\r\nbody",
			Message{From: "a@b.example", Subject: "hi", Date: arrived, Text: "body"}},
		{"multipart/alternative prefers the plain part",
			head + "Content-Type: multipart/alternative; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n" +
				"--XX\r\nContent-Type: text/plain\r\n\r\nplain\r\n--XX--\r\n",
			Message{Text: "plain"}},
		{"HTML only: text with link targets, no script",
			head + "Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><title>T</title><style>p{}</style></head><body>" +
				"<p>Hello&nbsp;<b>there</b></p><script>alert(1)</script><p>Click <a href=\"https://x.example/v/TOKEN\">here</a> or " +
				"<a href=\"https://x.example/same\">https://x.example/same</a>.</p></body></html>",
			Message{Text: "Hello there\nClick here (https://x.example/v/TOKEN) or https://x.example/same."}},
		{"quoted-printable, ISO-8859-1, encoded subject",
			"From: x@y.example\r\nSubject: =?ISO-8859-1?Q?Best=E4tigung?=\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n" +
				"Content-Transfer-Encoding: quoted-printable\r\n\r\nBest=E4tigen Sie=\r\n bitte\r\n",
			Message{From: "x@y.example", Subject: "Bestätigung", Date: arrived, Text: "Bestätigen Sie bitte\n"}},
		{"base64 inside mixed, attachment skipped",
			"From: x@y.example\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n" +
				"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--B\r\nContent-Type: text/plain\r\n" +
				"Content-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n--B--\r\n",
			Message{From: "x@y.example", Date: arrived, Text: "hello world"}},
		{"body cut at 64 KiB on a character boundary", "From: x@y.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + long,
			Message{From: "x@y.example", Date: arrived, Text: long[:maxText]}},
		{"message cut short inside a multipart (partial fetch)",
			"From: x@y.example\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nstart of the te",
			Message{From: "x@y.example", Date: arrived, Text: "start of the te"}},
		{"bad headers still give the rest", "From: not an address\r\nDate: yesterday\r\nSubject: s\r\n\r\nb",
			Message{From: "not an address", Subject: "s", Date: arrived, Text: "b"}},
		{"garbage", "\x00\x01\x02", Message{Date: arrived}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseMessage(7, []byte(tc.raw), arrived)
			want := tc.want
			want.UID = 7
			if strings.HasPrefix(tc.raw, head) { // the shared headers
				want.From, want.To, want.Subject = "noreply@vouchdesk.example", "a@example.com, b@example.com", "Verify your sender address"
				want.MessageID, want.Date = "abc.123@vouchdesk.example", time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
			}
			if !got.Date.Equal(want.Date) {
				t.Errorf("parseMessage().Date = %v, want %v", got.Date, want.Date)
			}
			got.Date, want.Date = time.Time{}, time.Time{}
			if got != want {
				t.Errorf("parseMessage() = %+v,\nwant %+v", got, want)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>a</p><p>b</p>", "a\nb"},
		{"a<br>b<br/>c", "a\nb\nc"},
		{"<table><tr><td>x</td><td>y</td></tr></table>", "x y"},
		{"<a href='#top'>top</a> <a href='javascript:x()'>js</a>", "top js"},
		{"  lots   of \n\n space  ", "lots of space"},
		{"&lt;b&gt; &amp; &#233;", "<b> & é"},
		{"<html><head><meta charset=utf-8><title>T</title><body>no closing head", "no closing head"},
		{"<style>p { color: red }</style>text<script>if (a < b) {}</script>", "text"},
	}
	for _, tc := range tests {
		if got := htmlToText(tc.in); got != tc.want {
			t.Errorf("htmlToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A delivery report reaches the handler marked as one (package bounce reads it), so the handler
// can keep it away from everything meant for people's mail; ordinary mail carries no report.
func TestParseMessageMarksBounces(t *testing.T) {
	dsn := "From: MAILER-DAEMON@mx.example\r\nTo: desk@shop.example\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=R\r\n\r\n" +
		"--R\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n" +
		"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n" +
		"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
		"--R\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <orig-1@shop.example>\r\n\r\n--R--\r\n"
	m := parseMessage(1, []byte(dsn), time.Now())
	if m.Bounce == nil || m.Bounce.Recipient != "gone@example.com" || m.Bounce.OriginalMessageID != "orig-1@shop.example" ||
		m.Bounce.Summary() != "mailbox unknown (5.1.1)" {
		t.Errorf("parseMessage(DSN).Bounce = %v, want gone@example.com, orig-1@shop.example, mailbox unknown (5.1.1)", m.Bounce)
	}
	plain := "From: pat@example.com\r\nSubject: Undeliverable order?\r\n\r\nMy parcel could not be delivered.\r\n"
	if m := parseMessage(2, []byte(plain), time.Now()); m.Bounce != nil {
		t.Errorf("parseMessage(customer mail).Bounce = %v, want nil", m.Bounce)
	}
}
