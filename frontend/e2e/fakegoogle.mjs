// A local fake of Google for the end-to-end suite: an OpenID Connect issuer on 127.0.0.1 (the
// same shape as backend/signin/google/googletest) and a stand-in for Google Identity Services'
// script, so "Sign in with Google" runs in Chromium against the real engine without the network.
//
//   GET /.well-known/openid-configuration   discovery: issuer = this server's URL, jwks_uri
//   GET /jwks                                the public half of an RSA-2048 key made at start
//   GET /gsi/client                          the fake GSI script (see below)
//   GET /token?aud=&email=&name=&sub=        {credential}: a fresh RS256 ID token for that account
//   GET /stats                               how often each of the above was asked for
//
// The issuer is http://127.0.0.1:PORT: the verifier allows http on loopback only, and accepts
// `iss` as that URL exactly (or as 127.0.0.1:PORT, since the URL has no path).
//
// The script defines window.google.accounts.id with what the widget's gsi.ts calls
// (initialize, renderButton) and the no-ops a page may call too. renderButton draws a button;
// a click asks /token for a token for the page's client ID and hands it to initialize's
// callback, as Google's popup does. The account is window.__fakeGoogle ({email, name, sub}) if
// the test set one, else a default.
//
// Run by scripts/e2e-chat.sh before the app, which needs the issuer at start:
//   node frontend/e2e/fakegoogle.mjs --port-file FILE   (writes the URL to FILE, runs until killed)
// or imported: const g = await startFakeGoogle(); g.url; await g.close()
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto'
import { writeFileSync, renameSync } from 'node:fs'
import { createServer } from 'node:http'
import { pathToFileURL } from 'node:url'

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

export async function startFakeGoogle({ port = 0 } = {}) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomBytes(8).toString('hex')
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
  const stats = { discovery: 0, jwks: 0, script: 0, tokens: 0 }
  let url = ''

  const sign = (claims) => {
    const input = `${b64url({ alg: 'RS256', kid, typ: 'JWT' })}.${b64url(claims)}`
    const sig = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')
    return `${input}.${sig}`
  }

  const server = createServer((req, res) => {
    const u = new URL(req.url, url)
    const send = (status, type, body) => {
      // The script and /token are used from the widget's page, another origin.
      res.writeHead(status, { 'Content-Type': type, 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' })
      res.end(typeof body === 'string' ? body : JSON.stringify(body))
    }
    if (req.method !== 'GET') return send(405, 'text/plain', 'GET only')
    switch (u.pathname) {
      case '/.well-known/openid-configuration':
        stats.discovery++
        return send(200, 'application/json', {
          issuer: url,
          authorization_endpoint: `${url}/o/oauth2/v2/auth`,
          token_endpoint: `${url}/token`,
          jwks_uri: `${url}/jwks`,
          response_types_supported: ['code', 'id_token', 'code id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        })
      case '/jwks':
        stats.jwks++
        return send(200, 'application/json', { keys: [jwk] })
      case '/gsi/client':
        stats.script++
        return send(200, 'text/javascript; charset=utf-8', gsiScript(url))
      case '/token': {
        const aud = u.searchParams.get('aud')
        const email = u.searchParams.get('email')
        if (!aud || !email) return send(400, 'application/json', { error: 'aud and email are required' })
        stats.tokens++
        const now = Math.floor(Date.now() / 1000)
        return send(200, 'application/json', {
          credential: sign({
            iss: url,
            azp: aud,
            aud,
            // Google's sub is a stable account id; here one per address.
            sub: u.searchParams.get('sub') || `fake-${createHash('sha256').update(email).digest('hex').slice(0, 20)}`,
            email,
            email_verified: true,
            name: u.searchParams.get('name') || email.split('@')[0],
            iat: now,
            exp: now + 3600,
          }),
        })
      }
      case '/stats':
        return send(200, 'application/json', stats)
    }
    send(404, 'text/plain', 'not found')
  })
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${server.address().port}`
  return {
    url,
    stats: () => ({ ...stats }),
    close: () => {
      const done = new Promise((r) => server.close(r))
      server.closeAllConnections()
      return done
    },
  }
}

// gsiScript is the fake google.accounts.id, bound to the server at base. It is plain ES5-ish
// code run in the widget's page, outside the widget's shadow root (as Google's is).
function gsiScript(base) {
  return `(() => {
  const BASE = ${JSON.stringify(base)}
  let cfg = null
  const account = () => Object.assign({ email: 'gus@vouchdesk.test', name: 'Gus Google' }, window.__fakeGoogle || {})
  const id = {
    initialize(o) { cfg = o },
    renderButton(parent, opts) {
      opts = opts || {}
      const b = document.createElement('button')
      b.type = 'button'
      b.setAttribute('data-fake-google', 'button')
      b.style.cssText = 'display:flex;align-items:center;justify-content:center;gap:10px;box-sizing:border-box;' +
        'width:' + (opts.width || 240) + 'px;max-width:100%;height:40px;padding:0 12px;border:1px solid #dadce0;' +
        'border-radius:4px;background:#fff;color:#3c4043;font:500 14px/1 Roboto,Arial,sans-serif;cursor:pointer'
      const g = document.createElement('span')
      g.textContent = 'G'
      g.setAttribute('aria-hidden', 'true')
      g.style.cssText = 'font:700 18px/1 Arial,sans-serif;color:#4285f4'
      const t = document.createElement('span')
      t.textContent = 'Sign in with Google (test)'
      b.append(g, t)
      b.addEventListener('click', async () => {
        if (!cfg || typeof cfg.callback !== 'function') return
        const a = account()
        const q = new URLSearchParams({ aud: cfg.client_id, email: a.email, name: a.name })
        if (a.sub) q.set('sub', a.sub)
        const r = await fetch(BASE + '/token?' + q)
        const { credential } = await r.json()
        cfg.callback({ credential, select_by: 'btn' })
      })
      parent.appendChild(b)
    },
    prompt() {},
    cancel() {},
    disableAutoSelect() {},
  }
  window.google = window.google || {}
  window.google.accounts = window.google.accounts || {}
  window.google.accounts.id = id
})()
`
}

// As a program: start, write the URL to --port-file (atomically), run until SIGTERM/SIGINT.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--port-file')
  const file = i > 0 ? process.argv[i + 1] : ''
  const g = await startFakeGoogle()
  if (file) {
    writeFileSync(`${file}.tmp`, `${g.url}\n`)
    renameSync(`${file}.tmp`, file)
  }
  console.log(`fake Google on ${g.url}`)
  const stop = () => g.close().then(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
