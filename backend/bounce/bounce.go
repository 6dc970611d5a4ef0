// Package bounce reads delivery status notifications: the reports a mail server sends back to the
// sender when a message could not be delivered (or is delayed). It understands RFC 3464
// multipart/report messages (what Postfix, Exim with DSN, Exchange and most large providers send)
// and, as a fallback, the plain-text bounces still common in the wild (qmail, Exim's text form,
// Gmail's and Exchange's human wording).
//
// Parse only reads; it knows nothing of the outbox. Recording a bounce against the email it
// reports on is outbox.RecordBounce. A message Parse calls a report is never anything else: it
// is not a customer's mail and it never verifies a sender, even when it quotes the original
// message with its link.
package bounce

import (
	"fmt"
	"strings"
)

// Kind tells what a report means for the address it names.
type Kind string

const (
	// Hard: the address cannot receive mail (unknown mailbox, no such domain, refused for good).
	// Sending there again will fail the same way.
	Hard Kind = "hard"
	// Soft: delivery was given up for a reason that may pass (mailbox full, server trouble, a
	// message too large). The address itself is fine.
	Soft Kind = "soft"
	// Delayed: a warning only. The sending server is still trying; the email is not lost yet.
	Delayed Kind = "delayed"
	// None: a notification that reports no failure (delivered, relayed, expanded). It is still a
	// delivery report, never customer mail, but nothing is recorded.
	None Kind = ""
)

// Report is what one delivery status notification says about the first recipient it reports a
// failure (or delay) for.
type Report struct {
	// Recipient is the address that failed, as the report gives it ("" when it names none).
	Recipient string
	// Action is the RFC 3464 action: failed, delayed, delivered, relayed or expanded.
	Action string
	// Status is the enhanced status code, e.g. "5.1.1" ("" when the report has none).
	Status string
	// Diagnostic is the remote server's own words (Diagnostic-Code), at most maxDiagnostic bytes.
	Diagnostic string
	// OriginalMessageID is the Message-ID of the email that bounced, without angle brackets
	// ("" when the report does not quote it).
	OriginalMessageID string
	Kind              Kind
	// Reason is the failure in words, e.g. "mailbox unknown", for the delivery log.
	Reason string
}

// maxDiagnostic bounds the remote server's words kept in a report.
const maxDiagnostic = 300

// Summary is the report in one line for a person, e.g. "mailbox unknown (5.1.1)".
func (r Report) Summary() string {
	s := r.Reason
	if r.Status != "" {
		s += " (" + r.Status + ")"
	}
	return s
}

// classify fills Kind and Reason from Action and Status (and the diagnostic's words when the
// status says little).
func (r *Report) classify() {
	action := strings.ToLower(r.Action)
	class, subject, detail := splitStatus(r.Status)
	switch {
	case action == "delayed":
		r.Kind = Delayed
	case action != "" && action != "failed":
		r.Kind = None
	case class == "2":
		r.Kind, r.Action = None, "delivered"
	case class == "4":
		r.Kind = Soft
	default:
		r.Kind = Hard // failed, or a text bounce without an enhanced code
	}
	if r.Kind == None {
		r.Reason = ""
		return
	}
	r.Reason = reasonFor(subject, detail, r.Diagnostic)
	// A full mailbox is permanent by its code (5.2.2) but passes when the owner tidies up: it
	// counts as soft, so the address is not treated as dead.
	if r.Kind == Hard && subject == "2" && detail == "2" {
		r.Kind = Soft
	}
	if r.Kind == Delayed {
		r.Reason = "delayed: " + r.Reason
	}
}

// splitStatus splits "5.1.1" into its class, subject and detail ("" for each part missing).
func splitStatus(s string) (class, subject, detail string) {
	parts := strings.SplitN(s, ".", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// reasonFor says the status code in words (RFC 3463 subjects and the details people meet).
func reasonFor(subject, detail, diagnostic string) string {
	switch subject + "." + detail {
	case "1.1":
		return "mailbox unknown"
	case "1.2":
		return "the domain does not exist"
	case "1.3":
		return "bad address syntax"
	case "1.6":
		return "mailbox has moved"
	case "1.10":
		// RFC 7505 gave 5.1.10 to a null MX, but Exchange uses it for "recipient not found".
		if strings.Contains(strings.ToLower(diagnostic), "null mx") {
			return "the domain accepts no mail"
		}
		return "mailbox unknown"
	case "2.1":
		return "mailbox disabled"
	case "2.2":
		return "mailbox full"
	case "2.3", "3.4":
		return "message too large"
	case "4.4":
		return "no route to the recipient's server"
	case "4.7":
		return "delivery timed out"
	case "7.1":
		if d := strings.ToLower(diagnostic); strings.Contains(d, "spam") || strings.Contains(d, "blocked") ||
			strings.Contains(d, "policy") || strings.Contains(d, "reject") || d == "" {
			return "rejected as spam or by policy"
		}
		return "refused by the recipient's server"
	}
	switch subject {
	case "1":
		return "bad address"
	case "2":
		return "mailbox unavailable"
	case "3":
		return "the recipient's mail system has a problem"
	case "4":
		return "network or routing problem"
	case "5":
		return "mail protocol problem"
	case "6":
		return "message content refused"
	case "7":
		return "rejected as spam or by policy"
	}
	// No usable code: the remote server's words say more than a guess would.
	d := strings.ToLower(diagnostic)
	switch {
	case containsAny(d, "user unknown", "no such user", "unknown user", "does not exist", "no mailbox",
		"not found", "unknown recipient", "recipient rejected", "invalid recipient", "address rejected"):
		return "mailbox unknown"
	case containsAny(d, "quota", "mailbox full", "mailbox is full", "over quota", "insufficient storage"):
		return "mailbox full"
	case containsAny(d, "spam", "blocked", "blacklist", "blocklist"):
		return "rejected as spam or by policy"
	}
	return "not delivered"
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// String is for logs and test failures.
func (r Report) String() string {
	return fmt.Sprintf("%s %s to %q: %s (diag %q, original %q)", r.Kind, r.Action, r.Recipient, r.Summary(),
		r.Diagnostic, r.OriginalMessageID)
}
