package senders

import (
	"bytes"
	"html/template"
)

type email struct{ Subject, Text, HTML string }

// The HTML part escapes every value (html/template); the plain part is text, where nothing runs.
var verifyHTML = template.Must(template.New("verify").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; color: #17202a; line-height: 1.5">
<p>{{.Actor}} asked Vouch Desk to send {{.Org}}'s emails from <strong>{{.Address}}</strong>.</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 16px;background:#0f766e;color:#fff;border-radius:6px;text-decoration:none">Confirm this address</a></p>
<p>Or open this link: {{.Link}}</p>
<p style="color:#4b5866">If the Vouch Desk app watches this mailbox, it confirms by itself when this email arrives.
The link works for 24 hours. If you did not ask for this, ignore this email: nothing changes.</p>
</body></html>`))

func verificationEmail(org, actor, address, link string) email {
	data := map[string]string{"Org": org, "Actor": actor, "Address": address, "Link": link}
	var h bytes.Buffer
	verifyHTML.Execute(&h, data) // cannot fail: the data is four strings
	text := actor + " asked Vouch Desk to send " + org + "'s emails from " + address + ".\n\n" +
		"To confirm, open this link and press Confirm:\n\n" + link + "\n\n" +
		"If the Vouch Desk app watches this mailbox, it confirms by itself when this email arrives.\n" +
		"The link works for 24 hours. If you did not ask for this, ignore this email: nothing changes.\n"
	// The subject stays well under the outbox's limit whatever the organization's name.
	return email{Subject: "Confirm the sender email of " + clip(org, 100), Text: text, HTML: h.String()}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
