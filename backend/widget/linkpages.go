package widget

import (
	"context"
	"errors"
	"html/template"
	"net/http"

	"vouchdesk/backend/senders"
	"vouchdesk/backend/store"
)

// SenderLinks is what the sender-verification pages need.
type SenderLinks interface {
	Preview(ctx context.Context, token string) (address, orgName string, err error)
	Verify(ctx context.Context, token, method string) (store.SenderEmail, error)
}

// The page asks for one click: a GET never verifies anything, so mail scanners that open links
// to inspect them cannot confirm an address nobody looked at. Every value is escaped by
// html/template; the page loads nothing from elsewhere (see the CSP header).
var linkPage = template.Must(template.New("link").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}} · Vouch Desk</title>
<style>
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;background:#f4f6f8;color:#17202a}
main{max-width:480px;margin:12vh auto;padding:2rem 2.25rem;background:#fff;border:1px solid #d8dee4;border-radius:14px}
h1{font-size:1.35rem;margin:0 0 .75rem}p{margin:.5rem 0}.muted{color:#4b5866}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:1rem 0;padding:.75rem 1rem;background:#f4f6f8;border-radius:8px}
dt{color:#4b5866}dd{margin:0;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.25rem 0 .75rem}.actions form{margin:0}
button{font:inherit;font-weight:600;padding:.6rem 1.1rem;border:1px solid #0f766e;border-radius:8px;background:#0f766e;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#b42318;border:1px solid #b42318}
button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}.ok{color:#067647}.bad{color:#b42318}.small{font-size:.9rem}
</style></head><body><main>
<h1 class="{{.Class}}">{{.Title}}</h1>
{{if .Address}}<p>{{.Lead}} <strong>{{.Address}}</strong>{{if .Org}} for <strong>{{.Org}}</strong>{{end}}.</p>{{end}}
{{with .Chat}}<p>Someone is chatting with <strong>{{.Org}}</strong> as <strong>{{.Address}}</strong>.</p>
<dl><dt>Chat started</dt><dd>{{.Started}}</dd><dt>Name they gave</dt><dd>{{if .Name}}&ldquo;{{.Name}}&rdquo;{{else}}(none){{end}}</dd></dl>{{end}}
{{if .Message}}<p class="muted">{{.Message}}</p>{{end}}
{{if .Refuse}}<div class="actions">
<form method="post"><input type="hidden" name="answer" value="confirm"><button type="submit">Confirm this address</button></form>
<form method="post"><input type="hidden" name="answer" value="refuse"><button type="submit" class="secondary">This wasn't me</button></form>
</div>{{else if .Confirm}}<form method="post"><button type="submit">Confirm this address</button></form>{{end}}
{{if .Note}}<p class="muted small">{{.Note}}</p>{{end}}
</main></body></html>`))

// linkPageData is one link page. Chat is set on a chat link's page: who is chatting as the
// address. Refuse shows two buttons, Confirm and "This wasn't me" (posting answer=confirm and
// answer=refuse); Confirm alone shows one.
type linkPageData struct {
	Title, Class, Lead, Address, Org, Message, Note string
	Chat                                            *chatFacts
	Confirm, Refuse                                 bool
}

// chatFacts is what a chat link's page says about the chat: the visitor's name arrives inert
// (verify.InertName) and is escaped by the template like everything else.
type chatFacts struct {
	Org, Address, Started, Name string
}

func renderLinkPage(w http.ResponseWriter, status int, d linkPageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	linkPage.Execute(w, d)
}

var unusable = linkPageData{Title: "This link no longer works", Class: "bad",
	Message: "It was already used, has expired, or the address was changed or removed. Ask your administrator to send a new link from Vouch Desk."}

func (d Deps) senderLinkGet(w http.ResponseWriter, r *http.Request) {
	addr, org, err := d.Senders.Preview(r.Context(), r.PathValue("token"))
	switch {
	case errors.Is(err, senders.ErrLinkUnusable):
		renderLinkPage(w, http.StatusNotFound, unusable)
	case err != nil:
		renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Class: "bad", Message: "Try again in a moment."})
	default:
		renderLinkPage(w, http.StatusOK, linkPageData{Title: "Confirm the sender email", Lead: "Use", Address: addr, Org: org,
			Message: "Vouch Desk will send customer emails (transcripts, sign-in codes) from this address.", Confirm: true})
	}
}

func (d Deps) senderLinkPost(w http.ResponseWriter, r *http.Request) {
	se, err := d.Senders.Verify(r.Context(), r.PathValue("token"), senders.MethodLink)
	switch {
	case errors.Is(err, senders.ErrLinkUnusable):
		renderLinkPage(w, http.StatusNotFound, unusable)
	case err != nil:
		renderLinkPage(w, http.StatusInternalServerError, linkPageData{Title: "Something went wrong", Class: "bad", Message: "Try again in a moment."})
	default:
		renderLinkPage(w, http.StatusOK, linkPageData{Title: "Sender email confirmed", Class: "ok", Lead: "Vouch Desk now sends from",
			Address: se.Address, Message: "You can close this page."})
	}
}
