package widget

import (
	"embed"
	"html"
	"io/fs"
	"net/http"
	"strings"
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
	inboxID := ""
	orgs, err := d.Store.Organizations(r.Context())
	if err == nil {
		for _, o := range orgs {
			inboxes, err := d.Store.InboxesByOrg(r.Context(), o.ID)
			if err != nil {
				continue
			}
			for _, in := range inboxes {
				if in.Kind == "chat" && inboxID == "" {
					inboxID = in.ID
				}
			}
		}
	}
	if inboxID == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("No chat inbox yet: finish the first-run setup in the Vouch Desk app first.\n"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(strings.ReplaceAll(string(page), "{{INBOX_ID}}", html.EscapeString(inboxID))))
}
