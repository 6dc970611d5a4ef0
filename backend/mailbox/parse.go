package mailbox

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode ISO-8859-*, Windows-125x, Shift_JIS, ... bodies and headers
	"github.com/emersion/go-message/mail"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"vouchdesk/backend/bounce"
)

// maxText is how much decoded body text a Message carries.
const maxText = 64 << 10

// fetchBytes is how much of each message is fetched: enough for the headers and a text part
// that comes before large attachments, bounded so a 50 MB message never sits in memory.
const fetchBytes = 256 << 10

// parseMessage reads what the handler needs out of the first bytes of a raw message. It is
// lenient: a message cut at fetchBytes, a bad header or an unknown charset still gives every
// field that could be read, because every message must reach the handler.
func parseMessage(uid uint32, raw []byte, arrived time.Time) Message {
	m := Message{UID: uid, Date: arrived, Bounce: bounce.Parse(raw)}
	// CreateReader's error for an unknown charset still comes with a usable reader.
	mr, _ := mail.CreateReader(bytes.NewReader(raw))
	if mr == nil {
		return m // not even a header could be read
	}
	h := mr.Header
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.From = from[0].Address
	} else {
		m.From = strings.TrimSpace(h.Get("From"))
	}
	if to, err := h.AddressList("To"); err == nil {
		addrs := make([]string, 0, len(to))
		for _, a := range to {
			addrs = append(addrs, a.Address)
		}
		m.To = strings.Join(addrs, ", ")
	} else {
		m.To = strings.TrimSpace(h.Get("To"))
	}
	if s, err := h.Subject(); err == nil {
		m.Subject = s
	} else {
		m.Subject = h.Get("Subject")
	}
	if id, err := h.MessageID(); err == nil {
		m.MessageID = id
	}
	if d, err := h.Date(); err == nil && !d.IsZero() {
		m.Date = d
	}

	var plain, htmlBody string
	havePlain, haveHTML := false, false
	for !havePlain {
		p, err := mr.NextPart()
		if err != nil && (p == nil || !message.IsUnknownCharset(err)) {
			break // io.EOF, or a part cut off by fetchBytes
		}
		ih, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			continue // an attachment
		}
		ct, _, _ := ih.ContentType()
		switch {
		case (ct == "text/plain" || ct == "") && !havePlain:
			plain, havePlain = readText(p.Body, maxText), true
		case ct == "text/html" && !haveHTML:
			htmlBody, haveHTML = readText(p.Body, fetchBytes), true
		}
	}
	switch {
	case havePlain:
		m.Text = plain
	case haveHTML:
		m.Text = truncateUTF8(htmlToText(htmlBody), maxText)
	}
	return m
}

// readText reads at most limit bytes of a decoded body; a body cut short still gives what came.
func readText(r io.Reader, limit int) string {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+utf8.UTFMax))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && len(b) == 0 {
		return ""
	}
	return truncateUTF8(strings.ReplaceAll(string(b), "\r\n", "\n"), limit)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// htmlToText renders the readable text of an HTML body: no scripts or styles, a line break after
// each block, and each link's address after its text, because a verification link matters more
// than its wording.
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0 // inside <script>, <style> or <title> (the tokenizer reads their content raw, up to the end tag)
	var href string
	var linkText strings.Builder
	inLink := false
	write := func(t string) {
		if inLink {
			linkText.WriteString(t)
		}
		b.WriteString(t)
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyLines(b.String())
		case html.TextToken:
			if skip == 0 {
				write(collapseSpace(string(z.Text())))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Title:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.A:
				if tt == html.StartTagToken {
					href, inLink = "", true
					linkText.Reset()
					for hasAttr {
						var k, v []byte
						k, v, hasAttr = z.TagAttr()
						if string(k) == "href" {
							href = strings.TrimSpace(string(v))
						}
					}
				} else if tt == html.EndTagToken && inLink {
					inLink = false
					if href != "" && !strings.HasPrefix(href, "#") && !strings.HasPrefix(strings.ToLower(href), "javascript:") &&
						strings.TrimSpace(linkText.String()) != href {
						b.WriteString(" (" + href + ")")
					}
				}
			case atom.Br, atom.P, atom.Div, atom.Tr, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5,
				atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Blockquote, atom.Pre, atom.Hr:
				b.WriteString("\n")
			case atom.Td, atom.Th:
				b.WriteString(" ")
			}
		}
	}
}

func collapseSpace(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		if s != "" {
			return " "
		}
		return ""
	}
	out := strings.Join(f, " ")
	if strings.TrimLeftFunc(s, unicode.IsSpace) != s {
		out = " " + out
	}
	if strings.TrimRightFunc(s, unicode.IsSpace) != s {
		out += " "
	}
	return out
}

// tidyLines collapses the spaces of each line and drops blank lines.
func tidyLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
