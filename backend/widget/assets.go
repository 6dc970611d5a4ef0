package widget

import (
	"context"
	"embed"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"vouchdesk/backend/store"
)

//go:embed assets
var assets embed.FS

func serveWidgetJS(w http.ResponseWriter, r *http.Request) {
	b, err := fs.ReadFile(assets, "assets/widget.js")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	// Short: a site picks up a new widget within minutes of an upgrade.
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	w.Write(b)
}

// demo serves a sample site with the widget on the first chat inbox, so a newcomer can chat with
// themselves.
func (d *ChatDeps) demo(w http.ResponseWriter, r *http.Request) {
	page, err := fs.ReadFile(assets, "assets/demo.html")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	inbox, org, found := d.demoInbox(r.Context())
	if !found {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("No chat inbox yet: finish the first-run setup in the Vouch Desk app first.\n"))
		return
	}
	google := ""
	if opts, err := d.Verify.Signin(r.Context(), inbox, org); err == nil && opts.Google {
		google = origin(d.googleScriptURL())
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", demoCSP(r.Host, google))
	w.Write([]byte(strings.ReplaceAll(string(page), "{{INBOX_ID}}", html.EscapeString(inbox.ID))))
}

// demoInbox is the organizations' first chat inbox, with its organization.
func (d *ChatDeps) demoInbox(ctx context.Context) (store.Inbox, store.Organization, bool) {
	in, o, err := d.Chat.FirstChatInbox(ctx)
	return in, o, err == nil
}

// hostShaped is a Host header that may go into the CSP as is (a name or address, a port).
var hostShaped = regexp.MustCompile(`^[A-Za-z0-9.\-\[\]:]{1,255}$`)

// demoCSP is the demo page's Content-Security-Policy: scripts only from this server (widget.js;
// the page has no inline script), and from Google's script origin when the inbox offers Google
// Sign-In (google, "" otherwise: its script, its button's frame, its styles and calls); the API
// and the live WebSocket on this server; styles from this server and inline (the page's own
// <style>, and the widget's styles, which older browsers get as a <style> in its shadow root);
// no plugins, no <base>, no forms; and no framing, so the page cannot be used for clickjacking.
func demoCSP(host, google string) string {
	connect := "'self'"
	if hostShaped.MatchString(host) { // 'self' covers ws: and wss: only in CSP Level 3 browsers
		connect += " ws://" + host + " wss://" + host
	}
	script, style, frame := "'self'", "'self' 'unsafe-inline'", ""
	if google != "" {
		script += " " + google
		style += " " + google
		connect += " " + google
		frame = "; frame-src " + google
	}
	return "default-src 'none'; script-src " + script + "; style-src " + style + "; connect-src " + connect +
		"; img-src 'self' data:" + frame + "; base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'"
}

// origin is the scheme and host of a URL ("" if it has none).
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
