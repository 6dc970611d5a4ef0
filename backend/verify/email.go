package verify

import (
	"bytes"
	"html/template"
	"time"

	"vouchdesk/backend/store"
)

type email struct{ Subject, Text, HTML string }

// asking is what an email says about the chat that asked for it, so the owner of the address can
// tell whether it is them: confirming a link or passing on a code verifies whoever typed the
// address, so the email names the organization, the address, when the chat started and the name
// given there. Name is a stranger's text: always InertName'd, and shown in quotes.
type asking struct {
	Org, Address, Name string
	Started            time.Time
}

// askingIn is the asking of a conversation with the address as display.
func askingIn(org string, cur store.Conversation, display string) asking {
	return asking{Org: org, Address: display, Name: InertName(cur.VisitorName), Started: cur.StartedAt}
}

// text is the facts block of the plain part.
func (a asking) text(when string) string {
	name := "(none)"
	if a.Name != "" {
		name = `"` + a.Name + `"`
	}
	return "    " + when + ": " + UTCTime(a.Started) + "\n    Name they gave: " + name + "\n"
}

func (a asking) data(extra ...string) map[string]string {
	d := map[string]string{"Org": a.Org, "Email": a.Address, "Name": a.Name, "Started": UTCTime(a.Started)}
	for i := 0; i+1 < len(extra); i += 2 {
		d[extra[i]] = extra[i+1]
	}
	return d
}

// Every value in the HTML parts is escaped by html/template; the plain parts are text, where
// nothing runs. Organization names and consent texts are the organization's; the visitor's name
// is a stranger's and arrives InertName'd.
const (
	htmlHead  = `<!doctype html><html><body style="font-family: sans-serif; color: #17202a; line-height: 1.5">`
	htmlFacts = `<table style="border-collapse: collapse; margin: 8px 0">
<tr><td style="color:#4b5866; padding: 2px 16px 2px 0">{{.When}}</td><td>{{.Started}}</td></tr>
<tr><td style="color:#4b5866; padding: 2px 16px 2px 0">Name they gave</td><td>{{if .Name}}&ldquo;{{.Name}}&rdquo;{{else}}(none){{end}}</td></tr>
</table>`
	htmlButton = `<p><a href="{{.Link}}" style="display:inline-block;padding:10px 16px;background:#0f766e;color:#fff;border-radius:6px;text-decoration:none">Review and confirm</a></p>
<p>Or open this link: {{.Link}}</p>`
)

var (
	codeHTML = template.Must(template.New("code").Parse(htmlHead + `
<p>Someone is chatting with <strong>{{.Org}}</strong> right now as <strong>{{.Email}}</strong> and asked for a code to prove that this address is theirs.</p>
` + htmlFacts + `
<p>If that is you, type this code into the chat window. It works for 10 minutes.</p>
<p style="font-size: 28px; font-weight: 700; letter-spacing: 4px">{{.Code}}</p>
<p><strong>If it is not you, do not give this code to anyone; ignore this email.</strong></p>
</body></html>`))
	signinHTML = template.Must(template.New("signin").Parse(htmlHead + `
<p>Someone is signing in to a chat with <strong>{{.Org}}</strong> as <strong>{{.Email}}</strong>.</p>
<table style="border-collapse: collapse; margin: 8px 0"><tr><td style="color:#4b5866; padding: 2px 16px 2px 0">Asked at</td><td>{{.Started}}</td></tr></table>
<p>If that is you, type this code into the chat window. It works for 10 minutes.</p>
<p style="font-size: 28px; font-weight: 700; letter-spacing: 4px">{{.Code}}</p>
<p><strong>If it is not you, do not give this code to anyone; ignore this email.</strong> Nobody can sign in without this code.</p>
</body></html>`))
	linkHTML = template.Must(template.New("link").Parse(htmlHead + `
<p>Someone is chatting with <strong>{{.Org}}</strong> right now as <strong>{{.Email}}</strong> and asked to prove that this address is theirs.</p>
` + htmlFacts + `
<p>If that is you, open the link and press Confirm:</p>
` + htmlButton + `
<p><strong>If it is not you, do not confirm.</strong> Open the link and press &ldquo;This wasn't me&rdquo; so {{.Org}} knows, or ignore this email.
The link works for 30 minutes.</p>
</body></html>`))
	optInHTML = template.Must(template.New("optin").Parse(htmlHead + `
<p>Someone is chatting with <strong>{{.Org}}</strong> as <strong>{{.Email}}</strong> and asked to be added as a contact with this address.</p>
` + htmlFacts + `
{{if .Consent}}<p style="color:#4b5866">They agreed to: {{.Consent}}</p>{{end}}
<p>If that is you, open the link and press Confirm:</p>
` + htmlButton + `
<p><strong>If it is not you, do not confirm.</strong> Open the link and press &ldquo;This wasn't me&rdquo; so {{.Org}} knows, or ignore this email and nothing is kept.
The link works for 7 days.</p>
</body></html>`))
)

func render(t *template.Template, data map[string]string) string {
	var b bytes.Buffer
	t.Execute(&b, data) // cannot fail: the data is strings
	return b.String()
}

func codeEmail(a asking, code string) email {
	return email{
		Subject: "Your verification code for " + clip(a.Org, 100),
		Text: "Someone is chatting with " + a.Org + " right now as " + a.Address + " and asked for a code to prove that this address is theirs.\n\n" +
			a.text("Chat started") + "\nIf that is you, type this code into the chat window. It works for 10 minutes.\n\n    " + code + "\n\n" +
			"If it is not you, do not give this code to anyone; ignore this email.\n",
		HTML: render(codeHTML, a.data("When", "Chat started", "Code", code)),
	}
}

// signinCodeEmail has no chat yet to describe: the code is asked for before the chat starts,
// and the name comes with the code. It says when it was asked for.
func signinCodeEmail(org, address, code string, asked time.Time) email {
	a := asking{Org: org, Address: address, Started: asked}
	return email{
		Subject: "Your sign-in code for " + clip(org, 100),
		Text: "Someone is signing in to a chat with " + org + " as " + address + ".\n\n    Asked at: " + UTCTime(asked) + "\n\n" +
			"If that is you, type this code into the chat window. It works for 10 minutes.\n\n    " + code + "\n\n" +
			"If it is not you, do not give this code to anyone; ignore this email. Nobody can sign in without this code.\n",
		HTML: render(signinHTML, a.data("Code", code)),
	}
}

func linkEmail(a asking, link string) email {
	return email{
		Subject: "Confirm your email for " + clip(a.Org, 100),
		Text: "Someone is chatting with " + a.Org + " right now as " + a.Address + " and asked to prove that this address is theirs.\n\n" +
			a.text("Chat started") + "\nIf that is you, open this link and press Confirm:\n\n" + link + "\n\n" +
			"If it is not you, do not confirm. Open the link and press \"This wasn't me\" so " + a.Org + " knows, or ignore this email.\n" +
			"The link works for 30 minutes.\n",
		HTML: render(linkHTML, a.data("When", "Chat started", "Link", link)),
	}
}

func optInEmail(a asking, consent, link string) email {
	text := "Someone is chatting with " + a.Org + " as " + a.Address + " and asked to be added as a contact with this address.\n\n" +
		a.text("Chat started") + "\n"
	if consent != "" {
		text += "They agreed to: " + consent + "\n\n"
	}
	text += "If that is you, open this link and press Confirm:\n\n" + link + "\n\n" +
		"If it is not you, do not confirm. Open the link and press \"This wasn't me\" so " + a.Org + " knows, or ignore this email and nothing is kept.\n" +
		"The link works for 7 days.\n"
	return email{Subject: "Confirm your email for " + clip(a.Org, 100), Text: text,
		HTML: render(optInHTML, a.data("When", "Chat started", "Consent", consent, "Link", link))}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
