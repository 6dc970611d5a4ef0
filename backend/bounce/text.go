package bounce

import (
	"mime"
	"net/mail"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
)

// daemonLocalParts are the senders of bounces: a text bounce must come from one of them (or carry
// an empty Return-Path, or Exim's X-Failed-Recipients), so a customer who writes "delivery failed"
// is never taken for a mail server.
var daemonLocalParts = []string{"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "postmaster"}

// bounceSubjects and bouncePhrases are the wordings of the common non-standard bounces.
var bounceSubjects = []string{
	"undelivered mail", "undeliverable", "delivery status notification", "delivery failure",
	"failure notice", "mail delivery failed", "returned mail", "delivery has failed",
	"could not be delivered", "delivery notification", "mail delivery system", "delayed mail",
	"warning: could not send message",
}

var bouncePhrases = []string{
	"could not be delivered", "delivery to the following recipient", "delivery has failed",
	"couldn't be delivered", "permanent error", "was not delivered", "unable to deliver",
	"i'm afraid i wasn't able to deliver", "no mailbox here by that name", "delivery failed",
	"has not yet been delivered", "the following address(es) failed", "undeliverable",
}

var delayPhrases = []string{
	"has not yet been delivered", "will keep trying", "will retry", "still trying",
	"delivery delayed", "delay notification", "will continue trying", "not been able to deliver yet",
}

var (
	addressRE   = regexp.MustCompile(`[A-Za-z0-9._%+\-=]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	basicCodeRE = regexp.MustCompile(`(?:^|[\s:(#])([45])[0-9][0-9](?:[\s\-]|$)`)
	// quoteStart is where a text bounce starts quoting the original: its header lines or the
	// usual separator sentence. Addresses and codes after it belong to the original, not the report.
	quoteStart = regexp.MustCompile(`(?im)^(?:received|return-path|from|to|subject|date|message-id|mime-version):\s|copy of the (?:original )?message|original message`)
)

// parseText recognises a bounce that is not an RFC 3464 report, by who sent it and its wording.
func parseText(e *message.Entity) *Report {
	h := e.Header
	failed := strings.TrimSpace(h.Get("X-Failed-Recipients"))
	if !fromDaemon(h) && failed == "" {
		return nil
	}
	var p parts
	walk(e, &p, 0)
	human := p.human.String()
	subject := strings.ToLower(decodedSubject(h))
	lower := strings.ToLower(human)
	if !containsAny(subject, bounceSubjects...) && !containsAny(lower, bouncePhrases...) {
		return nil
	}
	report := human
	if loc := quoteStart.FindStringIndex(human); loc != nil {
		report = human[:loc[0]]
	}
	r := &Report{Action: "failed", OriginalMessageID: originalID(p.original)}
	if r.OriginalMessageID == "" {
		r.OriginalMessageID = originalID(human)
	}
	if failed != "" {
		r.Recipient = strings.TrimSpace(strings.Split(failed, ",")[0])
	} else {
		r.Recipient = firstForeignAddress(report, h)
	}
	r.Status = statusCode(report)
	r.Diagnostic = diagnostic(diagnosticLine(report, r.Status))
	if containsAny(strings.ToLower(report), delayPhrases...) || strings.Contains(subject, "delayed") {
		r.Action = "delayed"
	}
	basic := basicCodeRE.FindStringSubmatch(report)
	r.classify()
	if r.Status == "" && basic != nil && basic[1] == "4" && r.Kind == Hard {
		r.Kind = Soft // a 4xx reply with no enhanced code: temporary
	}
	return r
}

func fromDaemon(h message.Header) bool {
	if strings.TrimSpace(h.Get("Return-Path")) == "<>" {
		return true
	}
	from := h.Get("From")
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.Address
	}
	local, _, _ := strings.Cut(strings.ToLower(strings.Trim(strings.TrimSpace(from), "<>")), "@")
	for _, d := range daemonLocalParts {
		if local == d {
			return true
		}
	}
	return false
}

func decodedSubject(h message.Header) string {
	s := h.Get("Subject")
	if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// firstForeignAddress is the first address in the report that is not the bounce's own sender or
// recipient, nor a postmaster: the address that failed.
func firstForeignAddress(report string, h message.Header) string {
	skip := map[string]bool{}
	for _, name := range []string{"From", "To"} {
		if list, err := mail.ParseAddressList(h.Get(name)); err == nil {
			for _, a := range list {
				skip[strings.ToLower(a.Address)] = true
			}
		}
	}
	for _, a := range addressRE.FindAllString(report, -1) {
		a = strings.TrimRight(a, ".-")
		local, _, _ := strings.Cut(strings.ToLower(a), "@")
		if skip[strings.ToLower(a)] || containsAny(local, daemonLocalParts...) {
			continue
		}
		return a
	}
	return ""
}

// diagnosticLine is the line of the report that carries the status code (or else the remote
// server's reply code): the server's own words.
func diagnosticLine(report, status string) string {
	for _, line := range strings.Split(report, "\n") {
		if status != "" && strings.Contains(line, status) {
			return line
		}
		if status == "" && basicCodeRE.MatchString(line) {
			return line
		}
	}
	return ""
}
