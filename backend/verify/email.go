package verify

import (
	"bytes"
	"html/template"
)

type email struct{ Subject, Text, HTML string }

// Every value in the HTML parts is escaped by html/template; the plain parts are text, where
// nothing runs. Organization names and consent texts are the organization's, never a customer's.
var (
	codeHTML = template.Must(template.New("code").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; color: #17202a; line-height: 1.5">
<p>Your verification code for the chat with {{.Org}}:</p>
<p style="font-size: 28px; font-weight: 700; letter-spacing: 4px">{{.Code}}</p>
<p style="color:#4b5866">Type it into the chat window. It works for 10 minutes.
If you are not chatting with {{.Org}}, ignore this email.</p>
</body></html>`))
	signinHTML = template.Must(template.New("signin").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; color: #17202a; line-height: 1.5">
<p>Your code to sign in to the chat with {{.Org}}:</p>
<p style="font-size: 28px; font-weight: 700; letter-spacing: 4px">{{.Code}}</p>
<p style="color:#4b5866">Type it into the chat window. It works for 10 minutes.
If you did not ask to chat with {{.Org}}, ignore this email: nobody can sign in without this code.</p>
</body></html>`))
	linkHTML = template.Must(template.New("link").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; color: #17202a; line-height: 1.5">
<p>{{.Org}} asked to confirm that <strong>{{.Email}}</strong> is yours.</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 16px;background:#0f766e;color:#fff;border-radius:6px;text-decoration:none">Confirm my email</a></p>
<p>Or open this link: {{.Link}}</p>
<p style="color:#4b5866">The link works for 30 minutes. If you are not chatting with {{.Org}}, ignore this email.</p>
</body></html>`))
	optInHTML = template.Must(template.New("optin").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; color: #17202a; line-height: 1.5">
<p>Please confirm your email address for {{.Org}}.</p>
{{if .Consent}}<p style="color:#4b5866">You agreed to: {{.Consent}}</p>{{end}}
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 16px;background:#0f766e;color:#fff;border-radius:6px;text-decoration:none">Confirm my email</a></p>
<p>Or open this link: {{.Link}}</p>
<p style="color:#4b5866">The link works for 7 days. If you did not chat with {{.Org}}, ignore this email and nothing is kept.</p>
</body></html>`))
)

func render(t *template.Template, data map[string]string) string {
	var b bytes.Buffer
	t.Execute(&b, data) // cannot fail: the data is strings
	return b.String()
}

func codeEmail(org, code string) email {
	return email{
		Subject: "Your verification code for " + clip(org, 100),
		Text: "Your verification code for the chat with " + org + ":\n\n    " + code + "\n\n" +
			"Type it into the chat window. It works for 10 minutes.\nIf you are not chatting with " + org + ", ignore this email.\n",
		HTML: render(codeHTML, map[string]string{"Org": org, "Code": code}),
	}
}

func signinCodeEmail(org, code string) email {
	return email{
		Subject: "Your sign-in code for " + clip(org, 100),
		Text: "Your code to sign in to the chat with " + org + ":\n\n    " + code + "\n\n" +
			"Type it into the chat window. It works for 10 minutes.\nIf you did not ask to chat with " + org +
			", ignore this email: nobody can sign in without this code.\n",
		HTML: render(signinHTML, map[string]string{"Org": org, "Code": code}),
	}
}

func linkEmail(org, address, link string) email {
	return email{
		Subject: "Confirm your email for " + clip(org, 100),
		Text: org + " asked to confirm that " + address + " is yours.\n\nOpen this link and press Confirm:\n\n" + link + "\n\n" +
			"The link works for 30 minutes. If you are not chatting with " + org + ", ignore this email.\n",
		HTML: render(linkHTML, map[string]string{"Org": org, "Email": address, "Link": link}),
	}
}

func optInEmail(org, consent, link string) email {
	text := "Please confirm your email address for " + org + ".\n\n"
	if consent != "" {
		text += "You agreed to: " + consent + "\n\n"
	}
	text += "Open this link and press Confirm:\n\n" + link + "\n\n" +
		"The link works for 7 days. If you did not chat with " + org + ", ignore this email and nothing is kept.\n"
	return email{Subject: "Confirm your email for " + clip(org, 100), Text: text,
		HTML: render(optInHTML, map[string]string{"Org": org, "Consent": consent, "Link": link})}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
