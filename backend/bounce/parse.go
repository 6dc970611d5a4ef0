package bounce

import (
	"bytes"
	"io"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // human parts in ISO-8859-*, Windows-125x, ...
)

// maxPart is how much of one MIME part is read: a report's own parts are small, and the quoted
// original is only needed for its header.
const maxPart = 64 << 10

// Parse reads a raw message and returns the report it is, or nil when it is not a delivery status
// notification. It is lenient: a message cut short or with a bad part still gives what could be
// read, because a bounce that is missed leaves an email looking delivered.
func Parse(raw []byte) *Report {
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil || (err != nil && !message.IsUnknownCharset(err)) {
		return nil
	}
	ct, params, _ := e.Header.ContentType()
	if ct == "multipart/report" {
		rt := strings.ToLower(params["report-type"])
		if rt == "delivery-status" || rt == "global-delivery-status" {
			if r := parseReport(e); r != nil {
				return r
			}
		}
	}
	return parseText(e)
}

// parts is what a report's MIME parts hold.
type parts struct {
	human    strings.Builder // the text/plain parts, for the text fallback
	status   string          // the message/delivery-status part
	original string          // the header of the quoted original message
}

// walk collects the parts of e, descending into nested multiparts (a human part is often
// multipart/alternative).
func walk(e *message.Entity, p *parts, depth int) {
	mr := e.MultipartReader()
	if mr == nil {
		ct, _, _ := e.Header.ContentType()
		body := readPart(e.Body)
		switch ct {
		case "message/delivery-status", "message/global-delivery-status":
			if p.status == "" {
				p.status = body
			}
		case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
			if p.original == "" {
				p.original = body
			}
		case "text/plain", "":
			p.human.WriteString(body)
			p.human.WriteString("\n")
		}
		return
	}
	if depth > 3 {
		return
	}
	for {
		part, err := mr.NextPart()
		if part == nil || (err != nil && !message.IsUnknownCharset(err)) {
			return // io.EOF, or a part cut off
		}
		walk(part, p, depth+1)
	}
}

func readPart(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxPart))
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// parseReport reads an RFC 3464 report: the per-recipient fields of the first recipient that
// failed (or else was delayed), and the original's Message-ID.
func parseReport(e *message.Entity) *Report {
	var p parts
	walk(e, &p, 0)
	if p.status == "" {
		return nil
	}
	groups := fieldGroups(p.status)
	var best map[string]string
	for _, g := range groups[min(1, len(groups)):] { // the first group is per-message
		action := strings.ToLower(firstWord(g["action"]))
		if action == "failed" {
			best = g
			break
		}
		if best == nil || (action == "delayed" && strings.ToLower(firstWord(best["action"])) != "delayed") {
			best = g
		}
	}
	if best == nil {
		return &Report{Action: "delivered", Kind: None, OriginalMessageID: originalID(p.original)}
	}
	r := &Report{
		Recipient:         typedAddress(best["final-recipient"]),
		Action:            strings.ToLower(firstWord(best["action"])),
		Status:            statusCode(best["status"]),
		Diagnostic:        diagnostic(best["diagnostic-code"]),
		OriginalMessageID: originalID(p.original),
	}
	if r.Recipient == "" {
		r.Recipient = typedAddress(best["original-recipient"])
	}
	if r.Status == "" {
		r.Status = statusCode(r.Diagnostic)
	}
	r.classify()
	return r
}

// fieldGroups splits a delivery-status body into its blank-line separated groups of fields, with
// folded lines unfolded and names lowercased; the first value of a name wins.
func fieldGroups(s string) []map[string]string {
	var out []map[string]string
	cur := map[string]string{}
	last := ""
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, last = map[string]string{}, ""
	}
	for _, line := range strings.Split(s, "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case (line[0] == ' ' || line[0] == '\t') && last != "":
			cur[last] += " " + strings.TrimSpace(line)
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			name = strings.ToLower(strings.TrimSpace(name))
			if _, seen := cur[name]; seen {
				last = ""
				continue
			}
			cur[name], last = strings.TrimSpace(value), name
		}
	}
	flush()
	return out
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// typedAddress reads "rfc822; user@example.com" (or "utf-8; ...") into the address.
func typedAddress(s string) string {
	if _, addr, ok := strings.Cut(s, ";"); ok {
		s = addr
	}
	return strings.Trim(strings.TrimSpace(s), "<>")
}

var statusRE = regexp.MustCompile(`\b([245])\.(\d{1,3})\.(\d{1,3})\b`)

// statusCode finds the first enhanced status code in s.
func statusCode(s string) string {
	return statusRE.FindString(s)
}

// diagnostic reads "smtp; 550 5.1.1 <x@y>: Recipient address rejected" into the server's words.
func diagnostic(s string) string {
	if typ, rest, ok := strings.Cut(s, ";"); ok && !strings.ContainsAny(typ, " \t") {
		s = rest
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDiagnostic {
		s = s[:maxDiagnostic]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 { // do not cut a character in two
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xC0 {
			s = s[:len(s)-1]
		}
	}
	return s
}

var messageIDRE = regexp.MustCompile(`(?im)^message-id:[ \t]*\r?\n?[ \t]*<([^>\s]+)>`)

// originalID finds the Message-ID in the quoted original's header.
func originalID(s string) string {
	if m := messageIDRE.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}
