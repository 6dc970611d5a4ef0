package widget

import (
	"net/http"
)

// The page an invitation link opens (<public URL>/join#token). The token is after "#", so it
// reaches neither this server's log nor a proxy's; the page's script reads it in the browser and
// offers to open Vouch Desk with it (vouchdesk://join?server=…#token, the scheme the desktop
// registers), and shows the link to paste into the app's "Join a team" where the scheme is not
// registered. The page sends the token nowhere.
const joinPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Join your team · Vouch Desk</title>
<style>
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;background:#f4f6f8;color:#17202a}
main{max-width:520px;margin:12vh auto;padding:2rem 2.25rem;background:#fff;border:1px solid #d8dee4;border-radius:14px}
h1{font-size:1.35rem;margin:0 0 .75rem}p{margin:.5rem 0}.muted{color:#4b5866}.small{font-size:.9rem}
a.button{display:inline-block;font-weight:600;padding:.6rem 1.1rem;border-radius:8px;background:#0f766e;color:#fff;text-decoration:none;margin:1rem 0 .5rem}
a.button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
code{display:block;padding:.6rem .75rem;background:#f4f6f8;border-radius:8px;overflow-wrap:anywhere;font-size:.85rem}
.bad{color:#b42318}
</style></head><body><main>
<h1>Join your team in Vouch Desk</h1>
<div id="ok" hidden>
<p>You were invited to answer customers with your team. Install Vouch Desk on this computer, then:</p>
<a class="button" id="open" href="#">Open in Vouch Desk</a>
<p class="muted small">If nothing happens, open Vouch Desk, choose <strong>Join a team</strong> →
<strong>I have an invitation link</strong>, and paste this link:</p>
<code id="link"></code>
<p class="muted small">The link works once and expires 7 days after it was sent. Do not forward it: whoever uses it joins as you.</p>
</div>
<p id="bad" class="bad" hidden>This page needs the whole link from the invitation email, including the part after “#”. Open the link from the email again, or ask your admin for a new invitation.</p>
<noscript><p class="muted">Open Vouch Desk, choose <strong>Join a team</strong> → <strong>I have an invitation link</strong>, and paste the link from the email.</p></noscript>
</main><script src="/join.js"></script></body></html>`

// joinScript fills the page from the link's fragment. The token is text in the page (textContent)
// and a URL component (encodeURIComponent): never markup.
const joinScript = `(function () {
  var token = location.hash.slice(1);
  if (!/^[A-Za-z0-9_-]{16,200}$/.test(token)) { document.getElementById('bad').hidden = false; return; }
  var link = location.origin + '/join#' + token;
  document.getElementById('link').textContent = link;
  document.getElementById('open').href = 'vouchdesk://join?server=' + encodeURIComponent(location.origin) + '#' + token;
  document.getElementById('ok').hidden = false;
})();
`

func serveJoinPage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'")
	w.Write([]byte(joinPage))
}

func serveJoinScript(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.Write([]byte(joinScript))
}
