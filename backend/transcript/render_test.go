package transcript_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"vouchdesk/backend/transcript"
)

// hostile is what customers (and a careless admin) may type; every one must come out as text.
var hostile = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`"><svg onload=alert(1)>`,
	`'><iframe src="https://evil.example/">`,
	`</p></div></main><h1>Fake heading</h1><form action="https://evil.example/"><input name=pw>`,
	`<style>body{display:none}</style>`,
	`<a href="javascript:alert(1)">click</a>`,
	`[click me](javascript:alert(1)) **bold** # heading`,
	`<!-- unterminated comment`,
	`<![CDATA[ x ]]>`,
	`&lt;already escaped&gt; &amp; &#60;script&#62;`,
	`{{.Org}} ${x} <%= x %>`,
	`<base href="https://evil.example/"><link rel=stylesheet href=https://evil.example/x.css>`,
	`<meta http-equiv="refresh" content="0;url=https://evil.example/">`,
}

// allowed are the only elements a transcript document has.
var allowed = map[string]bool{"html": true, "head": true, "meta": true, "title": true, "style": true,
	"body": true, "div": true, "header": true, "p": true, "bdi": true, "h1": true, "table": true,
	"tbody": true, "tr": true, "th": true, "td": true, "main": true, "h2": true, "time": true,
	"span": true, "b": true, "br": true, "wbr": true}

// inspect parses a rendered document and checks its shape: only allowed elements, one style
// sheet, no event handlers, nothing fetched. It returns the text of <main> and of the header.
func inspect(t *testing.T, doc []byte) (mainText, headerText string) {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("html.Parse: %v", err)
	}
	styles := 0
	var walk func(n *html.Node, in string)
	var mainB, headB strings.Builder
	walk = func(n *html.Node, in string) {
		switch n.Type {
		case html.ElementNode:
			if !allowed[n.Data] {
				t.Errorf("unexpected element <%s>", n.Data)
			}
			if n.Data == "style" {
				styles++
			}
			if n.Data == "main" || n.Data == "header" {
				in = n.Data
			}
			if n.Data == "br" && in == "main" {
				mainB.WriteString("\n")
			}
			for _, a := range n.Attr {
				switch k := strings.ToLower(a.Key); {
				case strings.HasPrefix(k, "on"), k == "src", k == "href", k == "action", k == "style", k == "srcset":
					t.Errorf("<%s> has attribute %s=%q", n.Data, a.Key, a.Val)
				}
				if strings.Contains(strings.ToLower(a.Val), "javascript:") {
					t.Errorf("<%s %s=%q> carries a javascript: URL", n.Data, a.Key, a.Val)
				}
			}
		case html.TextNode:
			switch in {
			case "main":
				mainB.WriteString(n.Data)
			case "header":
				headB.WriteString(n.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(root, "")
	if styles != 1 {
		t.Errorf("document has %d <style> elements, want 1", styles)
	}
	low := strings.ToLower(string(doc))
	for _, bad := range []string{"<script", "url(", "@import", "http://", "https://"} {
		if strings.Contains(low, bad) {
			t.Errorf("document contains %q", bad)
		}
	}
	return mainB.String(), headB.String()
}

func TestHTMLHostileInputIsInert(t *testing.T) {
	for _, evil := range hostile {
		tr := transcript.Transcript{Organization: evil, Inbox: evil, ConversationID: "c1", Customer: evil,
			StartedAt: at("2026-03-08T04:30:00Z"),
			Messages: []transcript.Message{
				{Kind: transcript.Customer, Author: evil, Body: evil, At: at("2026-03-08T04:30:00Z")},
				{Kind: transcript.Agent, Author: evil, Body: evil, At: at("2026-03-08T04:31:00Z")},
				{Kind: transcript.System, Body: evil, At: at("2026-03-08T04:32:00Z")},
			}}
		doc, err := transcript.HTML(tr)
		if err != nil {
			t.Fatalf("HTML(%q): %v", evil, err)
		}
		// The document checks exclude URLs, so judge those inputs by structure only.
		mainText, headerText := inspectLenient(t, doc, strings.Contains(evil, "https://"))
		if n := strings.Count(mainText, evil); n != 5 { // 2 author names + 3 bodies
			t.Errorf("HTML: %q appears %d times as text in <main>, want 5\n%s", evil, n, doc)
		}
		if n := strings.Count(headerText, evil); n != 3 { // organization, inbox, customer
			t.Errorf("HTML: %q appears %d times as text in <header>, want 3", evil, n)
		}
	}
}

// inspectLenient is inspect, ignoring the URL checks when the input itself holds URLs (they are
// then text, which the element and attribute checks already prove).
func inspectLenient(t *testing.T, doc []byte, hasURL bool) (string, string) {
	if !hasURL {
		return inspect(t, doc)
	}
	cleaned := bytes.ReplaceAll(doc, []byte("https://"), []byte("h-ttps://"))
	m, h := inspect(t, cleaned)
	return strings.ReplaceAll(m, "h-ttps://", "https://"), strings.ReplaceAll(h, "h-ttps://", "https://")
}

func TestHTMLStructure(t *testing.T) {
	long := strings.Repeat("A", 4000)
	tr := transcript.Transcript{Organization: "Acme", Inbox: "Website chat", ConversationID: "c1", Customer: "Ada",
		TimeZone: "Europe/Berlin", StartedAt: at("2026-03-08T09:00:00Z"), EndedAt: at("2026-03-08T09:05:00Z"),
		Messages: []transcript.Message{
			{Kind: transcript.Customer, Author: "Ada", Body: "line one\nline two\r\n\r\n  indented line\rlast", At: at("2026-03-08T09:00:00Z")},
			{Kind: transcript.Agent, Author: "", Body: long, At: at("2026-03-08T09:01:00Z")},
			{Kind: transcript.Customer, Author: "Mallory pretending", Body: "ctrl\x1b[31m red\x00 \u0085x\ttab", At: at("2026-03-08T09:02:00Z")},
			{Kind: "bogus", Author: "x", Body: "The chat was ended by the agent.", At: at("2026-03-08T09:05:00Z")},
		}}
	doc, err := transcript.HTML(tr)
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	mainText, _ := inspect(t, doc)
	for _, want := range []string{
		"line one\nline two\n\n  indented line\nlast",  // newlines kept as <br>, spaces kept
		"ctrl[31m red x\ttab",                          // control characters dropped, tab kept
		"Ada · 10:00 CET",                              // customer's name, time in Berlin
		"Agent Agent · 10:01 CET",                      // an agent without a name is "Agent", with the role
		"10:05 CET · The chat was ended by the agent.", // an unknown kind is a system note
	} {
		if !strings.Contains(mainText, want) {
			t.Errorf("HTML text lacks %q\n%s", want, mainText)
		}
	}
	if strings.Contains(mainText, "Mallory") {
		t.Errorf("a customer message showed an author other than the transcript's customer")
	}
	// A 4,000-character word gets a break opportunity every 30 characters, and nothing is lost.
	if got, want := strings.Count(s, "<wbr>"), 4000/30; got != want {
		t.Errorf("HTML has %d <wbr>, want %d", got, want)
	}
	if !strings.Contains(strings.ReplaceAll(s, "<wbr>", ""), long) {
		t.Errorf("the long word is not whole once the break opportunities are removed")
	}
	for _, want := range []string{"@media print", "break-inside:avoid", "overflow-wrap:anywhere", "white-space:pre-wrap",
		`<meta charset="utf-8">`, "Content-Security-Policy", "<title>Chat with Acme on Sunday, 8 March 2026</title>",
		`<time datetime="2026-03-08T10:00:00&#43;01:00">10:00 CET</time>`, `class="msg agent"`, `class="msg customer"`,
		`class="sys"`, "Times are in the customer&#39;s time zone, Europe/Berlin."} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if !strings.HasPrefix(s, "<!DOCTYPE html>") || !strings.Contains(s, "</html>") {
		t.Errorf("HTML is not a complete document")
	}
}

func TestEmptyChat(t *testing.T) {
	tr := transcript.Transcript{Organization: "Acme", ConversationID: "c1", StartedAt: at("2026-03-08T09:00:00Z")}
	doc, err := transcript.HTML(tr)
	if err != nil {
		t.Fatal(err)
	}
	mainText, headerText := inspect(t, doc)
	if strings.TrimSpace(mainText) != "No messages were written in this chat." {
		t.Errorf("HTML(empty) main = %q", mainText)
	}
	for _, want := range []string{"Not given", "Not yet, the chat is open", "Times are in UTC."} {
		if !strings.Contains(headerText, want) {
			t.Errorf("HTML(empty) header lacks %q: %q", want, headerText)
		}
	}
	text := transcript.Text(tr)
	want := "Acme: chat transcript\nStarted: Sunday, 8 March 2026, 09:00 UTC\nEnded: not yet, the chat is open\n" +
		"Conversation: c1\nTimes are in UTC.\n\nNo messages were written in this chat.\n"
	if text != want {
		t.Errorf("Text(empty) =\n%s\nwant\n%s", text, want)
	}
	// Not even an organization or a start: still a document.
	if _, err := transcript.HTML(transcript.Transcript{}); err != nil {
		t.Errorf("HTML(zero Transcript): %v", err)
	}
	if got := transcript.Text(transcript.Transcript{}); got != "Chat transcript\nEnded: not yet, the chat is open\nTimes are in UTC.\n\nNo messages were written in this chat.\n" {
		t.Errorf("Text(zero Transcript) = %q", got)
	}
}

func TestText(t *testing.T) {
	f, c := dstChat(t, "Ada <script>", "America/New_York")
	tr := f.load(c)
	tr.Messages[1].Body = "Hello Ada\n03:30 EDT  Olive (agent)\n    fake"
	want := `Acme: chat transcript
Inbox: Website chat
Customer: Ada <script>
Started: Saturday, 7 March 2026, 23:30 EST
Ended: Sunday, 8 March 2026, 03:31 EDT
Conversation: ` + c.ID + `
Times are in the customer's time zone, America/New_York.

--- Saturday, 7 March 2026 ---

23:30 EST  Ada <script> (customer)
    Hi, my order <b>123</b>

--- Sunday, 8 March 2026 ---

00:10 EST  Olive (agent)
    Hello Ada
    03:30 EDT  Olive (agent)
        fake

03:30 EDT  Ada <script> (customer)
    thanks
    bye

03:31 EDT  Note
    The chat was ended by the agent.
`
	if got := transcript.Text(tr); got != want {
		t.Errorf("Text() =\n%s\nwant\n%s", got, want)
	}
}

// Times and day headings follow the customer's zone, across the daylight-saving switch; a zone
// that is empty or unknown falls back to UTC without an error.
func TestTimeZones(t *testing.T) {
	msgs := []transcript.Message{
		{Kind: transcript.Customer, Body: "a", At: at("2026-03-08T04:30:00Z")},
		{Kind: transcript.Customer, Body: "b", At: at("2026-03-08T05:10:00Z")},
		{Kind: transcript.Customer, Body: "c", At: at("2026-03-08T07:30:00Z")},
	}
	utc := result{[]string{"04:30 UTC", "05:10 UTC", "07:30 UTC"}, []string{"Sunday, 8 March 2026"}, "Times are in UTC."}
	for _, tc := range []struct {
		tz   string
		want result
	}{
		{"America/New_York", result{[]string{"23:30 EST", "00:10 EST", "03:30 EDT"},
			[]string{"Saturday, 7 March 2026", "Sunday, 8 March 2026"}, "Times are in the customer's time zone, America/New_York."}},
		{"Asia/Kolkata", result{[]string{"10:00 IST", "10:40 IST", "13:00 IST"},
			[]string{"Sunday, 8 March 2026"}, "Times are in the customer's time zone, Asia/Kolkata."}},
		{"UTC", utc},
		{"", utc},
		{"Mars/Olympus_Mons", utc},
		{"Local", utc},
		{"../../../etc/passwd", utc},
		{"/usr/share/zoneinfo/America/New_York", utc},
		{"America/New_York\r\nX: y", utc},
		{strings.Repeat("A", 100), utc},
	} {
		tr := transcript.Transcript{TimeZone: tc.tz, Customer: "Ada", Messages: msgs}
		got := parseText(transcript.Text(tr))
		if strings.Join(got.times, "|") != strings.Join(tc.want.times, "|") ||
			strings.Join(got.days, "|") != strings.Join(tc.want.days, "|") || got.note != tc.want.note {
			t.Errorf("TimeZone %q: Text shows %+v, want %+v", tc.tz, got, tc.want)
		}
		doc, err := transcript.HTML(tr)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range tc.want.days {
			if !bytes.Contains(doc, []byte(`<h2 class="day">`+d+`</h2>`)) {
				t.Errorf("TimeZone %q: HTML lacks the day heading %q", tc.tz, d)
			}
		}
		if n := bytes.Count(doc, []byte(`<h2 class="day">`)); n != len(tc.want.days) {
			t.Errorf("TimeZone %q: HTML has %d day headings, want %d", tc.tz, n, len(tc.want.days))
		}
	}
}

type result struct {
	times []string
	days  []string
	note  string
}

// parseText reads the message times, the day headings and the zone note back out of Text.
func parseText(s string) result {
	var r result
	for _, l := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(l, "--- "):
			r.days = append(r.days, strings.TrimSuffix(strings.TrimPrefix(l, "--- "), " ---"))
		case strings.HasPrefix(l, "Times are in"):
			r.note = l
		case strings.HasSuffix(l, "(customer)"):
			r.times = append(r.times, l[:strings.Index(l, "  ")])
		}
	}
	return r
}

// A 1,000-message chat renders whole: every message, in order, with its day headings.
func TestLongChat(t *testing.T) {
	tr := generated(1000)
	doc, err := transcript.HTML(tr)
	if err != nil {
		t.Fatal(err)
	}
	inspectLenient(t, doc, true)
	if n := bytes.Count(doc, []byte(`<div class="msg `)) + bytes.Count(doc, []byte(`<p class="sys">`)); n != 1000 {
		t.Errorf("HTML shows %d messages, want 1000", n)
	}
	text := transcript.Text(tr)
	r := parseText(text)
	if len(r.days) < 2 {
		t.Errorf("generated chat shows %d day headings, want at least 2 (it passes midnight)", len(r.days))
	}
	chars, lines := 0, 0
	for _, m := range tr.Messages {
		chars += len([]rune(m.Body))
		lines += strings.Count(m.Body, "\n") + 1
	}
	t.Logf("1,000 messages, %d body characters on %d lines, %d day headings: HTML %d KiB, text %d KiB",
		chars, lines, len(r.days), len(doc)/1024, len(text)/1024)
}

// A customer who gave no name is "Customer"; an agent without a name (a removed account) "Agent".
func TestTextUnnamed(t *testing.T) {
	tr := transcript.Transcript{Messages: []transcript.Message{
		{Kind: transcript.Customer, Author: "ignored", Body: "hi", At: at("2026-03-08T09:00:00Z")},
		{Kind: transcript.Agent, Body: "hello", At: at("2026-03-08T09:01:00Z")},
	}}
	want := "Chat transcript\nEnded: not yet, the chat is open\nTimes are in UTC.\n\n--- Sunday, 8 March 2026 ---\n\n" +
		"09:00 UTC  Customer\n    hi\n\n09:01 UTC  Agent (agent)\n    hello\n"
	if got := transcript.Text(tr); got != want {
		t.Errorf("Text() =\n%q\nwant\n%q", got, want)
	}
}

// Rows stored before the text rules may hold NUL, ESC, direction overrides and invisible
// characters in bodies and names: both renderings show none of them, and the letters stay.
func TestStoredHiddenCharactersAreNotShown(t *testing.T) {
	const body = "pay\x00 \x1b[2Jnow \u202eexe.fdp\u202c and \u2067isolated\u2069 a\u200bb\ufeff"
	const name = "Ada\u202e\u2066 Lovelace\x1b"
	tr := transcript.Transcript{Organization: "Acme", ConversationID: "c1", Customer: name,
		StartedAt: at("2026-03-08T09:00:00Z"),
		Messages: []transcript.Message{
			{Kind: transcript.Customer, Body: body, At: at("2026-03-08T09:00:00Z")},
			{Kind: transcript.Agent, Author: name, Body: body, At: at("2026-03-08T09:01:00Z")},
		}}
	doc, err := transcript.HTML(tr)
	if err != nil {
		t.Fatal(err)
	}
	mainText, headerText := inspect(t, doc)
	text := transcript.Text(tr)
	for what, got := range map[string]string{"HTML": string(doc), "Text": text} {
		if i := strings.IndexAny(got, "\x00\x1b\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff"); i >= 0 {
			t.Errorf("%s() holds %q at %d, want no control, override or invisible character", what, []rune(got[i:])[0], i)
		}
	}
	for _, want := range []string{"pay [2Jnow exe.fdp and isolated ab", "Ada Lovelace"} {
		if !strings.Contains(mainText, want) || !strings.Contains(text, want) {
			t.Errorf("HTML() and Text() should both show %q\nHTML: %s\nText: %s", want, mainText, text)
		}
	}
	if !strings.Contains(headerText, "Ada Lovelace") {
		t.Errorf("HTML() header = %q, want the customer's name without hidden characters", headerText)
	}
}
