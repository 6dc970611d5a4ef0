package transcript

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"
)

// view is a transcript made ready to show: every string cleaned, every time formatted in the
// customer's zone, and a day heading on the first message of each day. Both renderers read it.
type view struct {
	Title    string
	Org      string
	Inbox    string
	Customer string
	ID       string
	Started  string
	Ended    string // '' while the chat is open
	ZoneNote string
	Messages []viewMessage
}

type viewMessage struct {
	Day    string // the day's heading on the first message of a day, else ''
	Kind   Kind   // one of Customer, Agent, System
	Author string
	Time   string   // "15:04 EST"
	Stamp  string   // RFC 3339 in the customer's zone, for <time datetime>
	Lines  []string // the body, cleaned, one entry per line
	// For the HTML template, which reads fields far faster than it calls functions.
	IsAgent, IsSystem bool
	Body              []segment
}

// segment is a run of body text and the break before it: <br> for a new line, <wbr> inside a
// long word (see pieces).
type segment struct {
	BR, WBR bool
	Text    string
}

// segments cuts cleaned lines into the HTML's segments.
func segments(lines []string) []segment {
	if len(lines) == 1 && len(lines[0]) <= breakRun {
		return []segment{{Text: lines[0]}}
	}
	var out []segment
	for i, l := range lines {
		for j, p := range pieces(l) {
			out = append(out, segment{BR: i > 0 && j == 0, WBR: j > 0, Text: p})
		}
	}
	return out
}

const (
	customerFallback = "Customer"
	agentFallback    = "Agent"
)

func newView(t Transcript, forHTML bool) view {
	loc, known := location(t.TimeZone)
	v := view{
		Org:      cleanLine(t.Organization),
		Inbox:    cleanLine(t.Inbox),
		Customer: cleanLine(t.Customer),
		ID:       cleanLine(t.ConversationID),
		Messages: make([]viewMessage, len(t.Messages)),
	}
	v.Title = "Chat transcript"
	if v.Org != "" {
		v.Title = "Chat with " + v.Org
	}
	if !t.StartedAt.IsZero() {
		v.Started = t.StartedAt.In(loc).Format(fullLayout)
		v.Title += " on " + t.StartedAt.In(loc).Format(dayLayout)
	}
	if !t.EndedAt.IsZero() {
		v.Ended = t.EndedAt.In(loc).Format(fullLayout)
	}
	if known && loc != time.UTC {
		v.ZoneNote = "Times are in the customer's time zone, " + loc.String() + "."
	} else {
		v.ZoneNote = "Times are in UTC."
	}
	customer := v.Customer
	if customer == "" {
		customer = customerFallback
	}
	var lastY, lastD int
	var lastM time.Month
	for i, m := range t.Messages {
		at := m.At.In(loc)
		vm := viewMessage{Kind: m.Kind, Time: at.Format(timeLayout), Lines: cleanLines(m.Body)}
		if y, mo, d := at.Date(); i == 0 || y != lastY || mo != lastM || d != lastD {
			vm.Day = at.Format(dayLayout)
			lastY, lastM, lastD = y, mo, d
		}
		switch m.Kind {
		case Customer:
			// The customer's name is the transcript's, so a message cannot claim another.
			vm.Author = customer
		case Agent:
			if vm.Author = cleanLine(m.Author); vm.Author == "" {
				vm.Author = agentFallback
			}
		default:
			vm.Kind = System
		}
		vm.IsAgent, vm.IsSystem = vm.Kind == Agent, vm.Kind == System
		if forHTML {
			vm.Stamp, vm.Body = at.Format(time.RFC3339), segments(vm.Lines)
		}
		v.Messages[i] = vm
	}
	return v
}

// HTML renders the transcript as one self-contained, print-ready HTML document: styles inline,
// no scripts, no images or other resources to fetch, and a Content-Security-Policy that forbids
// them should the file be opened in a browser. Every value is escaped by html/template.
func HTML(t Transcript) ([]byte, error) {
	v := newView(t, true)
	var b bytes.Buffer
	b.Grow(4096 + 400*len(v.Messages))
	if err := page.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("transcript: render html: %w", err)
	}
	return b.Bytes(), nil
}

// Text renders the transcript as plain text for the email's text part. Message bodies are
// indented, so a line a customer typed can never pass for a heading or another message.
func Text(t Transcript) string {
	v := newView(t, false)
	var b strings.Builder
	b.Grow(1024 + 200*len(v.Messages))
	if v.Org != "" {
		b.WriteString(v.Org + ": chat transcript\n")
	} else {
		b.WriteString("Chat transcript\n")
	}
	field := func(name, value string) {
		if value != "" {
			b.WriteString(name + ": " + value + "\n")
		}
	}
	field("Inbox", v.Inbox)
	field("Customer", v.Customer)
	field("Started", v.Started)
	if v.Ended != "" {
		field("Ended", v.Ended)
	} else {
		field("Ended", "not yet, the chat is open")
	}
	field("Conversation", v.ID)
	b.WriteString(v.ZoneNote + "\n")
	if len(v.Messages) == 0 {
		b.WriteString("\nNo messages were written in this chat.\n")
	}
	for _, m := range v.Messages {
		if m.Day != "" {
			b.WriteString("\n--- " + m.Day + " ---\n")
		}
		// The role comes last on the line: a name cannot hold a line break, so whatever a customer
		// calls themselves, their line still ends in "(customer)".
		b.WriteString("\n" + m.Time + "  ")
		switch m.Kind {
		case System:
			b.WriteString("Note\n")
		case Agent:
			b.WriteString(m.Author + " (agent)\n")
		default:
			if v.Customer == "" {
				b.WriteString(customerFallback + "\n")
			} else {
				b.WriteString(m.Author + " (customer)\n")
			}
		}
		for _, l := range m.Lines {
			b.WriteString("    ")
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// page is the HTML document. Class names and attribute values are constants (the datetime
// attributes are formatted times); everything else is text in element content, escaped. Mail clients
// that drop <style> still get readable, correctly ordered text.
var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>{{.Title}}</title>
<style>
body{margin:0;padding:0;background:#f4f6f8;color:#17202a;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
.page{max-width:720px;margin:0 auto;padding:24px 20px;background:#fff;overflow-wrap:anywhere;word-wrap:break-word;word-break:break-word}
header{border-bottom:1px solid #d8dee4;padding-bottom:12px;margin-bottom:4px}
.org{margin:0;font-size:13px;color:#4b5866}
h1{margin:2px 0 10px;font-size:22px;line-height:1.3}
table.meta{border-collapse:collapse;font-size:14px}
table.meta th{text-align:left;font-weight:600;color:#4b5866;padding:1px 14px 1px 0;vertical-align:top;white-space:nowrap}
table.meta td{padding:1px 0;vertical-align:top}
.zone{margin:8px 0 0;font-size:13px;color:#4b5866}
h2.day{margin:22px 0 10px;padding-bottom:4px;border-bottom:1px solid #e5e9ed;font-size:14px;color:#4b5866}
.msg{margin:0 0 10px;padding:8px 12px;border:1px solid #e5e9ed;border-radius:8px;background:#f7f9fb}
.msg.agent{background:#eef7f6;border-color:#cfe7e4}
.who{margin:0 0 2px;font-size:13px;color:#4b5866}
.who b{color:#17202a}
.role{font-size:12px;color:#0f766e}
.body{margin:0;white-space:pre-wrap}
.sys{margin:10px 0;font-size:13px;color:#4b5866;font-style:italic;text-align:center}
.empty{margin:22px 0;color:#4b5866}
time{color:#4b5866}
@media print{
@page{margin:15mm}
body{background:#fff;font-size:10.5pt}
.page{max-width:none;padding:0}
.msg{break-inside:avoid;page-break-inside:avoid;background:#fff;border-color:#999}
.msg.agent{background:#fff;border-left:3px solid #0f766e}
h2.day{break-after:avoid;page-break-after:avoid}
}
</style>
</head>
<body>
<div class="page">
<header>
{{if .Org}}<p class="org"><bdi>{{.Org}}</bdi></p>{{end}}
<h1>Chat transcript</h1>
<table class="meta">
{{if .Inbox}}<tr><th>Inbox</th><td><bdi>{{.Inbox}}</bdi></td></tr>{{end}}
<tr><th>Customer</th><td>{{if .Customer}}<bdi>{{.Customer}}</bdi>{{else}}Not given{{end}}</td></tr>
{{if .Started}}<tr><th>Started</th><td>{{.Started}}</td></tr>{{end}}
<tr><th>Ended</th><td>{{if .Ended}}{{.Ended}}{{else}}Not yet, the chat is open{{end}}</td></tr>
{{if .ID}}<tr><th>Conversation</th><td>{{.ID}}</td></tr>{{end}}
</table>
<p class="zone">{{.ZoneNote}}</p>
</header>
<main>
{{range .Messages}}{{if .Day}}<h2 class="day">{{.Day}}</h2>
{{end}}{{if .IsSystem}}<p class="sys"><time datetime="{{.Stamp}}">{{.Time}}</time> · <span dir="auto">{{range .Body}}{{if .BR}}<br>{{end}}{{if .WBR}}<wbr>{{end}}{{.Text}}{{end}}</span></p>
{{else}}{{if .IsAgent}}<div class="msg agent">{{else}}<div class="msg customer">{{end}}<p class="who"><b><bdi>{{.Author}}</bdi></b>{{if .IsAgent}} <span class="role">Agent</span>{{end}} · <time datetime="{{.Stamp}}">{{.Time}}</time></p><p class="body" dir="auto">{{range .Body}}{{if .BR}}<br>{{end}}{{if .WBR}}<wbr>{{end}}{{.Text}}{{end}}</p></div>
{{end}}{{else}}<p class="empty">No messages were written in this chat.</p>
{{end}}</main>
</div>
</body>
</html>`))
